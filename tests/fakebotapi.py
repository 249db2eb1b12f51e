"""A small fake Telegram Bot API server for end-to-end tests over real HTTP.

Why a server and not a mocked ``Bot``: the bot under test must run unchanged (in-process or as
a ``renewal-bot run`` subprocess pointed at ``TELEGRAM_API_BASE_URL``), so everything PTB does
on the wire -- form/multipart encoding, long polling, error mapping, rate limiting, shutdown --
is exercised. The server runs in the test's event loop on 127.0.0.1 with an ephemeral port.

It is deliberately strict where real Telegram is strict and a bug would only show in
production: invalid HTML with ``parse_mode=HTML``, texts over 4096 characters, callback data
over 64 bytes, editing to identical content ("message is not modified"), getUpdates while a
webhook is set. Everything else is lenient.

Usage::

    async with FakeBotApi() as server:
        bot = telegram.Bot("123:TEST", base_url=server.base_url)
        server.user_sends(1, "/start", language_code="zh-hans")
        [call] = await server.wait_for("sendMessage", chat_id=1)
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest_asyncio
from aiohttp import ClientSession, web
from timing import scaled

BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Renewal Test Bot",
    "username": "renewal_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}
BOT_FROM = {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")}

# Form values arrive as strings; PTB JSON-encodes everything that is not already a string.
# These fields are genuinely strings, so they must not be JSON-decoded ("123" stays "123").
_TEXT_FIELDS = frozenset(
    "text caption description short_description query data url secret_token parse_mode action "
    "language_code next_offset title file_name callback_query_id inline_query_id "
    "inline_message_id ip_address emoji message_effect_id business_connection_id".split()
)
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_HTML_TAGS = frozenset(
    "b strong i em u ins s strike del span tg-spoiler a code pre blockquote tg-emoji".split()
)
_METHODS = {
    name.lower(): name
    for name in """getMe getUpdates deleteWebhook setWebhook getWebhookInfo sendMessage
    editMessageText editMessageReplyMarkup deleteMessage answerCallbackQuery answerInlineQuery
    sendDocument sendChatAction getFile setMyCommands getMyCommands deleteMyCommands
    setMyDescription setMyShortDescription getMyDescription getMyShortDescription
    setChatMenuButton getChatMenuButton getChatMember""".split()
}
_ERRORS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class Call:
    """One request the bot made. ``response`` is the JSON body sent back (None until answered)."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    chat_id: int | str | None = None
    time: float = field(default_factory=time.time)
    faulted: bool = False
    response: dict[str, Any] | None = None


@dataclass
class _Fault:
    method: str
    chat_id: int | str | None
    times: int | None  # None: until clear_faults()
    status: int = 0
    body: dict[str, Any] | None = None
    seconds: float = 0.0
    drop: bool = False  # close the connection without an answer, the call not handled
    until: asyncio.Event | None = None  # hang until this is set (or the server stops)

    def matches(self, call: Call) -> bool:
        return (
            self.method == call.method.lower()
            and (self.chat_id is None or str(self.chat_id) == str(call.chat_id))
            and self.times != 0
        )


class ApiError(Exception):
    """Raised by method handlers to answer with Telegram's error shape (400 unless given)."""

    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.status = status


class _HtmlChecker(HTMLParser):
    """Telegram rejects unknown tags, unbalanced tags and bare '&'/'<' with 400."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in _HTML_TAGS:
            raise ApiError(f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            raise ApiError(f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')


def _check_html(text: str) -> str:
    """Validate Telegram HTML and return the plain text a client would see."""
    if re.search(r"&(?!(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);)", text) or re.search(
        r"<(?![a-zA-Z/])", text
    ):
        raise ApiError("Bad Request: can't parse entities: unescaped '&' or '<'")
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise ApiError(f"Bad Request: can't parse entities: unclosed tag {checker.stack[-1]}")
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def _decode_form(key: str, value: str) -> Any:
    if key in _TEXT_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeBotApi:
    """Fake Bot API: records every call, queues simulated user updates, injects faults."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []  # every update ever pushed, for inspection
        self.messages: dict[tuple[int | str, int], dict[str, Any]] = {}  # (chat, id) -> Message
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (scope, lang) -> list
        self.descriptions: dict[tuple[str, str], str] = {}  # (kind, lang) -> text
        self.menu_buttons: dict[int | str | None, dict[str, Any]] = {}
        self.webhook: dict[str, Any] = {}  # last setWebhook params; {} when none
        self.files: dict[str, bytes] = {}  # file_id -> uploaded bytes
        self._pending: list[dict[str, Any]] = []  # not yet confirmed via offset
        self._allowed: frozenset[str] = frozenset()  # empty: all but _OPT_IN_UPDATE_TYPES
        self._open_queries: set[str] = set()  # callback/inline query ids not yet answered
        self._names: dict[int | str, str] = {}  # chat_id -> first_name, for chat objects
        self.user_names: dict[int, str] = {}  # user id -> first_name, for getChatMember
        self.member_status: dict[tuple[int, int], str] = {}  # (chat, user) -> status; "member"
        self._faults: list[_Fault] = []
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._last_message_id: dict[int | str, int] = {}  # per chat, shared by user and bot
        self._changed: asyncio.Event | None = None
        self._closed: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None

    # ---- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> FakeBotApi:
        self._changed, self._closed = asyncio.Event(), asyncio.Event()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{file_id}", self._download)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Release long polls and delays first, so aiohttp's graceful shutdown is instant."""
        if self._runner is None:
            return
        assert self._closed is not None
        self._closed.set()
        self._bump()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- simulating users ------------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> int:
        """Queue any update; ``update_id`` is assigned unless given."""
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        self._pending.append(update)
        self._bump()
        return update["update_id"]

    def user_sends(
        self,
        chat_id: int,
        text: str,
        language_code: str | None = "en",
        user_id: int | None = None,
        first_name: str = "Test",
        thread_id: int | None = None,
    ) -> int:
        """A user types ``text``; a leading /command gets a bot_command entity like Telegram's.
        ``thread_id``: sent in that forum topic of a group."""
        user = self._user(chat_id, user_id, first_name, language_code)
        if chat_id > 0:
            self._names[chat_id] = first_name
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": self._chat(chat_id, first_name),
            "date": int(time.time()),
            "text": text,
        }
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        self.messages[(chat_id, message["message_id"])] = message
        return self.push_update({"message": message})

    def user_presses(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        language_code: str | None = "en",
        user_id: int | None = None,
        first_name: str = "Test",
    ) -> int:
        """A user presses an inline button on (usually) a message the bot sent earlier."""
        message = self.messages.get((chat_id, message_id))
        if message is None:  # unknown: invent a bot message so PTB (and later edits) accept it
            message = self._bot_message(chat_id, message_id, text="…")
        user = self._user(chat_id, user_id, first_name, language_code)
        query_id = str(next(self._ids))
        self._open_queries.add(query_id)
        query = {"id": query_id, "from": user, "message": message, "data": data}
        return self.push_update({"callback_query": {**query, "chat_instance": f"ci{chat_id}"}})

    def user_inline_query(
        self, user_id: int, query: str, language_code: str | None = "en", offset: str = ""
    ) -> int:
        user = self._user(user_id, user_id, "Test", language_code)
        inline = {"id": str(next(self._ids)), "from": user, "query": query, "offset": offset}
        self._open_queries.add(inline["id"])
        return self.push_update({"inline_query": inline})

    async def flush_webhook(self) -> list[int]:
        """Webhook mode: POST every pending update to the URL given in setWebhook, in order.

        Sends ``X-Telegram-Bot-Api-Secret-Token`` like Telegram; an update is confirmed (removed)
        on a 2xx answer, otherwise it stays pending. Returns the HTTP statuses.
        """
        assert self.webhook, "no webhook set"
        headers = {}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        statuses = []
        async with ClientSession() as session:
            for update in [u for u in self._pending if self._allowed_update(u)]:
                async with session.post(self.webhook["url"], json=update, headers=headers) as r:
                    statuses.append(r.status)
                    if 200 <= r.status < 300:
                        self._pending.remove(update)
        return statuses

    # ---- inspecting ------------------------------------------------------------------------
    def calls_of(self, method: str, chat_id: int | str | None = None) -> list[Call]:
        return [c for c in self.calls if self._match(c, method.lower(), chat_id, None)]

    def sent_texts(self, chat_id: int | str) -> list[str]:
        """Texts of successful sendMessage calls to ``chat_id``, as the bot sent them (raw HTML)."""
        return [
            c.params.get("text", "") for c in self.calls_of("sendMessage", chat_id) if not c.faulted
        ]

    def my_commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[str]:
        """Command names set via setMyCommands for that scope and language."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return [c["command"] for c in self.commands.get(key, [])]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        chat_id: int | str | None = None,
        timeout: float | None = None,
        count: int = 1,
        since: int = 0,
    ) -> list[Call]:
        """Wait until ``count`` matching calls (among ``self.calls[since:]``) were recorded.

        Faulted calls match too; pass ``predicate=lambda c: not c.faulted`` to skip them.
        ``timeout`` defaults to 10 s scaled by TEST_TIMEOUT_SCALE (tests/timing.py).
        """
        timeout = scaled(10.0) if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            assert self._changed is not None, "server not started"
            changed = self._changed
            found = [
                c for c in self.calls[since:] if self._match(c, method.lower(), chat_id, predicate)
            ]
            if len(found) >= count:
                return found
            try:
                await asyncio.wait_for(changed.wait(), deadline - loop.time())
            except TimeoutError:
                summary = "\n".join(
                    f"  {c.method} chat={c.chat_id} faulted={c.faulted} {str(c.params)[:150]}"
                    for c in self.calls
                )
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {count}x {method} chat={chat_id}; "
                    f"got {len(found)}. Recorded calls:\n{summary or '  (none)'}"
                ) from None

    # ---- faults ----------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        chat_id: int | str | None = None,
        status: int = 429,
        retry_after: int = 1,
        times: int | None = 1,
        description: str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        """Make the next ``times`` matching calls (None: all, until clear_faults) fail.
        ``parameters``: the error's ResponseParameters (e.g. migrate_to_chat_id)."""
        body: dict[str, Any] = {"ok": False, "error_code": status}
        if status == 429:
            body["description"] = description or f"Too Many Requests: retry after {retry_after}"
            body["parameters"] = {"retry_after": retry_after}
        else:
            body["description"] = description or _ERRORS.get(status, f"Error {status}")
        if parameters:
            body["parameters"] = {**body.get("parameters", {}), **parameters}
        self._faults.append(_Fault(method.lower(), chat_id, times, status=status, body=body))

    def delay(
        self,
        method: str,
        seconds: float,
        chat_id: int | str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer matching calls ``seconds`` late (the call is recorded on arrival)."""
        self._faults.append(_Fault(method.lower(), chat_id, times, seconds=seconds))

    def drop(self, method: str, chat_id: int | str | None = None, times: int | None = 1) -> None:
        """Close the connection of the next ``times`` matching calls without answering and
        without handling them (the request never reached Telegram's logic)."""
        self._faults.append(_Fault(method.lower(), chat_id, times, drop=True))

    def hang(
        self, method: str, chat_id: int | str | None = None, times: int | None = 1
    ) -> asyncio.Event:
        """Hold matching calls (recorded on arrival) until the returned event is set."""
        release = asyncio.Event()
        self._faults.append(_Fault(method.lower(), chat_id, times, until=release))
        return release

    def clear_faults(self) -> None:
        self._faults.clear()

    # ---- internals -------------------------------------------------------------------------
    def _bump(self) -> None:
        """Wake every waiter; each one re-checks its own condition."""
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    @staticmethod
    def _match(c: Call, method: str, chat_id: Any, predicate: Any) -> bool:
        return (
            c.method.lower() == method
            and (chat_id is None or str(c.chat_id) == str(chat_id))
            and (predicate is None or predicate(c))
        )

    def _next_message_id(self, chat_id: int | str) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _user(self, chat_id: int, user_id: int | None, first_name: str, lang: str | None) -> dict:
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": first_name}
        self.user_names[user["id"]] = first_name
        return {**user, "language_code": lang} if lang else user

    def _chat(self, chat_id: int | str, first_name: str | None = None) -> dict[str, Any]:
        if isinstance(chat_id, int) and chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
        name = first_name or self._names.get(chat_id, "Test")
        return {"id": chat_id, "type": "private", "first_name": name}

    def _bot_message(self, chat_id: int | str, message_id: int | None, **extra: Any) -> dict:
        """A Message from the bot, remembered so presses and edits can refer to it."""
        message_id = message_id or self._next_message_id(chat_id)
        self._last_message_id[chat_id] = max(message_id, self._last_message_id.get(chat_id, 0))
        message = {"message_id": message_id, "from": BOT_FROM, "chat": self._chat(chat_id)}
        message.update(date=int(time.time()), **extra)
        self.messages[chat_id, message_id] = message
        return message

    @staticmethod
    def _markup(call: Call) -> dict[str, Any]:
        """Telegram echoes only inline keyboards; reply keyboards never appear in a Message."""
        markup = call.params.get("reply_markup")
        return {"reply_markup": markup} if markup and "inline_keyboard" in markup else {}

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {k: _decode_form(k, v) for k, v in request.query.items()}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params.update(await request.json() if request.can_read_body else {})
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                    params[key] = {"filename": value.filename, "mime_type": value.content_type}
                else:
                    params[key] = _decode_form(key, value)
        return params, files

    async def _handle(self, request: web.Request) -> web.Response:
        params, files = await self._read_params(request)
        name = request.match_info["method"]
        method = _METHODS.get(name.lower(), name)  # Telegram method names are case-insensitive
        handler = getattr(self, f"_m_{method}", None) if name.lower() in _METHODS else None
        chat_id = params.get("chat_id")
        call = Call(method, params, files, chat_id if isinstance(chat_id, int | str) else None)
        self.calls.append(call)
        self._bump()
        status, body = 200, {"ok": True, "result": None}
        for fault in [f for f in self._faults if f.matches(call)]:
            if fault.body and call.faulted:
                continue  # one error per call; later error faults keep their count
            fault.times = None if fault.times is None else fault.times - 1
            if fault.drop:
                call.faulted = True
                call.response = {"dropped": True}
                self._bump()
                assert request.transport is not None
                request.transport.close()
                raise asyncio.CancelledError  # aiohttp drops a cancelled handler quietly
            if fault.until is not None:
                await self._hold(fault.until)
            elif fault.seconds:
                await self._sleep(fault.seconds)
            else:
                call.faulted, status, body = True, fault.status, fault.body or {}
        if not call.faulted:
            if name.lower() not in _METHODS:
                status, body = (
                    404,
                    {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                )
            else:
                try:
                    body["result"] = await handler(call) if handler else True
                except ApiError as exc:
                    status = exc.status
                    body = {"ok": False, "error_code": status, "description": str(exc)}
        call.response = body
        self._bump()
        return web.json_response(body, status=status)

    async def _download(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["file_id"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    async def _sleep(self, seconds: float) -> None:
        assert self._closed is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), seconds)

    async def _hold(self, release: asyncio.Event) -> None:
        assert self._closed is not None
        closed = asyncio.ensure_future(self._closed.wait())
        released = asyncio.ensure_future(release.wait())
        try:
            await asyncio.wait({closed, released}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            released.cancel()

    def _render(self, params: dict[str, Any], key: str = "text") -> str:
        text = params.get(key)
        if key == "text" and not text:
            raise ApiError("Bad Request: message text is empty")
        text = str(text or "")
        if _utf16_len(text) > (4096 if key == "text" else 1024):
            raise ApiError(f"Bad Request: message {key} is too long")
        if str(params.get("parse_mode", "")).lower() == "html":
            text = _check_html(text)
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    raise ApiError("Bad Request: BUTTON_DATA_INVALID")
        return text

    def _edit(self, call: Call, changes: dict[str, Any]) -> dict[str, Any] | bool:
        if "inline_message_id" in call.params:
            return True
        key = (call.chat_id, call.params.get("message_id"))
        if key not in self.messages:
            raise ApiError("Bad Request: message to edit not found")
        message = self.messages[key]
        if all(message.get(k) == v for k, v in changes.items()):
            raise ApiError(
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message"
            )
        message.update({**changes, "edit_date": int(time.time())})
        for k in [k for k, v in message.items() if v is None]:
            del message[k]  # e.g. editMessageText without reply_markup removes the keyboard
        return message

    # ---- methods: _m_<canonical camelCase name>; anything in _METHODS without one returns True
    async def _m_getMe(self, call: Call) -> Any:
        return BOT_USER

    async def _m_getUpdates(self, call: Call) -> Any:
        """Long poll: answer as soon as something is deliverable; only ``offset`` confirms."""
        if self.webhook:
            raise ApiError("Conflict: can't use getUpdates method while webhook is active", 409)
        p = call.params
        offset, limit = int(p.get("offset") or 0), int(p.get("limit") or 100)
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        if "allowed_updates" in p:  # Telegram remembers the last list given
            self._allowed = frozenset(p["allowed_updates"] or ())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(p.get("timeout") or 0)
        assert self._closed is not None and self._changed is not None
        while True:
            changed = self._changed
            ready = [u for u in self._pending if self._allowed_update(u)][:limit]
            if ready or self._closed.is_set() or loop.time() >= deadline:
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), deadline - loop.time())

    def _allowed_update(self, update: dict[str, Any]) -> bool:
        kind = next(k for k in update if k != "update_id")
        return kind in self._allowed if self._allowed else kind not in _OPT_IN_UPDATE_TYPES

    async def _m_deleteWebhook(self, call: Call) -> Any:
        self.webhook = {}
        if call.params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _m_setWebhook(self, call: Call) -> Any:
        await self._m_deleteWebhook(call)
        self.webhook = dict(call.params)
        if "allowed_updates" in call.params:
            self._allowed = frozenset(call.params["allowed_updates"] or ())
        return True

    async def _m_getWebhookInfo(self, call: Call) -> Any:
        info = {"url": self.webhook.get("url", ""), "has_custom_certificate": False}
        return {**info, "pending_update_count": len(self._pending)}

    async def _m_sendMessage(self, call: Call) -> Any:
        text = self._render(call.params)
        extra = {**self._markup(call), **self._context(call)}
        return self._bot_message(call.chat_id, None, text=text, **extra)

    def _context(self, call: Call) -> dict[str, Any]:
        """Like Telegram: a reply carries the message it answers; a topic message its topic."""
        extra: dict[str, Any] = {}
        reply = call.params.get("reply_parameters") or {}
        original = self.messages.get((call.chat_id, reply.get("message_id")))
        if original is not None:
            extra["reply_to_message"] = {
                k: v for k, v in original.items() if k != "reply_to_message"
            }
        thread = call.params.get("message_thread_id")
        if thread is not None:
            extra.update(message_thread_id=thread, is_topic_message=True)
        return extra

    async def _m_getChatMember(self, call: Call) -> Any:
        user_id = int(call.params.get("user_id", 0))
        if user_id not in self.user_names:
            raise ApiError("Bad Request: user not found")
        status = self.member_status.get((int(call.chat_id or 0), user_id), "member")
        user = {"id": user_id, "is_bot": False, "first_name": self.user_names[user_id]}
        rights: dict[str, Any] = {}
        if status in ("administrator", "creator"):
            rights = {"is_anonymous": False}
        if status == "administrator":
            rights.update(
                dict.fromkeys(
                    "can_be_edited can_manage_chat can_delete_messages can_manage_video_chats "
                    "can_restrict_members can_promote_members can_change_info can_invite_users "
                    "can_post_stories can_edit_stories can_delete_stories".split(),
                    False,
                )
            )
        return {"status": status, "user": user, **rights}

    async def _m_editMessageText(self, call: Call) -> Any:
        text = self._render(call.params)
        return self._edit(
            call, {"text": text, "reply_markup": self._markup(call).get("reply_markup")}
        )

    async def _m_editMessageReplyMarkup(self, call: Call) -> Any:
        self._render({**call.params, "text": "-"})  # validates the keyboard
        return self._edit(call, {"reply_markup": self._markup(call).get("reply_markup")})

    async def _m_deleteMessage(self, call: Call) -> Any:
        if self.messages.pop((call.chat_id, call.params.get("message_id")), None) is None:
            raise ApiError("Bad Request: message to delete not found")
        return True

    def _answer(self, query_id: Any) -> bool:
        """Each query can be answered once, like Telegram (a second answer is an error)."""
        if query_id not in self._open_queries:
            raise ApiError(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._open_queries.discard(query_id)
        return True

    async def _m_answerCallbackQuery(self, call: Call) -> Any:
        return self._answer(call.params.get("callback_query_id"))

    async def _m_answerInlineQuery(self, call: Call) -> Any:
        return self._answer(call.params.get("inline_query_id"))

    async def _m_sendDocument(self, call: Call) -> Any:
        caption = self._render(call.params, "caption")
        doc = call.params.get("document")
        part = doc.removeprefix("attach://") if isinstance(doc, str) else "document"
        content = call.files.get(part, b"")
        info = doc if isinstance(doc, dict) else {"filename": None, "mime_type": None}
        file_id = f"DOC{next(self._ids)}"
        self.files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_name": info["filename"] or "file",
            "mime_type": info["mime_type"] or "application/octet-stream",
            "file_size": len(content),
        }
        extra = {"caption": caption} if caption else {}
        return self._bot_message(
            call.chat_id,
            None,
            document=document,
            **extra,
            **self._markup(call),
            **self._context(call),
        )

    async def _m_getFile(self, call: Call) -> Any:
        file_id = call.params.get("file_id", "")
        if file_id not in self.files:
            raise ApiError("Bad Request: invalid file_id")
        size = len(self.files[file_id])
        return {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": size,
            "file_path": file_id,
        }

    def _scope_key(self, call: Call) -> tuple[str, str]:
        scope = call.params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), call.params.get("language_code") or ""

    async def _m_setMyCommands(self, call: Call) -> Any:
        self.commands[self._scope_key(call)] = list(call.params.get("commands") or [])
        return True

    async def _m_getMyCommands(self, call: Call) -> Any:
        return self.commands.get(self._scope_key(call), [])

    async def _m_deleteMyCommands(self, call: Call) -> Any:
        self.commands.pop(self._scope_key(call), None)
        return True

    async def _description(self, call: Call) -> Any:
        """set/getMy(Short)Description share one store keyed by (field, language_code)."""
        kind = "short_description" if "Short" in call.method else "description"
        key = kind, call.params.get("language_code") or ""
        if call.method.startswith("set"):
            self.descriptions[key] = call.params.get(kind) or ""
            return True
        return {kind: self.descriptions.get(key, "")}

    _m_setMyDescription = _m_getMyDescription = _description
    _m_setMyShortDescription = _m_getMyShortDescription = _description

    async def _m_setChatMenuButton(self, call: Call) -> Any:
        self.menu_buttons[call.chat_id] = call.params.get("menu_button") or {"type": "default"}
        return True

    async def _m_getChatMenuButton(self, call: Call) -> Any:
        return self.menu_buttons.get(call.chat_id, self.menu_buttons.get(None, {"type": "default"}))


@pytest_asyncio.fixture
async def fake_api():
    """A started FakeBotApi per test; stopped (long polls released) at teardown."""
    async with FakeBotApi() as server:
        yield server

"""An in-process stand-in for the Telegram Bot API.

The terminal chat and the handler tests run the real python-telegram-bot
Application; only the HTTP layer is replaced, so every handler, keyboard and
conversation behaves exactly as on Telegram, without a token or a network.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 100000001,
    "is_bot": True,
    "first_name": "Renewal Bot",
    "username": "renewal_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}


@dataclass
class Sent:
    """One Bot API call the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup") or {}
        return markup.get("inline_keyboard", []) if isinstance(markup, dict) else []


class OfflineRequest(BaseRequest):
    """Answers Bot API calls locally and records them in `sent`."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._ids = itertools.count(1)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request_data is not None:
            params = {k: _decode(v) for k, v in request_data.json_parameters.items()}
            if request_data.contains_files:
                for name, value in request_data.multipart_data.items():
                    if isinstance(value, tuple):
                        files[name] = value[1] if isinstance(value[1], bytes) else b""
                        params.setdefault(f"{name}_filename", value[0])
        result = self._answer(api_method, params)
        if api_method not in {"getMe", "getUpdates", "deleteWebhook", "getWebhookInfo"}:
            self.sent.append(Sent(api_method, params, files))
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return []
        if method in {"sendMessage", "sendDocument"}:
            chat_id = int(params["chat_id"])
            message = self._message(chat_id, next(self._ids), params)
            if method == "sendDocument":
                name = params.get("document_filename") or "file"
                message["document"] = {
                    "file_id": f"doc{message['message_id']}",
                    "file_unique_id": f"u{message['message_id']}",
                    "file_name": name,
                }
            self.messages[(chat_id, message["message_id"])] = message
            return message
        if method in {"editMessageText", "editMessageReplyMarkup"}:
            if "chat_id" not in params:
                return True  # inline message
            key = (int(params["chat_id"]), int(params["message_id"]))
            old = self.messages.get(key, self._message(key[0], key[1], {}))
            new = {**old, **self._message(key[0], key[1], params)}
            if method == "editMessageReplyMarkup":
                new["text"] = old.get("text", "")
            new["edit_date"] = int(time.time())
            self.messages[key] = new
            return new
        if method in {"getMyCommands"}:
            return []
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True

    @staticmethod
    def _message(chat_id: int, message_id: int, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
        }
        if "text" in params:
            message["text"] = params["text"]
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    def take(self) -> list[Sent]:
        """The calls made since the last take()."""
        sent, self.sent = self.sent, []
        return sent


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


class UpdateFactory:
    """Builds the Update objects a user's actions would produce."""

    def __init__(self, chat_id: int = 1, language_code: str | None = "en", first_name: str = "You"):
        self.chat_id = chat_id
        self.language_code = language_code
        self.first_name = first_name
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1_000_000)

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.chat_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def message(self, text: str, bot: Any) -> Update:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private", "first_name": self.first_name},
            "from": self._user(),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        data = {"update_id": next(self._update_ids), "message": message}
        return Update.de_json(data, bot)

    def press(self, message: dict[str, Any], data: str, bot: Any) -> Update:
        callback = {
            "id": str(next(self._update_ids)),
            "from": self._user(),
            "chat_instance": str(self.chat_id),
            "data": data,
            "message": message,
        }
        return Update.de_json(
            {"update_id": next(self._update_ids), "callback_query": callback}, bot
        )

    def inline_query(self, query: str, bot: Any) -> Update:
        inline = {
            "id": str(next(self._update_ids)),
            "from": self._user(),
            "query": query,
            "offset": "",
        }
        return Update.de_json({"update_id": next(self._update_ids), "inline_query": inline}, bot)

"""`renewal-bot chat`: talk to the real handlers in a terminal, no token needed.

Each line typed becomes a Telegram update for the same Application the bot
runs on Telegram; what the bot sends back is printed as plain text, with
buttons as numbered choices (type the number to press one).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.app import build_application, running
from bot.config import Settings
from bot.i18n import html_to_text
from bot.testing.offline import OfflineRequest, Sent, UpdateFactory

__all__ = ["TerminalChat", "html_to_text", "run_chat"]


class TerminalChat:
    def __init__(self, settings: Settings, out: TextIO, language_code: str | None = None):
        self.request = OfflineRequest()
        self.app = build_application(settings, request=self.request, with_updater=False)
        self.updates = UpdateFactory(chat_id=1, language_code=language_code)
        self.out = out
        self.choices: list[tuple[dict[str, Any], str]] = []
        self.files_dir = Path(settings.database_path).parent

    async def say(self, line: str) -> None:
        """Handle one line typed by the user and print what the bot answers."""
        line = line.rstrip("\n")
        bot = self.app.bot
        if line.strip().isdigit() and 1 <= int(line) <= len(self.choices):
            message, data = self.choices[int(line) - 1]
            update = self.updates.press(message, data, bot)
        else:
            update = self.updates.message(line, bot)
        await self.app.process_update(update)
        self.flush()

    def flush(self) -> None:
        for sent in self.request.take():
            self._print(sent)

    def _print(self, sent: Sent) -> None:
        if sent.method == "answerCallbackQuery":
            if sent.params.get("text"):
                self.out.write(f"  [{sent.params['text']}]\n")
            return
        if sent.method == "sendDocument":
            self.files_dir.mkdir(parents=True, exist_ok=True)
            for name, data in sent.files.items():
                path = self.files_dir / str(sent.params.get(f"{name}_filename") or name)
                path.write_bytes(data)
                self.out.write(f"bot: [file saved: {path}]\n")
            if sent.text:
                self.out.write(f"bot: {html_to_text(sent.text)}\n")
            return
        if sent.method not in {"sendMessage", "editMessageText", "editMessageReplyMarkup"}:
            return
        prefix = "bot (edited): " if sent.method.startswith("edit") else "bot: "
        if sent.method != "editMessageReplyMarkup":
            body = html_to_text(sent.text).replace("\n", "\n     ")
            self.out.write(f"{prefix}{body}\n")
        self._buttons(sent)
        self.out.flush()

    def _buttons(self, sent: Sent) -> None:
        rows = sent.buttons
        if not rows:
            return
        chat_id = int(sent.params.get("chat_id", self.updates.chat_id))
        message_id = sent.params.get("message_id")
        if message_id is None:  # a new message: the offline API numbered it last
            message_id = max(mid for (cid, mid) in self.request.messages if cid == chat_id)
        message = self.request.messages[(chat_id, int(message_id))]
        self.choices = []
        for row in rows:
            labels = []
            for button in row:
                if "callback_data" in button:
                    self.choices.append((message, button["callback_data"]))
                    labels.append(f"[{len(self.choices)}] {button['text']}")
                elif "url" in button:
                    labels.append(f"{button['text']} ({button['url']})")
                elif "copy_text" in button:  # copies on a phone; here the code is shown
                    labels.append(button["text"])
            self.out.write("     " + "   ".join(labels) + "\n")


async def run_chat(
    settings: Settings, inp: TextIO = sys.stdin, out: TextIO = sys.stdout, lang: str | None = None
) -> None:
    chat = TerminalChat(settings, out, language_code=lang)
    interactive = inp.isatty()
    async with running(chat.app):
        if interactive:
            out.write("renewal-bot terminal chat. Type a question or /start; Ctrl-D quits.\n")
        while True:
            if interactive:
                out.write("> ")
                out.flush()
            line = await asyncio.to_thread(inp.readline)
            if not line or line.strip() in {"/quit", "/exit"}:
                break
            if not interactive:
                out.write(f"you: {line.rstrip()}\n")
            await chat.say(line)
        chat.flush()

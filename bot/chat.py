"""Old name of bot.terminal, kept for tests/test_remind.py; removed at the house-remind merge."""

from bot.terminal import TerminalChat, html_to_text, run_chat

__all__ = ["TerminalChat", "html_to_text", "run_chat"]

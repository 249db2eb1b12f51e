"""Old name of bot.testing.offline, kept for tests/test_remind.py; removed at the merge with
house-remind."""

from bot.testing.offline import BOT_USER, OfflineRequest, Sent, UpdateFactory

__all__ = ["BOT_USER", "OfflineRequest", "Sent", "UpdateFactory"]

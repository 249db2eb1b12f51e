"""Old home of keyboard() and user_language(), kept for the reminder modules' imports.

New code imports `bot.keyboards` and `bot.handlers.users`; this file goes at the
merge with the house-remind branch, which moves those imports.
"""

from bot.handlers.users import user_language
from bot.keyboards import keyboard

__all__ = ["keyboard", "user_language"]

"""What every reminder handler starts from: who is asking, in which chat (and forum
topic), in which language and zone, at what time, and the few replies they all give
(stale button, gone plan, someone else's plan)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.callbacks import CallbackData
from bot.context import services
from bot.core.dates import RemindParse, latest_allowed
from bot.core.schedule import format_date
from bot.handlers.owners import in_group, may_manage
from bot.handlers.users import user_language
from bot.keyboards import Row, edit_or_ignore, keyboard
from bot.reminders.planning import is_live, zone_or
from bot.reminders.wording import Reader
from bot.storage import Plan, Store

Data = TypeVar("Data", bound=CallbackData)


@dataclass(frozen=True)
class Ctx(Reader):
    """A Reader for the person of this update (their language and zone), with the chat
    they wrote in and its store. In a private chat user_id == chat_id."""

    store: Store
    chat_id: int
    user_id: int
    thread_id: int | None = None  # the forum topic the update came from
    group: bool = False

    @property
    def owner_filter(self) -> int | None:
        """In a group each member sees only their own plans; a private chat sees all of its."""
        return self.user_id if self.group else None

    @property
    def now_ts(self) -> int:
        return int(self.now.timestamp())

    def hhmm(self, when: datetime) -> str:
        """A moment as the person's wall-clock time, as buttons and replies show it."""
        return when.astimezone(self.tz).strftime("%H:%M")


async def reminder_ctx(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Ctx:
    svc = services(context)
    lang = await user_language(update, context)
    chat_id = update.effective_chat.id
    user_id = update.effective_user.id if update.effective_user else chat_id
    person = await svc.store.get_user(user_id)
    tz = zone_or(person.timezone if person else None, svc.settings.tz)
    message = update.effective_message
    thread_id = message.message_thread_id if message and message.is_topic_message else None
    now = svc.clock().astimezone(UTC)
    return Ctx(svc.content, lang, tz, now, svc.store, chat_id, user_id, thread_id, in_group(update))


async def reply(update: Update, text: str, rows: list[Row] | None = None) -> None:
    await update.effective_message.reply_text(text, reply_markup=keyboard(rows or []))


async def edit(update: Update, text: str, rows: list[Row] | None = None) -> None:
    """Replace the message whose button was pressed."""
    await edit_or_ignore(update.callback_query, text, keyboard(rows or []))


async def reply_or_edit(
    update: Update, text: str, rows: list[Row] | None = None, *, edit_message: bool
) -> None:
    """In place of the pressed message when the step came from a button, else a new reply."""
    if edit_message and update.callback_query is not None:
        await edit(update, text, rows)
    else:
        await reply(update, text, rows)


async def alert(update: Update, text: str) -> None:
    await update.callback_query.answer(text, show_alert=True)


async def stale_button(update: Update, c: Ctx) -> None:
    """A button whose data we cannot read, or whose conversation is over."""
    await alert(update, c.plain("stale_button"))


async def plan_gone(update: Update, c: Ctx) -> None:
    """A button of a plan that was deleted, stopped, or belongs to another chat."""
    await alert(update, c.plain("remind_stale"))


async def not_yours(update: Update, c: Ctx) -> None:
    """A group member pressed a button of another member's plan or wizard."""
    await alert(update, c.plain("not_your_reminder"))


async def pressed(update: Update, c: Ctx, kind: type[Data]) -> Data | None:
    """The pressed button's data, or None after answering with the stale-button alert."""
    data = kind.parse(update.callback_query.data)
    if data is None:
        await stale_button(update, c)
    return data


async def live_plan(c: Ctx, plan_id: int) -> Plan | None:
    """This chat's plan with this id if it can still change, else None."""
    plan = await c.store.get_plan(plan_id)
    return plan if is_live(plan, c.chat_id) else None


async def pressed_plan(update: Update, c: Ctx, kind: type[Data]) -> tuple[Data, Plan] | None:
    """The button and its live plan, or None after answering with the right alert (gone,
    or someone else's: only the owner, or a group's admins for an ownerless plan, may
    change it)."""
    data = await pressed(update, c, kind)
    if data is None:
        return None
    plan = await live_plan(c, data.plan_id)  # type: ignore[attr-defined]
    if plan is None:
        await plan_gone(update, c)
        return None
    if not await may_manage(update, plan):
        await not_yours(update, c)
        return None
    return data, plan


async def typed_plan(update: Update, c: Ctx, plan_id: int) -> Plan | None:
    """The plan a typed answer changes, or None after replying why not (gone, or someone
    else's): pressed_plan for the end of a typed conversation, where there is no alert."""
    plan = await live_plan(c, plan_id)
    if plan is None:
        await reply(update, c.html("remind_stale"))
        return None
    if not await may_manage(update, plan):
        await reply(update, c.html("not_your_reminder"))
        return None
    return plan


def date_error(c: Ctx, parsed: RemindParse, text: str) -> str:
    """Why a typed date cannot be used, in the user's language."""
    if parsed.error == "past":
        return c.html("remind_error_past", date=text.strip()[:40])
    if parsed.error == "too_far":
        return c.html("remind_error_too_far", latest=format_date(latest_allowed(c.today), c.lang))
    return c.html("remind_error_unparseable")


def date_in_range(c: Ctx, d: date) -> bool:
    return c.today <= d <= latest_allowed(c.today)


def range_error(c: Ctx, d: date) -> str:
    """Plain text for an alert: a pressed date is past or too far ahead."""
    if d < c.today:
        return c.plain("remind_error_past", date=format_date(d, c.lang))
    return c.plain("remind_error_too_far", latest=format_date(latest_allowed(c.today), c.lang))


def button(callback: Callable[..., Awaitable[Any]], *kinds: type[CallbackData]) -> BaseHandler:
    """A handler for presses of any of these buttons, valid or not (the callback parses)."""
    return CallbackQueryHandler(callback, pattern="|".join(k.pattern().pattern for k in kinds))

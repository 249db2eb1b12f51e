"""/timezone: the zone reminders are computed in. Picking one re-plans the pending
reminders of every active plan. One state; diagram: timezone.mmd beside this file."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from bot.callbacks import PickZone
from bot.core.zones import find_zone, zone_label
from bot.handlers import flows
from bot.handlers.reminder_context import (
    Ctx,
    button,
    pressed,
    reminder_ctx,
    reply,
    reply_or_edit,
    stale_button,
)
from bot.reminders.planning import rows_for
from bot.reminders.sender import plans_changed

FLOW = "timezone"
ZONE = "zone"  # waiting for a zone button or a typed IANA name
END = flows.END
ZONES = (
    ("tz_phnom_penh", "Asia/Phnom_Penh"),
    ("tz_shanghai", "Asia/Shanghai"),
    ("tz_hong_kong", "Asia/Hong_Kong"),
    ("tz_taipei", "Asia/Taipei"),
    ("tz_singapore", "Asia/Singapore"),
    ("tz_bangkok", "Asia/Bangkok"),
)


async def ask_zone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/timezone <name> sets it at once; /timezone alone shows the zone and asks for one."""
    c = await reminder_ctx(update, context)
    flows.begin(context, FLOW, None)
    if context.args:
        return await _set_zone(update, context, c, " ".join(context.args), edit_message=False)
    local = c.hhmm(c.now)
    buttons = [(c.plain(key), PickZone(i)) for i, (key, _) in enumerate(ZONES)]
    await reply(
        update,
        c.html("tz_choose", current=zone_label(c.tz.key), now=local),
        [buttons[0:2], buttons[2:4], buttons[4:6]],
    )
    return ZONE


async def type_zone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Sets a typed zone name; an unknown one says so and asks again."""
    c = await reminder_ctx(update, context)
    return await _set_zone(
        update, context, c, update.effective_message.text or "", edit_message=False
    )


async def pick_zone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Sets the pressed zone (inside /timezone or from an older message)."""
    c = await reminder_ctx(update, context)
    button_data = await pressed(update, c, PickZone)
    if button_data is None:
        return END
    if not 0 <= button_data.index < len(ZONES):
        await stale_button(update, c)
        return END
    await update.callback_query.answer()
    zone = ZONES[button_data.index][1]
    return await _set_zone(update, context, c, zone, edit_message=True)


async def _set_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, c: Ctx, text: str, *, edit_message: bool
) -> str | int:
    zone = find_zone(text, c.content.places)
    if zone is None:
        await reply(update, c.html("tz_unknown", name=text.strip()[:64]))
        return ZONE
    c = replace(c, tz=ZoneInfo(zone))
    count = await _replan(c, zone)
    flows.end_if(context, FLOW)  # only once saved: if the disk is full, the step stays
    await plans_changed(context)
    done = c.html("tz_set", tz=zone_label(zone), now=c.hhmm(c.now), count=count)
    await reply_or_edit(update, done, edit_message=edit_message)
    return END


async def _replan(c: Ctx, zone: str) -> int:
    """Saves the zone and re-plans the lead reminders of the person's active plans (in
    every chat) in it, in one transaction; how many are pending."""
    plans = [p for p in await c.store.owned_live_plans(c.user_id) if p.state == "active"]
    replans = {p.id: rows_for(c.content, p, c.tz, c.now) for p in plans}  # none while paused
    await c.store.change_timezone(c.user_id, zone, replans, c.now_ts)
    return sum([len(await c.store.pending_reminders(p.id)) for p in plans])


def conversation(application: Application) -> ConversationHandler:
    return flows.conversation(
        application,
        FLOW,
        entry_points=[CommandHandler("timezone", ask_zone)],
        states={
            ZONE: [
                button(pick_zone, PickZone),
                MessageHandler(flows.typed_text(application, FLOW), type_zone),
            ],
        },
    )


def register(application: Application) -> None:
    """The conversation, and zone buttons of older /timezone messages."""
    application.add_handler(conversation(application))
    application.add_handler(button(pick_zone, PickZone))

"""Expiry reminders: /remind (guided or one line), /reminders, /timezone, the buttons
on reminder messages, and users who block or come back.

Callback data carries ids only (always < 64 bytes):

* ``rmg:…``  steps of the guided conversation (operator, skip, dates, calendar,
  leads, time, save); ``rmg:op:<op>`` also (re-)enters the conversation, so an
  operator keyboard sent by :func:`start_remind` from anywhere works;
* ``rm:…``   actions on a saved plan: ``rn`` renewed menu, ``rf`` roll forward,
  ``rnt`` / ``chg`` type a date, ``sn`` snooze, ``st`` stop, ``del`` / ``dy`` /
  ``dn`` delete with confirmation, ``ics`` calendar file;
* ``tz:<n>`` a time zone button.

A button whose plan is gone (deleted, stopped, another chat's) is answered with
an alert, never an error.
"""

from __future__ import annotations

import calendar as _calendar
import contextlib
import html
import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date as babel_format_date
from telegram import InputFile, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.content import LANGS, Content, Html
from bot.context import services
from bot.core.answers import Button
from bot.core.dates import (
    LABEL_MAX,
    RemindParse,
    latest_allowed,
    parse_date_only,
    parse_remind,
    parse_time_of_day,
)
from bot.core.ics import IcsPlan, build_ics
from bot.core.schedule import (
    DEFAULT_LEADS,
    DEFAULT_TIME,
    days_left,
    format_date,
    format_datetime_local,
    reminder_times,
    roll_forward,
    snooze_time,
)
from bot.core.text import lang_from_telegram
from bot.dispatcher import get_dispatcher, zone_or
from bot.handlers.common import keyboard, user_language
from bot.storage import MAX_ACTIVE_PLANS, Due, Plan, Planned, Store

log = logging.getLogger(__name__)

OPERATOR_CHOICES = ("smart", "cellcard", "metfone", "seatel", "cootel", "travel", "other")
TRAVEL_ALIASES = ("travel esim", "travel e-sim", "旅行esim", "旅行 esim", "旅游esim", "旅遊esim")
QUICK_DAYS = (7, 30, 90)
LEAD_CHOICES = (7, 3, 1, 0)
TIME_CHOICES = (time(8, 0), time(9, 0), time(12, 0), time(20, 0))
TIMEZONES = (
    ("tz_phnom_penh", "Asia/Phnom_Penh"),
    ("tz_shanghai", "Asia/Shanghai"),
    ("tz_hong_kong", "Asia/Hong_Kong"),
    ("tz_taipei", "Asia/Taipei"),
    ("tz_singapore", "Asia/Singapore"),
    ("tz_bangkok", "Asia/Bangkok"),
)
CONVERSATION_TIMEOUT = timedelta(minutes=30)

# conversation states
OPERATOR, LABEL, DATE, LEADS, NEW_DATE, TIMEZONE = range(6)
END = ConversationHandler.END
DRAFT = "remind_draft"


@dataclass
class Draft:
    mode: str = "guided"  # guided | oneliner | change | renew
    operator: str | None = None
    label: str | None = None
    expiry: date | None = None
    time_of_day: time = DEFAULT_TIME
    leads: tuple[int, ...] = DEFAULT_LEADS
    plan_id: int | None = None
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- small helpers ----------------------------------------------------------------------


@dataclass
class Ctx:
    content: Content
    store: Store
    lang: str
    tz: ZoneInfo
    now: datetime
    chat_id: int

    def t(self, key: str, **kwargs: object) -> str:
        return self.content.texts(key, self.lang, **kwargs)

    def plain(self, key: str, **kwargs: object) -> str:
        """A text for a button or an alert (no HTML)."""
        return html.unescape(self.t(key, **kwargs))

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    @property
    def now_ts(self) -> int:
        return int(self.now.timestamp())


async def _ctx(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Ctx:
    svc = services(context)
    lang = await user_language(update, context)
    chat_id = update.effective_chat.id
    user = await svc.store.get_user(chat_id)
    tz = zone_or(user.timezone if user else None, svc.settings.tz)
    return Ctx(svc.content, svc.store, lang, tz, svc.clock().astimezone(UTC), chat_id)


def operator_aliases(content: Content) -> dict[str, str]:
    aliases: dict[str, str] = {alias: "travel" for alias in TRAVEL_ALIASES}
    book = content.codes
    if book is not None:
        for op in book.operators.values():
            for alias in (op.id, *op.names.values(), *op.aliases, *op.exact_aliases):
                aliases.setdefault(alias, op.id)
    return aliases


def operator_name(content: Content, operator: str | None, lang: str) -> str:
    book = content.codes
    if operator and book is not None and operator in book.operators:
        return book.operator_name(operator, lang)
    if operator == "travel":
        return content.texts("remind_op_travel", lang)
    return content.texts("remind_op_other", lang)


def plan_name(content: Content, label: str | None, operator: str | None, lang: str) -> str:
    if label:
        return label
    if operator and operator != "other":
        return operator_name(content, operator, lang)
    return content.texts("remind_default_name", lang)


def left_text(content: Content, expiry: date, now: datetime, tz: ZoneInfo, lang: str) -> str:
    n = days_left(expiry, now, tz)
    if n > 1:
        return content.texts("remind_days_left", lang, days=n)
    if n == 1:
        return content.texts("remind_days_one", lang)
    if n == 0:
        return content.texts("remind_days_today", lang)
    return content.texts("remind_days_ago", lang, days=-n)


def lead_text(content: Content, kind: str, lead: int | None, lang: str) -> str:
    if kind == "snooze" or lead is None:
        return content.texts("remind_lead_snooze", lang)
    if lead == 0:
        return content.texts("remind_lead_zero", lang)
    if lead == 1:
        return content.texts("remind_lead_one", lang)
    return content.texts("remind_lead_days", lang, days=lead)


def reminder_lines(c: Ctx, items: list[tuple[datetime, str, int | None]]) -> Html:
    if not items:
        return Html(c.t("remind_no_reminders"))
    lines = [
        c.t(
            "remind_reminder_line",
            when=format_datetime_local(when, c.tz, c.lang),
            what=Html(lead_text(c.content, kind, lead, c.lang)),
        )
        for when, kind, lead in items
    ]
    return Html("\n".join(lines))


def summary(
    c: Ctx,
    *,
    label: str | None,
    operator: str | None,
    expiry: date,
    items: list[tuple[datetime, str, int | None]],
) -> Html:
    return Html(
        c.t(
            "remind_summary",
            name=plan_name(c.content, label, operator, c.lang),
            operator=operator_name(c.content, operator, c.lang),
            date=format_date(expiry, c.lang),
            left=Html(left_text(c.content, expiry, c.now, c.tz, c.lang)),
            tz=c.tz.key,
            reminders=reminder_lines(c, items),
        )
    )


def planned(
    expiry: date, leads: tuple[int, ...], time_of_day: time, tz: ZoneInfo, now: datetime
) -> list[Planned]:
    return [
        Planned(int(p.send_at.timestamp()), p.lead_days)
        for p in reminder_times(expiry, leads, time_of_day, tz, now)
    ]


def _items(rows: list[Planned]) -> list[tuple[datetime, str, int | None]]:
    return [(datetime.fromtimestamp(r.send_at, UTC), r.kind, r.lead_days) for r in rows]


async def plan_items(store: Store, plan_id: int) -> list[tuple[datetime, str, int | None]]:
    return [
        (datetime.fromtimestamp(r.send_at, UTC), r.kind, r.lead_days)
        for r in await store.pending_reminders(plan_id)
    ]


def _date_error(c: Ctx, parsed: RemindParse, text: str) -> str:
    if parsed.error == "past":
        return c.t("remind_error_past", date=text.strip()[:40])
    if parsed.error == "too_far":
        return c.t("remind_error_too_far", latest=format_date(latest_allowed(c.today), c.lang))
    return c.t("remind_error_unparseable")


def _ymd(d: date) -> str:
    return d.strftime("%Y%m%d")


def _from_ymd(s: str) -> date | None:
    try:
        return datetime.strptime(s, "%Y%m%d").date()
    except ValueError:
        return None


def _date_ok(c: Ctx, d: date) -> bool:
    return c.today <= d <= latest_allowed(c.today)


async def _poke(context: ContextTypes.DEFAULT_TYPE) -> None:
    dispatcher = get_dispatcher(context)
    if dispatcher is not None:
        await dispatcher.poke()


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    return context.user_data.get(DRAFT) if context.user_data is not None else None


async def _edit(update: Update, text: str, buttons: list[list[Button]] | None = None) -> None:
    """Edit the message whose button was pressed (ignore "not modified")."""
    try:
        await update.callback_query.edit_message_text(text, reply_markup=keyboard(buttons or []))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def _reply(update: Update, text: str, buttons: list[list[Button]] | None = None) -> None:
    await update.effective_message.reply_text(text, reply_markup=keyboard(buttons or []))


async def _stale(update: Update, c: Ctx) -> None:
    await update.callback_query.answer(c.plain("remind_stale"), show_alert=True)


async def _own_plan(update: Update, c: Ctx, plan_id: str) -> Plan | None:
    """The chat's live plan with this id, or None (after answering with an alert)."""
    plan = await c.store.get_plan(int(plan_id)) if plan_id.isdigit() else None
    if plan is None or plan.chat_id != c.chat_id or plan.state not in ("active", "expired"):
        await _stale(update, c)
        return None
    return plan


# --- rendering a reminder (used by the dispatcher) -------------------------------------------


def howto(content: Content, operator: str | None, lang: str) -> str:
    """One short "how to renew" paragraph for an operator, pointing to /codes and /faq."""
    t = content.texts
    if operator == "travel":
        return t("reminder_howto_esim", lang)
    book = content.codes
    op = book.operators.get(operator) if book is not None and operator else None
    ways = []
    code = None
    if book is not None:
        own = [c for c in (op.codes if op else ()) if c.purpose == "topup-card" and c.code]
        common = [c for c in book.common if c.purpose == "topup-card" and c.code]
        code = (own or common or [None])[0]
    if code is not None:
        ways.append(t("reminder_howto_dial", lang, code=code.code))
    if op is not None and op.app:
        ways.append(t("reminder_howto_app", lang, app=op.app))
    elif op is not None and op.online_topup:
        ways.append(t("reminder_howto_online", lang, url=op.online_topup))
    codes_cmd = f"/codes {op.id}" if op is not None else "/codes"
    sep = "，" if lang != "en" else ", "
    return t("reminder_howto", lang, ways=Html(sep.join(ways)), codes=codes_cmd)


def render_due(
    content: Content, due: Due, now: datetime, default_tz: ZoneInfo, expired: bool
) -> tuple[str, list[list[Button]]]:
    """The text and buttons of a reminder (or of the one "expired on X" notice)."""
    lang = due.language if due.language in LANGS else lang_from_telegram(due.tg_language)
    tz = zone_or(due.timezone, default_tz)
    plan = due.plan
    t = content.texts
    name = plan_name(content, plan.label, plan.operator, lang)
    operator = operator_name(content, plan.operator, lang)
    how = Html(howto(content, plan.operator, lang))
    renewed = (html.unescape(t("reminder_btn_renewed", lang)), f"rm:rn:{plan.id}")
    stop = (html.unescape(t("reminder_btn_stop", lang)), f"rm:st:{plan.id}")
    if expired:
        text = t(
            "reminder_expired",
            lang,
            name=name,
            operator=operator,
            date=format_date(plan.expiry, lang),
            howto=how,
        )
        return text, [[renewed, stop]]
    text = t(
        "reminder_due",
        lang,
        name=name,
        operator=operator,
        date=format_date(plan.expiry, lang),
        left=Html(left_text(content, plan.expiry, now, tz, lang)),
        howto=how,
    )
    later_key = "reminder_btn_later" if days_left(plan.expiry, now, tz) <= 0 else None
    snooze = (html.unescape(t(later_key or "reminder_btn_tomorrow", lang)), f"rm:sn:{plan.id}")
    return text, [[renewed], [snooze, stop]]


# --- /remind: entry -----------------------------------------------------------------------------


async def remind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/remind alone starts the guided flow; /remind <date …> saves in one line."""
    if context.args:
        return await remind_one_line(update, context)
    return await start_remind(update, context)


async def start_remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Begin the guided flow: asks for the operator. Callable from any handler (e.g. a
    ``/start remind`` deep link): the operator buttons enter the conversation."""
    c = await _ctx(update, context)
    context.user_data.pop(DRAFT, None)
    if await c.store.count_live_plans(c.chat_id) >= MAX_ACTIVE_PLANS:
        await _reply(update, c.t("remind_limit", max=MAX_ACTIVE_PLANS))
        return END
    await update.effective_message.reply_text(
        c.t("remind_ask_operator"), reply_markup=keyboard(_operator_buttons(c))
    )
    return OPERATOR


def _operator_buttons(c: Ctx) -> list[list[Button]]:
    names = [
        (html.unescape(operator_name(c.content, op, c.lang)), f"rmg:op:{op}")
        for op in OPERATOR_CHOICES
    ]
    return [names[0:3], names[3:5], names[5:7]]


async def remind_one_line(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    text = " ".join(context.args or [])
    raw = update.effective_message.text or ""
    text = re.sub(r"^\s*/remind(@\w+)?\s*", "", raw, flags=re.I) or text
    parsed = parse_remind(text, c.now, c.tz, operator_aliases(c.content))
    draft = Draft(
        mode="oneliner",
        operator=parsed.operator,
        label=parsed.label,
        time_of_day=parsed.time_of_day or DEFAULT_TIME,
        text=text,
    )
    if parsed.ambiguous:
        context.user_data[DRAFT] = draft
        await _reply(update, c.t("remind_ask_which_date", text=text), _choices(c, parsed))
        return DATE
    if not parsed.ok:
        await _reply(update, _date_error(c, parsed, text))
        return END
    draft.expiry = parsed.expiry
    return await _save(update, context, c, draft)


def _choices(c: Ctx, parsed: RemindParse, prefix: str = "rmg:day") -> list[list[Button]]:
    return [[(format_date(d, c.lang), f"{prefix}:{_ymd(d)}")] for d in parsed.ambiguous]


# --- guided steps ----------------------------------------------------------------------------


async def pick_operator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    c = await _ctx(update, context)
    op = (query.data or "").split(":")[-1]
    if op not in OPERATOR_CHOICES:
        await _stale(update, c)
        return END
    await query.answer()
    draft = _draft(context)
    if draft is None or draft.mode != "guided":
        draft = Draft()
        context.user_data[DRAFT] = draft
    draft.operator = op
    await _edit(update, _label_question(c), [[(c.plain("remind_btn_skip"), "rmg:skip")]])
    return LABEL


def _label_question(c: Ctx) -> str:
    return c.t("remind_ask_label", max=LABEL_MAX)


async def operator_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    book = c.content.codes
    op = book.find_operator(update.effective_message.text or "") if book else None
    if op is None:
        await _reply(update, c.t("remind_pick_operator"))
        return OPERATOR
    draft = _draft(context) or Draft()
    context.user_data[DRAFT] = draft
    draft.operator = op.id
    await _reply(update, _label_question(c), [[(c.plain("remind_btn_skip"), "rmg:skip")]])
    return LABEL


async def label_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    draft = _draft(context)
    if draft is None:
        return END
    label = " ".join((update.effective_message.text or "").split())
    if len(label) > LABEL_MAX:
        await _reply(update, c.t("remind_label_too_long", length=len(label), max=LABEL_MAX))
        return LABEL
    draft.label = label or None
    await _reply(update, c.t("remind_ask_date"), _date_buttons(c))
    return DATE


async def label_skip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    draft = _draft(context)
    if draft is None:
        await _stale(update, c)
        return END
    await update.callback_query.answer()
    draft.label = None
    await _edit(update, c.t("remind_ask_date"), _date_buttons(c))
    return DATE


def _date_buttons(c: Ctx) -> list[list[Button]]:
    quick = [(c.plain("remind_btn_plus_days", days=n), f"rmg:d:{n}") for n in QUICK_DAYS]
    month = c.today.strftime("%Y%m")
    return [quick, [(c.plain("remind_btn_calendar"), f"rmg:cal:{month}")]]


async def date_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    draft = _draft(context)
    if draft is None:
        return END
    text = update.effective_message.text or ""
    parsed = parse_date_only(text, c.now, c.tz)
    if parsed.ambiguous:
        await _reply(update, c.t("remind_ask_which_date", text=text), _choices(c, parsed))
        return DATE
    if not parsed.ok:
        await _reply(update, _date_error(c, parsed, text))
        return DATE
    if parsed.time_of_day:
        draft.time_of_day = parsed.time_of_day
    draft.expiry = parsed.expiry
    if draft.mode == "oneliner":
        return await _save(update, context, c, draft)
    await _reply(update, *_preview(c, draft))
    return LEADS


async def date_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """rmg:d:<days> (quick button) or rmg:day:<yyyymmdd> (calendar or ambiguity choice)."""
    query = update.callback_query
    c = await _ctx(update, context)
    draft = _draft(context)
    parts = (query.data or "").split(":")
    chosen: date | None = None
    if parts[1] == "d" and parts[2].isdigit():
        chosen = c.today + timedelta(days=int(parts[2]))
    elif parts[1] == "day":
        chosen = _from_ymd(parts[2])
    if draft is None or chosen is None:
        await _stale(update, c)
        return END
    if not _date_ok(c, chosen):
        await query.answer(html.unescape(_range_error(c, chosen)), show_alert=True)
        return DATE
    await query.answer()
    draft.expiry = chosen
    if draft.mode == "oneliner":
        return await _save(update, context, c, draft, edit=True)
    await _edit(update, *_preview(c, draft))
    return LEADS


def _range_error(c: Ctx, d: date) -> str:
    if d < c.today:
        return c.t("remind_error_past", date=format_date(d, c.lang))
    return c.t("remind_error_too_far", latest=format_date(latest_allowed(c.today), c.lang))


async def calendar_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """rmg:cal:<yyyymm>: show a month; past days and days beyond two years are blank."""
    query = update.callback_query
    c = await _ctx(update, context)
    if _draft(context) is None:
        await _stale(update, c)
        return END
    raw = (query.data or "").split(":")[-1]
    try:
        first = datetime.strptime(raw + "01", "%Y%m%d").date()
    except ValueError:
        await _stale(update, c)
        return END
    await query.answer()
    await _edit(update, c.t("remind_calendar", month=_month_name(first, c.lang)), _month(c, first))
    return None  # stay in the current state


def _month_name(first: date, lang: str) -> str:
    pattern = "y年M月" if lang != "en" else "MMMM y"
    locale = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant"}.get(lang, "en")
    return babel_format_date(first, pattern, locale=locale)


def _month(c: Ctx, first: date) -> list[list[Button]]:
    today, latest = c.today, latest_allowed(c.today)
    rows: list[list[Button]] = [[(d, "rmg:noop") for d in c.plain("remind_weekdays").split()]]
    for week in _calendar.Calendar(0).monthdayscalendar(first.year, first.month):
        row = []
        for day in week:
            d = first.replace(day=day) if day else None
            if d is None or d < today or d > latest:
                row.append((" " if d is None else "·", "rmg:noop"))
            else:
                row.append((str(day), f"rmg:day:{_ymd(d)}"))
        rows.append(row)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    nav = []
    if prev_month >= today.replace(day=1):
        nav.append(("‹", f"rmg:cal:{prev_month.strftime('%Y%m')}"))
    if next_month <= latest:
        nav.append(("›", f"rmg:cal:{next_month.strftime('%Y%m')}"))
    if nav:
        rows.append(nav)
    return rows


async def noop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()


def _preview(c: Ctx, draft: Draft) -> tuple[str, list[list[Button]]]:
    assert draft.expiry is not None
    items = _items(planned(draft.expiry, draft.leads, draft.time_of_day, c.tz, c.now))
    text = c.t(
        "remind_preview",
        summary=summary(
            c, label=draft.label, operator=draft.operator, expiry=draft.expiry, items=items
        ),
    )
    leads = [
        (
            ("✅ " if n in draft.leads else "▫️ ")
            + html.unescape(lead_text(c.content, "lead", n, c.lang)),
            f"rmg:lead:{n}",
        )
        for n in LEAD_CHOICES
    ]
    times = [
        (
            ("● " if t == draft.time_of_day else "") + t.strftime("%H:%M"),
            f"rmg:time:{t.strftime('%H%M')}",
        )
        for t in TIME_CHOICES
    ]
    return text, [leads[:2], leads[2:], times, [(c.plain("remind_btn_save"), "rmg:save")]]


async def toggle_lead(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    c = await _ctx(update, context)
    draft = _draft(context)
    raw = (query.data or "").split(":")[-1]
    if draft is None or draft.expiry is None or not raw.isdigit():
        await _stale(update, c)
        return END
    lead = int(raw)
    leads = set(draft.leads) ^ {lead}
    if not leads:
        await query.answer(c.plain("remind_need_lead"), show_alert=True)
        return LEADS
    await query.answer()
    draft.leads = tuple(sorted(leads, reverse=True))
    await _edit(update, *_preview(c, draft))
    return LEADS


async def time_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    c = await _ctx(update, context)
    draft = _draft(context)
    raw = (query.data or "").split(":")[-1]
    if draft is None or draft.expiry is None or not re.fullmatch(r"\d{4}", raw):
        await _stale(update, c)
        return END
    await query.answer()
    draft.time_of_day = time(int(raw[:2]) % 24, int(raw[2:]) % 60)
    await _edit(update, *_preview(c, draft))
    return LEADS


async def time_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    draft = _draft(context)
    if draft is None or draft.expiry is None:
        return END
    t = parse_time_of_day(update.effective_message.text or "")
    if t is None:
        await _reply(update, c.t("remind_time_bad"))
        return LEADS
    draft.time_of_day = t
    await _reply(update, *_preview(c, draft))
    return LEADS


async def save_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    draft = _draft(context)
    if draft is None or draft.expiry is None:
        await _stale(update, c)
        return END
    await update.callback_query.answer()
    return await _save(update, context, c, draft, edit=True)


async def _save(
    update: Update, context: ContextTypes.DEFAULT_TYPE, c: Ctx, draft: Draft, edit: bool = False
) -> int:
    assert draft.expiry is not None
    context.user_data.pop(DRAFT, None)
    rows = planned(draft.expiry, draft.leads, draft.time_of_day, c.tz, c.now)
    plan_id = await c.store.add_plan(
        c.chat_id,
        operator=draft.operator,
        label=draft.label,
        expiry=draft.expiry,
        time_of_day=draft.time_of_day,
        leads=draft.leads,
        period_days=max(1, (draft.expiry - c.today).days),
        reminders=rows,
        now=c.now_ts,
    )
    if plan_id is None:
        text = c.t("remind_limit", max=MAX_ACTIVE_PLANS)
    else:
        text = c.t(
            "remind_saved",
            summary=summary(
                c,
                label=draft.label,
                operator=draft.operator,
                expiry=draft.expiry,
                items=_items(rows),
            ),
        )
        log.info("plan %d saved for chat %d (%d reminders)", plan_id, c.chat_id, len(rows))
        await _poke(context)
    if edit and update.callback_query is not None:
        await _edit(update, text)
    else:
        await _reply(update, text)
    return END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    context.user_data.pop(DRAFT, None)
    await _reply(update, c.t("remind_cancelled"))
    return END


async def nothing_to_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    c = await _ctx(update, context)
    await _reply(update, c.t("remind_nothing_to_cancel"))


async def timed_out(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


async def stale_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A guided-flow button pressed outside the conversation (finished, or the bot restarted)."""
    c = await _ctx(update, context)
    await update.callback_query.answer(c.plain("stale_button"), show_alert=True)


# --- /reminders and actions on saved plans ------------------------------------------------------


async def list_plans(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    c = await _ctx(update, context)
    text, buttons = await _plans_view(c)
    await _reply(update, text, buttons)


async def _plans_view(c: Ctx) -> tuple[str, list[list[Button]]]:
    plans = await c.store.live_plans(c.chat_id)
    if not plans:
        return c.t("reminders_empty"), []
    parts = [c.t("reminders_header", count=len(plans), max=MAX_ACTIVE_PLANS, tz=c.tz.key)]
    buttons: list[list[Button]] = []
    for n, plan in enumerate(plans, start=1):
        pending = await c.store.pending_reminders(plan.id)
        nxt = (
            format_datetime_local(datetime.fromtimestamp(pending[0].send_at, UTC), c.tz, c.lang)
            if pending
            else c.t("reminders_next_none")
        )
        parts.append(
            c.t(
                "reminders_item",
                n=n,
                name=plan_name(c.content, plan.label, plan.operator, c.lang),
                operator=operator_name(c.content, plan.operator, c.lang),
                date=format_date(plan.expiry, c.lang),
                left=Html(left_text(c.content, plan.expiry, c.now, c.tz, c.lang)),
                next=nxt,
            )
        )
        buttons.append(
            [
                (c.plain("reminders_btn_renewed", n=n), f"rm:rn:{plan.id}"),
                (c.plain("reminders_btn_change", n=n), f"rm:chg:{plan.id}"),
                (c.plain("reminders_btn_delete", n=n), f"rm:del:{plan.id}"),
            ]
        )
    buttons.append([(c.plain("reminders_btn_ics"), "rm:ics")])
    return "\n\n".join(parts), buttons


async def plan_action(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """rm:<action>:<plan id>[:arg] outside the conversation."""
    query = update.callback_query
    c = await _ctx(update, context)
    parts = (query.data or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    if action == "ics":
        await query.answer()
        await send_ics(update, c)
        return
    if len(parts) < 3:
        await _stale(update, c)
        return
    plan = await _own_plan(update, c, parts[2])
    if plan is None:
        return
    name = plan_name(c.content, plan.label, plan.operator, c.lang)
    if action == "rn":
        await query.answer()
        period = plan.period_days or max(1, (plan.expiry - c.today).days)
        buttons = [
            [(c.plain("remind_btn_plus_days", days=n), f"rm:rf:{plan.id}:{n}") for n in QUICK_DAYS],
            [(c.plain("remind_btn_same_period", days=period), f"rm:rf:{plan.id}:{period}")],
            [(c.plain("remind_btn_type_date"), f"rm:rnt:{plan.id}")],
        ]
        await _reply(
            update,
            c.t("remind_renew_choose", name=name, date=format_date(plan.expiry, c.lang)),
            buttons,
        )
    elif action == "rf" and len(parts) == 4 and parts[3].isdigit():
        days = int(parts[3])
        new = roll_forward(plan.expiry, days, today=c.today)
        if new > latest_allowed(c.today):
            await query.answer(html.unescape(_range_error(c, new)), show_alert=True)
            return
        await query.answer()
        await _reschedule(update, context, c, plan, new, period_days=days, edit=True)
    elif action == "sn":
        when = snooze_time(c.now, plan.expiry, c.tz, plan.time_of_day)
        await c.store.add_snooze(plan.id, int(when.timestamp()))
        await _poke(context)
        text = c.t("remind_snoozed", when=format_datetime_local(when, c.tz, c.lang))
        await query.answer(html.unescape(text))
        await _drop_buttons(update)
        await _reply(update, text)
    elif action == "st":
        await c.store.end_plan(plan.id, "stopped", c.now_ts)
        await query.answer()
        await _drop_buttons(update)
        await _reply(update, c.t("remind_stopped", name=name))
    elif action == "del":
        await query.answer()
        buttons = [
            [
                (c.plain("remind_btn_delete_yes"), f"rm:dy:{plan.id}"),
                (c.plain("remind_btn_keep"), f"rm:dn:{plan.id}"),
            ]
        ]
        await _reply(
            update,
            c.t("remind_delete_confirm", name=name, date=format_date(plan.expiry, c.lang)),
            buttons,
        )
    elif action == "dy":
        await c.store.end_plan(plan.id, "deleted", c.now_ts)
        await query.answer()
        await _edit(update, c.t("remind_deleted", name=name))
    elif action == "dn":
        await query.answer()
        await _edit(update, c.t("remind_kept", name=name))
    else:
        await _stale(update, c)


async def _drop_buttons(update: Update) -> None:
    with contextlib.suppress(BadRequest):  # already without buttons
        await update.callback_query.edit_message_reply_markup(reply_markup=None)


async def _reschedule(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    plan: Plan,
    new: date,
    *,
    period_days: int | None,
    edit: bool,
) -> None:
    rows = planned(new, plan.leads, plan.time_of_day, c.tz, c.now)
    await c.store.reschedule_plan(
        plan.id, expiry=new, reminders=rows, now=c.now_ts, period_days=period_days
    )
    await _poke(context)
    text = c.t(
        "remind_updated",
        summary=summary(
            c, label=plan.label, operator=plan.operator, expiry=new, items=_items(rows)
        ),
    )
    if edit:
        await _edit(update, text)
    else:
        await _reply(update, text)


async def ask_new_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """rm:chg:<id> (correct the date) or rm:rnt:<id> (renewed: type the new date)."""
    query = update.callback_query
    c = await _ctx(update, context)
    parts = (query.data or "").split(":")
    plan = await _own_plan(update, c, parts[2] if len(parts) > 2 else "")
    if plan is None:
        return END
    await query.answer()
    context.user_data[DRAFT] = Draft(
        mode="renew" if parts[1] == "rnt" else "change", plan_id=plan.id
    )
    name = plan_name(c.content, plan.label, plan.operator, c.lang)
    await _reply(
        update, c.t("remind_ask_new_date", name=name, date=format_date(plan.expiry, c.lang))
    )
    return NEW_DATE


async def new_date_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    draft = _draft(context)
    if draft is None or draft.plan_id is None:
        return END
    text = update.effective_message.text or ""
    parsed = parse_date_only(text, c.now, c.tz)
    if parsed.ambiguous:
        await _reply(
            update, c.t("remind_ask_which_date", text=text), _choices(c, parsed, prefix="rmg:nd")
        )
        return NEW_DATE
    if not parsed.ok:
        await _reply(update, _date_error(c, parsed, text))
        return NEW_DATE
    return await _apply_new_date(update, context, c, draft, parsed.expiry, edit=False)


async def new_date_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    c = await _ctx(update, context)
    draft = _draft(context)
    chosen = _from_ymd((query.data or "").split(":")[-1])
    if draft is None or draft.plan_id is None or chosen is None or not _date_ok(c, chosen):
        await _stale(update, c)
        return END
    await query.answer()
    return await _apply_new_date(update, context, c, draft, chosen, edit=True)


async def _apply_new_date(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    draft: Draft,
    new: date,
    *,
    edit: bool,
) -> int:
    context.user_data.pop(DRAFT, None)
    plan = await c.store.get_plan(draft.plan_id)
    if plan is None or plan.chat_id != c.chat_id or plan.state not in ("active", "expired"):
        await _reply(update, c.t("remind_stale"))
        return END
    period = None
    if draft.mode == "renew":
        period = max(1, (new - max(plan.expiry, c.today)).days)
    await _reschedule(update, context, c, plan, new, period_days=period, edit=edit)
    return END


async def send_ics(update: Update, c: Ctx) -> None:
    plans = await c.store.live_plans(c.chat_id)
    if not plans:
        await _reply(update, c.t("reminders_empty"))
        return
    ics_plans = []
    for plan in plans:
        pending = await c.store.pending_reminders(plan.id)
        ics_plans.append(
            IcsPlan(
                id=plan.id,
                label=plan.label,
                operator=html.unescape(operator_name(c.content, plan.operator, c.lang)),
                expiry=plan.expiry,
                reminders=[datetime.fromtimestamp(r.send_at, UTC) for r in pending],
            )
        )
    data = build_ics(ics_plans, c.lang, c.now)
    await update.effective_message.reply_document(
        InputFile(data, filename="reminders.ics", attach=True),
        caption=c.t("reminders_ics_caption"),
    )


# --- /timezone -------------------------------------------------------------------------------


async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    if context.args:
        return await _set_zone(update, context, c, " ".join(context.args), edit=False)
    local = c.now.astimezone(c.tz).strftime("%H:%M")
    buttons = [(c.plain(key), f"tz:{i}") for i, (key, _) in enumerate(TIMEZONES)]
    await _reply(
        update,
        c.t("tz_choose", current=c.tz.key, now=local),
        [buttons[0:2], buttons[2:4], buttons[4:6]],
    )
    return TIMEZONE


async def timezone_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    c = await _ctx(update, context)
    return await _set_zone(update, context, c, update.effective_message.text or "", edit=False)


async def timezone_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    c = await _ctx(update, context)
    raw = (query.data or "").split(":")[-1]
    if not raw.isdigit() or int(raw) >= len(TIMEZONES):
        await _stale(update, c)
        return END
    await query.answer()
    return await _set_zone(update, context, c, TIMEZONES[int(raw)][1], edit=True)


_ZONES_LOWER: dict[str, str] = {}


def find_zone(text: str) -> str | None:
    """An IANA zone name, case-insensitive, spaces allowed for underscores."""
    name = text.strip().replace(" ", "_")
    if not name or len(name) > 64:
        return None
    if not _ZONES_LOWER:
        _ZONES_LOWER.update({z.lower(): z for z in available_timezones()})
    found = _ZONES_LOWER.get(name.lower())
    if found is None:
        return None
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return found


async def _set_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, c: Ctx, text: str, *, edit: bool
) -> int:
    zone = find_zone(text)
    if zone is None:
        await _reply(update, c.t("tz_unknown", name=text.strip()[:64]))
        return TIMEZONE
    await c.store.set_timezone(c.chat_id, zone)
    c.tz = ZoneInfo(zone)
    count = 0
    for plan in await c.store.live_plans(c.chat_id):
        if plan.state != "active":
            continue
        rows = planned(plan.expiry, plan.leads, plan.time_of_day, c.tz, c.now)
        await c.store.replace_lead_reminders(plan.id, rows, c.now_ts)
        count += len(await c.store.pending_reminders(plan.id))
    await _poke(context)
    text = c.t("tz_set", tz=zone, now=c.now.astimezone(c.tz).strftime("%H:%M"), count=count)
    if edit:
        await _edit(update, text)
    else:
        await _reply(update, text)
    return END


# --- users who block the bot or come back --------------------------------------------------------


async def mark_active(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any /start: a user who had blocked the bot is active again, reminders resume."""
    store = services(context).store
    chat = update.effective_chat
    if store is None or chat is None:
        return
    user = await store.get_user(chat.id)
    if user is not None and not user.active:
        now = int(services(context).clock().timestamp())
        resumed = await store.reactivate_user(chat.id, now)
        log.info("chat %d is back: %d reminder(s) resumed", chat.id, resumed)
        await _poke(context)


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram tells us the bot was blocked (kicked) or unblocked (member) in a chat."""
    change = update.my_chat_member
    store = services(context).store
    if change is None or store is None:
        return
    now = int(services(context).clock().timestamp())
    status = change.new_chat_member.status
    chat_id = change.chat.id
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        paused = await store.deactivate_user(chat_id, now)
        log.info("chat %d blocked the bot: %d reminder(s) paused", chat_id, paused)
    elif status in (
        ChatMemberStatus.MEMBER,
        ChatMemberStatus.ADMINISTRATOR,
        ChatMemberStatus.OWNER,
    ):
        resumed = await store.reactivate_user(chat_id, now)
        log.info("chat %d unblocked the bot: %d reminder(s) resumed", chat_id, resumed)
        await _poke(context)


# --- registration --------------------------------------------------------------------------------


def conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # per_message=False is intended: steps mix typed text and buttons.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("remind", remind_command),
                CommandHandler("timezone", timezone_command),
                CallbackQueryHandler(pick_operator, pattern=r"^rmg:op:"),
                CallbackQueryHandler(ask_new_date, pattern=r"^rm:(chg|rnt):\d+$"),
            ],
            states={
                OPERATOR: [
                    CallbackQueryHandler(pick_operator, pattern=r"^rmg:op:"),
                    MessageHandler(text, operator_typed),
                ],
                LABEL: [
                    CallbackQueryHandler(label_skip, pattern=r"^rmg:skip$"),
                    MessageHandler(text, label_typed),
                ],
                DATE: [
                    CallbackQueryHandler(date_button, pattern=r"^rmg:(d|day):\d+$"),
                    CallbackQueryHandler(calendar_page, pattern=r"^rmg:cal:\d{6}$"),
                    MessageHandler(text, date_typed),
                ],
                LEADS: [
                    CallbackQueryHandler(toggle_lead, pattern=r"^rmg:lead:\d+$"),
                    CallbackQueryHandler(time_button, pattern=r"^rmg:time:\d{4}$"),
                    CallbackQueryHandler(save_button, pattern=r"^rmg:save$"),
                    MessageHandler(text, time_typed),
                ],
                NEW_DATE: [
                    CallbackQueryHandler(new_date_button, pattern=r"^rmg:nd:\d{8}$"),
                    MessageHandler(text, new_date_typed),
                ],
                TIMEZONE: [
                    CallbackQueryHandler(timezone_button, pattern=r"^tz:\d+$"),
                    MessageHandler(text, timezone_typed),
                ],
                ConversationHandler.TIMEOUT: [MessageHandler(filters.ALL, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(noop, pattern=r"^rmg:noop$"),
            ],
            allow_reentry=True,
            conversation_timeout=CONVERSATION_TIMEOUT,
            name="remind",
        )


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", mark_active), group=-1)
    application.add_handler(
        ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER), group=-1
    )
    application.add_handler(conversation())
    application.add_handler(CommandHandler("reminders", list_plans))
    application.add_handler(CommandHandler("cancel", nothing_to_cancel))
    application.add_handler(CallbackQueryHandler(plan_action, pattern=r"^rm:"))
    application.add_handler(CallbackQueryHandler(timezone_button, pattern=r"^tz:\d+$"))
    application.add_handler(CallbackQueryHandler(noop, pattern=r"^rmg:noop$"))
    application.add_handler(CallbackQueryHandler(stale_step, pattern=r"^rmg:"))

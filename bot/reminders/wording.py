"""How a plan reads to its user: names, days left, reminder lists, how to renew.

Returns Telegram HTML (arguments escaped by Texts.html) unless a function says plain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.content import Content, Html
from bot.core.schedule import days_left, format_date, format_datetime_local
from bot.core.zones import zone_label
from bot.storage import Planned


@dataclass(frozen=True)
class Reader:
    """One user's view: their language, zone and the current time."""

    content: Content
    lang: str
    tz: ZoneInfo
    now: datetime

    def html(self, key: str, **kwargs: object) -> str:
        return self.content.texts.html(key, self.lang, **kwargs)

    def plain(self, key: str, **kwargs: object) -> str:
        return self.content.texts.plain(key, self.lang, **kwargs)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()


def operator_name(content: Content, operator: str | None, lang: str) -> str:
    """Plain text: the operator's name in the user's language."""
    book = content.codes
    if operator and book is not None and operator in book.operators:
        return book.operator_name(operator, lang)
    if operator == "travel":
        return content.texts.plain("remind_op_travel", lang)
    return content.texts.plain("remind_op_other", lang)


def plan_name(content: Content, label: str | None, operator: str | None, lang: str) -> str:
    """Plain text: the user's label, else the operator, else a generic name."""
    if label:
        return label
    if operator and operator != "other":
        return operator_name(content, operator, lang)
    return content.texts.plain("remind_default_name", lang)


def left_text(r: Reader, expiry: date) -> Html:
    n = days_left(expiry, r.now, r.tz)
    if n > 1:
        return Html(r.html("remind_days_left", days=n))
    if n == 1:
        return Html(r.html("remind_days_one"))
    if n == 0:
        return Html(r.html("remind_days_today"))
    return Html(r.html("remind_days_ago", days=-n))


def lead_key(kind: str, lead: int | None) -> tuple[str, dict[str, int]]:
    """The text key (and its argument) naming one reminder: "3 days before", "snoozed"."""
    if kind == "follow_up":
        return "remind_lead_stage", {}
    if kind == "snooze" or lead is None:
        return "remind_lead_snooze", {}
    if lead == 0:
        return "remind_lead_zero", {}
    if lead == 1:
        return "remind_lead_one", {}
    return "remind_lead_days", {"days": lead}


def reminder_lines(r: Reader, rows: list[Planned], empty: str = "remind_no_reminders") -> Html:
    """One line per reminder; `empty` names the text for none (past, or paused)."""
    if not rows:
        return Html(r.html(empty))
    lines = []
    for row in rows:
        key, args = lead_key(row.kind, row.lead_days)
        when = format_datetime_local(datetime.fromtimestamp(row.send_at, UTC), r.tz, r.lang)
        lines.append(r.html("remind_reminder_line", when=when, what=Html(r.html(key, **args))))
    return Html("\n".join(lines))


def summary(
    r: Reader,
    *,
    label: str | None,
    operator: str | None,
    expiry: date,
    rows: list[Planned],
    paused: bool = False,
) -> Html:
    """A plan as shown in the preview, after saving and after a change."""
    return Html(
        r.html(
            "remind_summary",
            name=plan_name(r.content, label, operator, r.lang),
            operator=operator_name(r.content, operator, r.lang),
            date=format_date(expiry, r.lang),
            left=left_text(r, expiry),
            tz=zone_label(r.tz.key),
            reminders=reminder_lines(
                r, rows, "plan_paused_mark" if paused else "remind_no_reminders"
            ),
        )
    )


def howto(content: Content, operator: str | None, lang: str) -> Html:
    """One short "how to renew" paragraph for an operator, pointing to /codes and /faq."""
    t = content.texts.html
    if operator == "travel":
        return Html(t("reminder_howto_esim", lang))
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
    return Html(t("reminder_howto", lang, ways=Html(sep.join(ways)), codes=codes_cmd))

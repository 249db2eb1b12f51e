"""Typed callback data: the only place that builds or parses a button's data.

Each button is a frozen dataclass with a short prefix; `pack()` writes it and
`parse()` reads it back, turning anything malformed (old messages, other
clients, forged data) into None so that handlers answer with the stale-button
alert instead of crashing. Telegram limits callback data to 64 bytes.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass
from datetime import date as _date
from datetime import time as _time
from typing import Any, ClassVar, Literal, Self

from bot.core.answers import (
    Intent,
    ShowCategory,
    ShowMenu,
    ShowOperator,
    ShowOperatorSection,
    ShowTopic,
)

MAX_BYTES = 64
MAX_INT = 2**53  # far above any row id or day count we make; SQLite and dates stay safe
_INT_RE = re.compile(r"^(0|-?[1-9][0-9]{0,15})$")
_STR_RE = re.compile(r"^[A-Za-z0-9_.+-]{0,40}$")


class CallbackData:
    """Base of every button's data: `prefix` names the button, fields follow, ':'-separated."""

    prefix: ClassVar[str]

    def pack(self) -> str:
        parts = [self.prefix, *(_dump(getattr(self, f.name)) for f in dataclasses.fields(self))]
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """For CallbackQueryHandler(pattern=...): all data with this prefix, valid or not."""
        return re.compile(rf"^{re.escape(cls.prefix)}(:|$)")

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """The button this data describes, or None if it is not a valid one of this kind."""
        if not data:
            return None
        parts = data.split(":")
        depth = cls.prefix.count(":") + 1  # a prefix may have parts of its own ("faq:q")
        head, raw = ":".join(parts[:depth]), parts[depth:]
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        if head != cls.prefix or len(raw) != len(fields):
            return None
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f, text in zip(fields, raw, strict=True):
            value = _load(hints[f.name], text)
            if value is _BAD:
                return None
            values[f.name] = value
        try:
            return cls(**values)
        except (TypeError, ValueError):
            return None


_BAD = object()


def _dump(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    if ":" in text:
        raise ValueError(f"':' is not allowed in a callback field: {text!r}")
    return text


def _load(kind: Any, text: str) -> Any:
    optional = False
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        optional = len(args) < len(typing.get_args(kind))
        kind = args[0]
    if text == "" and optional:
        return None
    if kind is bool:
        return {"1": True, "0": False}.get(text, _BAD)
    if kind is int:
        if not _INT_RE.match(text):
            return _BAD
        number = int(text)
        return number if abs(number) <= MAX_INT else _BAD
    if kind is str:
        return text if _STR_RE.match(text) else _BAD
    if typing.get_origin(kind) is typing.Literal:
        return text if text in typing.get_args(kind) else _BAD
    raise TypeError(f"unsupported callback field type {kind!r}")


# --- buttons -------------------------------------------------------------------
# One frozen dataclass per button, grouped by feature. Example:
#
#   @dataclasses.dataclass(frozen=True)
#   class SetLanguage(CallbackData):
#       prefix = "lang"
#       lang: Literal["zh-Hans", "zh-Hant", "en"]


# --- reminders -------------------------------------------------------------------
# /remind (guided steps), plan buttons (/reminders and reminder messages), a plan's
# new date, /timezone. Plans are named by their row id only; everything else is
# looked up again when the button is pressed.

OperatorChoice = Literal["smart", "cellcard", "metfone", "seatel", "cootel", "travel", "other"]


@dataclasses.dataclass(frozen=True)
class PickOperator(CallbackData):
    """Step 1 of /remind; also enters the flow from a keyboard sent anywhere."""

    prefix = "rm.op"
    operator: OperatorChoice


@dataclasses.dataclass(frozen=True)
class SkipLabel(CallbackData):
    prefix = "rm.skip"


@dataclasses.dataclass(frozen=True)
class ExpiresIn(CallbackData):
    """A quick "+N days" expiry button."""

    prefix = "rm.in"
    days: int


@dataclasses.dataclass(frozen=True)
class _Day(CallbackData):
    year: int
    month: int
    day: int

    def __post_init__(self) -> None:
        self.date  # noqa: B018 - an impossible day is malformed data (parse() -> None)

    @property
    def date(self) -> _date:
        return _date(self.year, self.month, self.day)

    @classmethod
    def of(cls, day: _date) -> Self:
        return cls(day.year, day.month, day.day)


@dataclasses.dataclass(frozen=True)
class PickExpiry(_Day):
    """A day of the calendar, or one reading of an ambiguous typed date."""

    prefix = "rm.day"


@dataclasses.dataclass(frozen=True)
class ShowMonth(CallbackData):
    prefix = "rm.cal"
    year: int
    month: int

    def __post_init__(self) -> None:
        _date(self.year, self.month, 1)


@dataclasses.dataclass(frozen=True)
class Blank(CallbackData):
    """A calendar cell or weekday name: pressing it does nothing."""

    prefix = "rm.noop"


@dataclasses.dataclass(frozen=True)
class ToggleLead(CallbackData):
    prefix = "rm.lead"
    days: int


@dataclasses.dataclass(frozen=True)
class PickTime(CallbackData):
    prefix = "rm.time"
    hour: int
    minute: int

    def __post_init__(self) -> None:
        _time(self.hour, self.minute)

    @property
    def time(self) -> _time:
        return _time(self.hour, self.minute)


@dataclasses.dataclass(frozen=True)
class SavePlan(CallbackData):
    prefix = "rm.save"


@dataclasses.dataclass(frozen=True)
class MarkRenewed(CallbackData):
    """ "Renewed" on a reminder or in /reminders: asks how long."""

    prefix = "plan.renewed"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class RollForward(CallbackData):
    prefix = "plan.roll"
    plan_id: int
    days: int


@dataclasses.dataclass(frozen=True)
class TypeRenewedDate(CallbackData):
    prefix = "plan.renew_date"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class ChangeDate(CallbackData):
    prefix = "plan.change"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class Snooze(CallbackData):
    prefix = "plan.snooze"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class StopPlan(CallbackData):
    prefix = "plan.stop"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class AskDelete(CallbackData):
    prefix = "plan.delete"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class ConfirmDelete(CallbackData):
    prefix = "plan.delete_yes"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class KeepPlan(CallbackData):
    prefix = "plan.keep"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class CalendarFile(CallbackData):
    prefix = "plan.ics"


@dataclasses.dataclass(frozen=True)
class PickNewDate(_Day):
    """One reading of an ambiguous new date for a saved plan."""

    prefix = "plan.new_date"


@dataclasses.dataclass(frozen=True)
class PickZone(CallbackData):
    """A /timezone button: the index into the handler's list of zones."""

    prefix = "tz"
    index: int


# --- faq, codes, language --------------------------------------------------------

Lang = Literal["zh-Hans", "zh-Hant", "en"]


@dataclass(frozen=True)
class FaqMenu(CallbackData):
    """Back to the list of FAQ categories."""

    prefix = "faq:menu"


@dataclass(frozen=True)
class FaqCategory(CallbackData):
    """One page of a category's topics."""

    prefix = "faq:c"
    category: str
    page: int


@dataclass(frozen=True)
class FaqTopic(CallbackData):
    """A topic's answer, in the language of the message the button came with."""

    prefix = "faq:q"
    faq_id: str
    lang: Lang


@dataclass(frozen=True)
class FaqTopicOfOldMenu(CallbackData):
    """A topic button sent by menus before buttons carried a language ("faq:q:<id>")."""

    prefix = "faq:q"
    faq_id: str


@dataclass(frozen=True)
class CodesOperator(CallbackData):
    """One operator's code card."""

    prefix = "codes:op"
    operator: str


@dataclass(frozen=True)
class CodesSection(CallbackData):
    """One part of an operator's card: balance, topup, data or service codes."""

    prefix = "codes:sec"
    operator: str
    section: str


@dataclass(frozen=True)
class CodesCommon(CallbackData):
    """The codes that work on every network."""

    prefix = "codes:common"


@dataclass(frozen=True)
class CodesList(CallbackData):
    """The list of operators."""

    prefix = "codes:list"


@dataclass(frozen=True)
class SetLanguage(CallbackData):
    """The language the user picked under /language."""

    prefix = "lang"
    lang: Lang


def for_intent(intent: Intent) -> CallbackData:
    """The button data for what core asks a button to do."""
    match intent:
        case ShowTopic(faq_id, lang):
            return FaqTopic(faq_id, lang)  # type: ignore[arg-type]
        case ShowCategory(category, page):
            return FaqCategory(category, page)
        case ShowOperator(operator):
            return CodesOperator(operator)
        case ShowOperatorSection(operator, section):
            return CodesSection(operator, section)
        case ShowMenu():
            return FaqMenu()
    raise TypeError(f"no button for {intent!r}")


# --- privacy ---------------------------------------------------------------------
# /delete_me asks first; both answers are pressed in the person's private chat.


@dataclasses.dataclass(frozen=True)
class ConfirmDeleteMe(CallbackData):
    prefix = "me.delete"


@dataclasses.dataclass(frozen=True)
class KeepMe(CallbackData):
    prefix = "me.keep"


# --- ops: answer feedback, scratch-card PIN -------------------------------------------


@dataclass(frozen=True)
class RateAnswer(CallbackData):
    """👍 (up) or 👎 under an FAQ answer to a typed question."""

    prefix = "fb"
    faq_id: str
    up: bool


@dataclass(frozen=True)
class TopUpCard(CallbackData):
    """The operator picked for a scratch-card PIN. The PIN rides in the button (it is in
    the user's own chat already) so the bot never has to keep it."""

    prefix = "pin"
    operator: str
    pin: str

    def __post_init__(self) -> None:
        if not (self.pin.isdigit() and 13 <= len(self.pin) <= 16):
            raise ValueError("not a card PIN")


# --- reminders: shaping a plan (issue #12) --------------------------------------------
# The one-line and guided /remind when no reminder is still ahead, Smart's card amounts,
# the plan view and its edits, pause, delete with undo, snooze choices, list pages.

SoonChoice = Literal["hour", "evening", "morning"]


@dataclasses.dataclass(frozen=True)
class RemindSoon(CallbackData):
    """Saving a plan whose lead reminders are all past: remind at this moment instead."""

    prefix = "rm.soon"
    choice: SoonChoice


@dataclasses.dataclass(frozen=True)
class SaveWithoutReminder(CallbackData):
    """Saving a plan whose lead reminders are all past: save it, knowing nothing is sent."""

    prefix = "rm.silent"


WizardStep = Literal["operator", "label", "expiry"]


@dataclasses.dataclass(frozen=True)
class StepBack(CallbackData):
    """◀ Back in the /remind wizard: show this step again."""

    prefix = "rm.back"
    to: WizardStep


@dataclasses.dataclass(frozen=True)
class CancelFlow(CallbackData):
    """✖ Cancel under a wizard step: the same as /cancel."""

    prefix = "rm.cancel"


@dataclasses.dataclass(frozen=True)
class LabelIsName(CallbackData):
    """The text typed at the name step looked like a question; it is the name."""

    prefix = "rm.isname"


@dataclasses.dataclass(frozen=True)
class LabelIsQuestion(CallbackData):
    """The text typed at the name step was a question: answer it, stay at the step."""

    prefix = "rm.isq"


@dataclasses.dataclass(frozen=True)
class RenewedAmount(CallbackData):
    """Renewed with a card of this amount (Smart): the new expiry from the table."""

    prefix = "plan.amount"
    plan_id: int
    cents: int


@dataclasses.dataclass(frozen=True)
class SnoozeUntil(CallbackData):
    """One of the snooze moments offered under a reminder."""

    prefix = "plan.snooze_at"
    plan_id: int
    choice: SoonChoice


@dataclasses.dataclass(frozen=True)
class ShowPlan(CallbackData):
    """A plan's own view: its settings and what can be changed."""

    prefix = "plan.view"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class ListPage(CallbackData):
    """A page of /reminders (0-based)."""

    prefix = "plan.page"
    page: int


@dataclasses.dataclass(frozen=True)
class ResumePlan(CallbackData):
    prefix = "plan.resume"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class UndoDelete(CallbackData):
    prefix = "plan.undo"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class ToggleFollowUp(CallbackData):
    """ "Keep my number": reminders through the number's life after the expiry."""

    prefix = "plan.keep_num"
    plan_id: int
    on: bool


@dataclasses.dataclass(frozen=True)
class RenamePlan(CallbackData):
    """Asks for a new name (typed)."""

    prefix = "plan.rename"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class ChooseOperator(CallbackData):
    """Shows the operator buttons for a saved plan."""

    prefix = "plan.ops"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class SetOperator(CallbackData):
    prefix = "plan.op"
    plan_id: int
    operator: OperatorChoice


@dataclasses.dataclass(frozen=True)
class ChooseReminders(CallbackData):
    """Shows a saved plan's reminder days and time of day to change."""

    prefix = "plan.rems"
    plan_id: int


@dataclasses.dataclass(frozen=True)
class SetPlanLead(CallbackData):
    prefix = "plan.lead"
    plan_id: int
    days: int


@dataclasses.dataclass(frozen=True)
class SetPlanTime(CallbackData):
    prefix = "plan.time"
    plan_id: int
    hour: int
    minute: int

    def __post_init__(self) -> None:
        _time(self.hour, self.minute)

    @property
    def time(self) -> _time:
        return _time(self.hour, self.minute)

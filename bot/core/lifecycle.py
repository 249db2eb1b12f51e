"""A prepaid number's life after its validity ends, and when "keep my number" reminds.

The stages (outgoing stops, incoming stops, terminated, may be resold) and their days
are content data (content/facts/number-lifecycle.yaml, from the TRC rule and Metfone's
page); these functions only place them in time. Pure: no I/O, an injected "now".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.schedule import local_to_utc


@dataclass(frozen=True)
class Stage:
    id: str
    starts: int  # days after the expiry date (its last valid day) the stage begins
    warn_days: int  # the reminder goes this many days before the stage begins


@dataclass(frozen=True)
class Lifecycle:
    stages: tuple[Stage, ...]
    sources: tuple[str, ...]
    confirmed_by_operator: frozenset[str]

    def stage(self, stage_id: str | None) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    @property
    def last(self) -> Stage:
        return self.stages[-1]


def parse_lifecycle(data: Mapping[str, Any]) -> Lifecycle:
    """The stage table from its YAML data; raises ValueError when it is not in order."""
    stages = tuple(
        Stage(str(s["id"]), int(s["starts"]), int(s.get("warn_days", 0))) for s in data["stages"]
    )
    starts = [s.starts for s in stages]
    if not stages or starts != sorted(set(starts)) or starts[0] < 1:
        raise ValueError("lifecycle stages must start after the expiry, in order")
    if any(not 0 <= s.warn_days < s.starts for s in stages):
        raise ValueError("a stage's warning must fall after the expiry date")
    sources = tuple(str(u) for u in data["sources"])
    if not sources:
        raise ValueError("the lifecycle needs its sources")
    return Lifecycle(stages, sources, frozenset(data.get("confirmed_by_operator") or ()))


def stage_begins(expiry: date, stage: Stage) -> date:
    """The first day of a stage for a number whose validity ends on `expiry`."""
    return expiry + timedelta(days=stage.starts)


@dataclass(frozen=True)
class StageReminder:
    stage: Stage
    begins: date
    send_at: datetime  # aware, UTC


def stage_reminders(
    expiry: date, lifecycle: Lifecycle, time_of_day: time, tz: ZoneInfo, now: datetime
) -> list[StageReminder]:
    """The "keep my number" reminders still ahead of `now`: one per stage, `warn_days`
    before it begins, at the plan's time of day in its zone."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    out = []
    for stage in lifecycle.stages:
        begins = stage_begins(expiry, stage)
        send_at = local_to_utc(begins - timedelta(days=stage.warn_days), time_of_day, tz)
        if send_at > now:
            out.append(StageReminder(stage, begins, send_at))
    return out

"""ReminderSender with an injected clock and a fake send: no sleeps, no network."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.core.schedule import reminder_times
from bot.reminders.sender import ReminderSender, backoff, retry_after_seconds
from bot.storage import Due, Planned, Store
from tests.helpers import FakeClock

PP = "Asia/Phnom_Penh"
START = datetime(2027, 1, 10, 0, 0, tzinfo=UTC)  # 07:00 in Phnom Penh


class Crash(BaseException):
    """The process dies (not an Exception: nothing in the sender catches it)."""


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[tuple[int, int, bool, datetime]] = []  # reminder id, plan id, expired
        self.faults: list[BaseException | None] = []  # raised by the next calls, in order
        self.crash_after_send = False

    async def __call__(self, due: Due, now: datetime, expired: bool) -> int:
        if self.faults:
            fault = self.faults.pop(0)
            if fault is not None:
                raise fault
        self.sent.append((due.reminder.id, due.plan.id, expired, now))
        if self.crash_after_send:
            raise Crash()
        return len(self.sent)

    @property
    def plans(self) -> list[int]:
        return [plan for _, plan, _, _ in self.sent]


@pytest.fixture
async def store(tmp_path: Path):
    s = await Store.open(tmp_path / "bot.sqlite3")
    yield s
    await s.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


def make(store: Store, sender: FakeSender, clock: FakeClock, **kw) -> ReminderSender:
    return ReminderSender(store, sender, clock=clock, **kw)


async def plan(
    store: Store, chat_id: int, expiry: date, leads=(3, 1, 0), now: datetime = START
) -> int:
    from zoneinfo import ZoneInfo

    planned = reminder_times(expiry, leads, time(9, 0), ZoneInfo(PP), now)
    return await store.add_plan(
        chat_id,
        operator="smart",
        label=None,
        expiry=expiry,
        time_of_day=time(9, 0),
        leads=leads,
        period_days=30,
        reminders=[Planned(int(p.send_at.timestamp()), p.lead_days) for p in planned],
        now=int(now.timestamp()),
    )


async def states(store: Store, plan_id: int) -> list[str]:
    return [r.state for r in await store.reminders_of_plan(plan_id)]


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """January `day` 2027, local Phnom Penh time, as UTC."""
    return datetime(2027, 1, day, hour - 7, minute, tzinfo=UTC)


# --- the happy path -------------------------------------------------------------------


async def test_due_reminders_sent_once_in_order(store, sender, clock) -> None:
    a = await plan(store, 1, date(2027, 1, 25), leads=(5,))  # 20 Jan 09:00
    b = await plan(store, 2, date(2027, 1, 25), leads=(10,))  # 15 Jan
    c = await plan(store, 3, date(2027, 1, 25), leads=(7,))  # 18 Jan
    d = make(store, sender, clock)
    assert (await d.tick()).sent == 0
    clock.set(at(15, 8, 59))
    assert (await d.tick()).sent == 0
    clock.set(at(15))
    assert (await d.tick()).sent == 1
    clock.set(at(20, 10))
    result = await d.tick()
    assert result.sent == 2 and sender.plans == [b, c, a]
    assert (await d.tick()).sent == 0
    assert sender.plans == [b, c, a]
    for p in (a, b, c):
        assert await states(store, p) == ["sent"]


async def test_every_lead_sent_on_time(store, sender, clock) -> None:
    p = await plan(store, 1, date(2027, 1, 20))
    d = make(store, sender, clock)
    for day in (17, 19, 20):
        clock.set(at(day, 9, 0))
        assert (await d.tick()).sent == 1
    assert len(sender.sent) == 3 and await states(store, p) == ["sent"] * 3
    assert not any(expired for _, _, expired, _ in sender.sent)


async def test_several_reminders_of_one_chat_are_all_sent(store, sender, clock) -> None:
    """No pacing of our own (AIORateLimiter paces on the network): one tick sends all."""
    for _ in range(3):
        await plan(store, 1, date(2027, 1, 15), leads=(0,))
    other = await plan(store, 2, date(2027, 1, 15), leads=(0,))
    d = make(store, sender, clock)
    clock.set(at(15))
    assert (await d.tick()).sent == 4
    assert other in sender.plans
    assert len({now for *_, now in sender.sent}) == 1  # nothing waited


# --- after downtime ------------------------------------------------------------------------


async def test_missed_reminders_collapse_into_the_most_recent(store, sender, clock) -> None:
    p = await plan(store, 1, date(2027, 1, 20))  # 17th, 19th, 20th at 09:00
    d = make(store, sender, clock)
    clock.set(at(19, 15))  # down from before the 17th until the 19th afternoon
    result = await d.tick()
    assert result.sent == 1 and result.collapsed == 1
    assert await states(store, p) == ["skipped", "sent", "pending"]
    clock.set(at(20, 9))
    assert (await d.tick()).sent == 1
    assert len(sender.sent) == 2


async def test_expired_while_down_gets_one_notice(store, sender, clock) -> None:
    p = await plan(store, 1, date(2027, 1, 20))
    d = make(store, sender, clock)
    clock.set(at(23, 12))
    result = await d.tick()
    assert result.expired_notices == 1 and result.sent == 0
    assert [expired for _, _, expired, _ in sender.sent] == [True]
    assert (await store.get_plan(p)).state == "expired"
    assert await states(store, p) == ["skipped", "skipped", "sent"]
    clock.set(at(30))
    assert (await d.tick()).expired_notices == 0
    assert len(sender.sent) == 1


async def test_overdue_on_expiry_day_is_sent_not_expired(store, sender, clock) -> None:
    await plan(store, 1, date(2027, 1, 20), leads=(1,))
    d = make(store, sender, clock)
    clock.set(at(20, 23, 30))
    assert (await d.tick()).sent == 1
    assert sender.sent[0][2] is False


# --- crashes and restarts ---------------------------------------------------------------------


async def test_crash_after_send_repeats_once_never_more(tmp_path, sender, clock) -> None:
    path = tmp_path / "crash.sqlite3"
    store = await Store.open(path)
    p = await plan(store, 1, date(2027, 1, 15), leads=(0,))
    clock.set(at(15, 10))
    sender.crash_after_send = True
    d = make(store, sender, clock)
    await d.start()
    with pytest.raises(Crash):
        await d.tick()
    await store.close()
    assert len(sender.sent) == 1

    # restart: the interrupted reminder is sent again once ...
    store = await Store.open(path)
    d = make(store, sender, clock)
    recovery = await d.start()
    assert recovery.recovered == 1
    with pytest.raises(Crash):  # ... and the process dies again right after Telegram took it
        await d.tick()
    await store.close()
    assert len(sender.sent) == 2

    # third start: not sent a third time
    store = await Store.open(path)
    sender.crash_after_send = False
    d = make(store, sender, clock)
    recovery = await d.start()
    assert recovery.abandoned == 1
    assert (await d.tick()).sent == 0
    assert len(sender.sent) == 2
    assert await states(store, p) == ["failed"]
    await store.close()


async def test_clean_restart_does_not_repeat(tmp_path, sender, clock) -> None:
    path = tmp_path / "restart.sqlite3"
    store = await Store.open(path)
    await plan(store, 1, date(2027, 1, 15), leads=(0,))
    clock.set(at(15, 10))
    d = make(store, sender, clock)
    await d.start()
    assert (await d.tick()).sent == 1
    await d.stop()
    await store.close()
    store = await Store.open(path)
    d = make(store, sender, clock)
    await d.start()
    assert (await d.tick()).sent == 0 and len(sender.sent) == 1
    await store.close()


# --- Telegram errors --------------------------------------------------------------------------


async def test_forbidden_pauses_user_until_they_return(store, sender, clock, caplog) -> None:
    blocked = await plan(store, 1, date(2027, 1, 15), leads=(1, 0))
    other = await plan(store, 2, date(2027, 1, 15), leads=(0,))
    d = make(store, sender, clock)
    clock.set(at(14, 9))
    sender.faults = [Forbidden("Forbidden: bot was blocked by the user")]
    with caplog.at_level(logging.INFO, logger="bot.reminders.sender"):
        result = await d.tick()
    assert result.paused == 1 and "unreachable" in caplog.text
    assert not (await store.get_user(1)).active
    assert await states(store, blocked) == ["paused", "paused"]
    clock.set(at(15, 9))
    assert (await d.tick()).sent == 1 and sender.plans == [other]
    # back (/start or my_chat_member): the paused reminders are due again
    assert await store.reactivate_user(1, int(clock().timestamp())) == 2
    clock.set(at(15, 10))
    result = await d.tick()
    assert result.sent == 1 and sender.plans == [other, blocked]  # collapsed into one
    # the reminder Telegram refused was never delivered: it came back, then collapsed
    assert await states(store, blocked) == ["skipped", "sent"]


async def test_chat_not_found_counts_as_blocked(store, sender, clock) -> None:
    await plan(store, 1, date(2027, 1, 15), leads=(0,))
    d = make(store, sender, clock)
    clock.set(at(15, 9))
    sender.faults = [BadRequest("Chat not found")]
    assert (await d.tick()).paused == 1
    assert not (await store.get_user(1)).active


async def test_other_bad_request_fails_loudly(store, sender, clock, caplog) -> None:
    p = await plan(store, 1, date(2027, 1, 15), leads=(0,))
    d = make(store, sender, clock)
    clock.set(at(15, 9))
    sender.faults = [BadRequest("Can't parse entities")]
    with caplog.at_level(logging.ERROR, logger="bot.reminders.sender"):
        assert (await d.tick()).failed == 1
    assert "rejected by Telegram" in caplog.text
    assert await states(store, p) == ["failed"]


@pytest.fixture
def timedelta_periods(monkeypatch):
    """PTB 22 warns about int time periods unless PTB_TIMEDELTA opts in to timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.mark.usefixtures("timedelta_periods")
async def test_retry_after_waits_then_sends_once(store, sender, clock) -> None:
    a = await plan(store, 1, date(2027, 1, 15), leads=(0,))
    b = await plan(store, 2, date(2027, 1, 15), leads=(0,))
    d = make(store, sender, clock)
    clock.set(at(15, 9))
    sender.faults = [RetryAfter(5)]
    result = await d.tick()
    assert result.retried == 1 and sender.sent == []  # b waits too
    assert await states(store, a) == ["pending"] and await states(store, b) == ["pending"]
    clock.advance(4)
    assert (await d.tick()).sent == 0
    clock.advance(1)
    assert (await d.tick()).sent == 2
    assert sorted(sender.plans) == [a, b]
    assert (await d.tick()).sent == 0


@pytest.mark.usefixtures("timedelta_periods")
def test_retry_after_seconds() -> None:
    assert retry_after_seconds(RetryAfter(7)) == 7.0
    assert retry_after_seconds(RetryAfter(timedelta(seconds=3))) == 3.0


async def test_network_errors_retry_with_backoff(store, sender, clock) -> None:
    p = await plan(store, 1, date(2027, 1, 15), leads=(0,))
    d = make(store, sender, clock)
    clock.set(at(15, 9))
    sender.faults = [NetworkError("Bad Gateway"), NetworkError("Internal Server Error (500)")]
    assert (await d.tick()).retried == 1
    [row] = await store.reminders_of_plan(p)
    assert row.state == "pending" and row.send_at - row.due_at == backoff(1) == 15
    clock.advance(15)
    assert (await d.tick()).retried == 1
    [row] = await store.reminders_of_plan(p)
    assert row.send_at - int(clock().timestamp()) == backoff(2) == 30
    clock.advance(29)
    assert (await d.tick()).sent == 0
    clock.advance(1)
    assert (await d.tick()).sent == 1
    assert len(sender.sent) == 1 and await states(store, p) == ["sent"]
    assert backoff(50) == 600


async def test_read_timeout_may_repeat_once(store, sender, clock, caplog) -> None:
    p = await plan(store, 1, date(2027, 1, 15), leads=(0,))
    d = make(store, sender, clock)
    clock.set(at(15, 9))
    sender.faults = [TimedOut(), TimedOut()]
    assert (await d.tick()).retried == 1
    [row] = await store.reminders_of_plan(p)
    assert row.recovered and row.state == "pending"
    clock.advance(60)
    with caplog.at_level(logging.ERROR, logger="bot.reminders.sender"):
        assert (await d.tick()).failed == 1
    assert "not sent again" in caplog.text
    assert await states(store, p) == ["failed"]


async def test_connect_timeout_is_a_plain_retry(store, sender, clock) -> None:
    p = await plan(store, 1, date(2027, 1, 15), leads=(0,))
    d = make(store, sender, clock)
    clock.set(at(15, 9))
    connect = TimedOut()
    connect.__cause__ = httpx.ConnectTimeout("connect")
    sender.faults = [connect, TimedOut("Pool timeout: not sent")]
    await d.tick()
    clock.advance(15)
    await d.tick()
    [row] = await store.reminders_of_plan(p)
    assert not row.recovered and row.state == "pending"
    clock.advance(30)
    assert (await d.tick()).sent == 1


async def test_unexpected_error_is_logged_and_marked(store, sender, clock, caplog) -> None:
    p = await plan(store, 1, date(2027, 1, 15), leads=(0,))
    d = make(store, sender, clock)
    clock.set(at(15, 9))
    sender.faults = [KeyError("boom")]
    with caplog.at_level(logging.ERROR, logger="bot.reminders.sender"):
        assert (await d.tick()).failed == 1
    assert "could not be sent" in caplog.text
    [row] = await store.reminders_of_plan(p)
    assert row.state == "failed" and "KeyError" in row.last_error


async def test_stopped_plan_is_not_sent(store, sender, clock) -> None:
    p = await plan(store, 1, date(2027, 1, 15), leads=(0,))
    await store.end_plan(p, "stopped", int(START.timestamp()))
    d = make(store, sender, clock)
    clock.set(at(15, 10))
    assert (await d.tick()).sent == 0 and sender.sent == []


async def test_crash_mid_batch_repeats_only_the_reminder_in_flight(tmp_path, clock) -> None:
    """'sent' is recorded with the next reminder's 'sending' (one commit each): a crash
    while the third is with Telegram leaves the first two sent and only the third
    uncertain."""
    path = tmp_path / "batch.sqlite3"
    store = await Store.open(path)
    plans = [await plan(store, chat, date(2027, 1, 15), leads=(0,)) for chat in (1, 2, 3)]
    clock.set(at(15, 10))

    class CrashOnThird(FakeSender):
        async def __call__(self, due: Due, now: datetime, expired: bool) -> int:
            self.crash_after_send = len(self.sent) == 2
            return await super().__call__(due, now, expired)

    sender = CrashOnThird()
    d = make(store, sender, clock)
    await d.start()
    with pytest.raises(Crash):
        await d.tick()
    await store.close()
    assert sender.plans == plans

    store = await Store.open(path)
    d = make(store, sender, clock)
    recovery = await d.start()
    assert (recovery.released, recovery.recovered) == (0, 1)
    assert (await d.tick()).sent == 1
    assert sender.plans == [*plans, plans[2]]  # the third once more, nothing else
    assert [await states(store, p) for p in plans] == [["sent"]] * 3
    await store.close()

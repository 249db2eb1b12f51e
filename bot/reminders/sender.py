"""Sends due reminders. The database is the schedule: there is no job per reminder
and nothing is pickled.

One repeating JobQueue job (every 30 s) plus one one-off "wake" job at the next
due time call :meth:`ReminderSender.tick`, which

1. skips older overdue reminders of a plan when a newer one is also due
   (after downtime, several missed reminders collapse into the most recent);
2. claims a batch of due rows in ``send_at`` order (``state = 'claimed'``);
3. for each: marks it ``sending``, sends, marks it ``sent`` (in the same commit as the
   next one's ``sending``, or when the batch ends: one commit per reminder).

Pacing is PTB's AIORateLimiter (installed in bot.app): it keeps under Telegram's
limits and waits out short flood waits itself. A RetryAfter that still reaches us
pauses all sending until Telegram's time is up.

A crash leaves rows ``claimed`` (never sent: simply pending again) or
``sending`` (maybe delivered: pending again once, flagged ``recovered``; a
recovered row interrupted again is not sent a third time). See
:meth:`bot.storage.Store.recover_in_flight`, run by :meth:`ReminderSender.start`.

Telegram errors: Forbidden (blocked) pauses the user's reminders until they
come back; ChatMigrated (a group became a supergroup) moves the chat's plans to the
new id and sends there; network errors and 5xx are retried with backoff, the reminder stays
pending; a read timeout may have delivered, so it counts like a crash while
sending. Nothing is dropped without a log line.

``tick()`` takes the time from an injected clock, so tests drive it directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from apscheduler.jobstores.base import JobLookupError
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.copy_buttons import reminder_markup
from bot.keyboards import keyboard
from bot.reminders.message import reminder_message
from bot.reminders.planning import is_live, zone_or
from bot.storage import Due, Recovery, Store

log = logging.getLogger(__name__)

POLL_INTERVAL = 30.0  # seconds: the sender wakes at least this often
BATCH_SIZE = 30  # about one second of sending at 30 messages/s
MAX_BACKOFF = 600
# APScheduler drops a run that starts more than misfire_grace_time (default 1 s)
# late; a busy event loop must delay a wake-up, never lose it.
JOB_KWARGS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 3}

Clock = Callable[[], datetime]
# send(due, now, expired) -> message id; raises telegram errors
Send = Callable[[Due, datetime, bool], Awaitable[int | None]]
# application.bot_data keys (BOT_DATA_KEY is read by bot.health).
BOT_DATA_KEY = "reminder_sender"
OPTIONS_KEY = "reminder_sender_options"
POLL_JOB = "reminders:poll"  # the repeating job; health checks it runs


@dataclass
class TickResult:
    sent: int = 0
    expired_notices: int = 0
    collapsed: int = 0
    retried: int = 0
    paused: int = 0
    failed: int = 0
    skipped: int = 0


def retry_after_seconds(exc: RetryAfter) -> float:
    value = getattr(exc, "_retry_after", None)
    if not isinstance(value, timedelta):
        with warnings.catch_warnings():  # int time periods are deprecated in PTB 22
            warnings.simplefilter("ignore")
            value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _surely_not_sent(exc: TimedOut) -> bool:
    """A connect or pool timeout: the request never reached Telegram."""
    cause = exc.__cause__
    return isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout) or "Pool timeout" in str(exc)


def backoff(attempts: int) -> int:
    """Seconds before retry number `attempts` (15, 30, 60 ... at most 10 minutes)."""
    return min(MAX_BACKOFF, 15 * 2 ** max(0, min(attempts - 1, 10)))


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


class ReminderSender:
    """Claims due reminders from the store, sends them, and files each outcome."""

    def __init__(
        self,
        store: Store,
        send: Send,
        *,
        clock: Clock,
        default_tz: ZoneInfo | None = None,
        batch_size: int = BATCH_SIZE,
        poll_interval: float = POLL_INTERVAL,
        autostart: bool = True,
    ) -> None:
        self.store = store
        self.send = send
        self.clock = clock
        self.default_tz = default_tz or ZoneInfo("Asia/Phnom_Penh")
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.autostart = autostart
        self.recovery: Recovery | None = None
        self.paused_until = 0  # unix seconds: Telegram's flood control
        self._lock = asyncio.Lock()
        self._stopping = False
        self._job_queue: Any = None
        self._jobs: list[Any] = []
        self._wake: Any = None
        self._unmarked: tuple[int, int, int | None] | None = None  # delivered, not yet marked
        self._migrations = 0  # reminders whose group became a supergroup, ever
        self._interrupted = False  # a tick failed half-way: rows may be left in flight

    # --- lifecycle ---------------------------------------------------------------

    async def start(self, job_queue: Any = None) -> Recovery:
        """Recover what a crash left in flight; with a JobQueue, schedule the wake-ups."""
        self._stopping = False
        self.recovery = await self._recover("the last run")
        if job_queue is not None and self.autostart:
            self._job_queue = job_queue
            self._jobs.append(
                job_queue.run_repeating(
                    self._run_job,
                    interval=self.poll_interval,
                    first=self.poll_interval,
                    name=POLL_JOB,
                    job_kwargs=JOB_KWARGS,
                )
            )
            # An interval trigger never fires for a start in the past; the one-off wake-up
            # (a date trigger, no misfire limit) sends what fell due while we were down.
            await self._schedule_wake()
        return self.recovery

    async def _recover(self, who: str) -> Recovery:
        """Rows left claimed or sending by a crash, or by a tick that failed half-way
        (a full disk refused a write): pending again, a maybe-delivered one at most once."""
        r = await self.store.recover_in_flight()
        if r.released or r.recovered:
            log.warning(
                "reminders left in flight by %s: %d released, %d recovered (may repeat once)",
                who,
                r.released,
                r.recovered,
            )
        if r.abandoned:
            log.error(
                "%d reminder(s) interrupted while sending twice; not sent a third time",
                r.abandoned,
            )
        return r

    async def stop(self) -> None:
        """Finish the reminder being sent, release the rest of the batch, drop the jobs."""
        self._stopping = True
        for job in [*self._jobs, self._wake]:
            _remove(job)
        self._jobs, self._wake, self._job_queue = [], None, None
        async with self._lock:
            pass

    async def _run_job(self, context: Any) -> None:
        if self._lock.locked():  # a tick is running; it sends everything due
            return
        try:
            await self.tick()
        except Exception:
            log.exception("reminder dispatch failed; retrying at the next wake-up")

    async def poke(self) -> None:
        """Plans changed: re-aim the wake-up at the next due reminder."""
        await self._schedule_wake()

    async def _schedule_wake(self) -> None:
        if self._job_queue is None or self._stopping:
            return
        nxt = await self.store.next_due()
        if nxt is None:
            return
        when = max(nxt, self.paused_until)
        delay = max(0.0, when - self.clock().timestamp())
        _remove(self._wake)
        self._wake = self._job_queue.run_once(
            self._run_job, when=delay, name="reminders:wake", job_kwargs=JOB_KWARGS
        )

    # --- sending -----------------------------------------------------------------

    async def tick(self) -> TickResult:
        """Send everything due now; returns what happened."""
        result = TickResult()
        async with self._lock:
            if self._interrupted:  # the previous tick failed with rows in flight
                await self._recover("a failed dispatch")
                self._interrupted = False
            try:
                await self._tick(result)
            except Exception:
                self._interrupted = True
                raise
        if result.sent or result.failed or result.retried or result.paused:
            log.info(
                "reminders: %d sent, %d expiry notices, %d retried, %d paused, %d failed",
                result.sent,
                result.expired_notices,
                result.retried,
                result.paused,
                result.failed,
            )
        await self._schedule_wake()
        return result

    async def _tick(self, result: TickResult) -> None:
        resend_migrated = True  # one more pass for reminders of a group that just migrated
        while not self._stopping:
            now = self.clock()
            now_ts = _ts(now)
            if now_ts < self.paused_until:
                break
            result.collapsed += await self.store.collapse_overdue(now_ts, self.batch_size)
            batch = await self.store.claim_due(now_ts, self.batch_size)
            if not batch:
                break
            migrations = self._migrations
            await self._send_batch(batch, result)
            if len(batch) < self.batch_size:
                if not (resend_migrated and self._migrations > migrations):
                    break
                resend_migrated = False

    async def _send_batch(self, batch: list[Due], result: TickResult) -> None:
        # The last delivered reminder is marked sent together with the next one's
        # 'sending' (one commit per reminder); the batch's last one when it ends.
        self._unmarked = None
        try:
            await self._send_each(batch, result)
        finally:
            if self._unmarked is not None:
                await self.store.mark_sent(*self._unmarked)
                self._unmarked = None

    async def _send_each(self, batch: list[Due], result: TickResult) -> None:
        blocked: set[int] = set()
        for index, due in enumerate(batch):
            rem, plan = due.reminder, due.plan
            if self._stopping or self.clock().timestamp() < self.paused_until:
                for rest in batch[index:]:
                    await self.store.release(rest.reminder.id, send_at=rest.reminder.send_at)
                return
            if not is_live(plan) or plan.paused:
                why = "plan paused" if plan.paused else f"plan {plan.state}"
                await self.store.finish(rem.id, "cancelled", why)
                result.skipped += 1
                continue
            if not due.user_active or due.plan.chat_id in blocked:
                await self.store.finish(rem.id, "paused", "user blocked the bot")
                result.paused += 1
                continue
            now = self.clock()
            # a "keep my number" stage is after the expiry by design, not a late notice
            expired = (
                rem.kind != "follow_up" and plan.expiry < now.astimezone(self._zone(due)).date()
            )
            await self.store.mark_sending(rem.id, self._unmarked)
            self._unmarked = None
            try:
                message_id = await self.send(due, now, expired)
            except RetryAfter as exc:
                wait = max(1.0, retry_after_seconds(exc))
                self.paused_until = _ts(now) + int(wait + 0.999)
                await self.store.release(rem.id, send_at=self.paused_until, error="flood control")
                result.retried += 1
                log.warning("Telegram flood control: pausing reminders for %.0f s", wait)
            except ChatMigrated as exc:
                await self._migrated(due, exc.new_chat_id, now, result)
            except Forbidden:
                await self._blocked(due, result, blocked, "bot blocked by the user")
            except BadRequest as exc:
                await self._rejected(due, exc, result, blocked)
            except TimedOut as exc:
                await self._timed_out(due, now, exc, result)
            except NetworkError as exc:  # includes 5xx answers
                retry_at = _ts(now) + backoff(rem.attempts)
                await self.store.release(rem.id, send_at=retry_at, error=f"network: {exc}"[:200])
                result.retried += 1
                log.warning(
                    "reminder %d: network error (%s); retry in %d s",
                    rem.id,
                    type(exc).__name__,
                    retry_at - _ts(now),
                )
            except Exception as exc:
                await self.store.finish(rem.id, "failed", f"{type(exc).__name__}: {exc}"[:200])
                result.failed += 1
                log.exception("reminder %d could not be sent", rem.id)
            else:
                self._unmarked = (rem.id, _ts(self.clock()), message_id)
                if expired:
                    await self.store.end_plan(plan.id, "expired", _ts(now))
                    result.expired_notices += 1
                else:
                    result.sent += 1

    async def _rejected(
        self, due: Due, exc: BadRequest, result: TickResult, blocked: set[int]
    ) -> None:
        """400: a chat that is gone pauses like a block; anything else is our bug."""
        if "chat not found" in str(exc).lower():
            await self._blocked(due, result, blocked, "chat not found")
            return
        await self.store.finish(due.reminder.id, "failed", f"bad request: {exc}"[:200])
        result.failed += 1
        log.error("reminder %d rejected by Telegram: %s", due.reminder.id, exc)

    async def _blocked(self, due: Due, result: TickResult, blocked: set[int], why: str) -> None:
        chat_id = due.reminder.chat_id
        await self.store.finish(due.reminder.id, "paused", why)
        paused = await self.store.deactivate_user(chat_id, _ts(self.clock()))
        blocked.add(chat_id)
        result.paused += 1
        log.info("chat %d unreachable (%s): %d reminder(s) paused", chat_id, why, paused + 1)

    async def _migrated(
        self, due: Due, new_chat_id: int, now: datetime, result: TickResult
    ) -> None:
        """The group became a supergroup: its plans move to the new chat id and this
        reminder, not delivered, goes out there at once (the next pass of this tick)."""
        old_chat_id = due.reminder.chat_id
        moved = await self.store.move_chat(old_chat_id, new_chat_id)
        await self.store.release(due.reminder.id, send_at=_ts(now), error="chat migrated")
        result.retried += 1
        self._migrations += 1
        log.info("chat %d is now %d: %d plan(s) moved", old_chat_id, new_chat_id, moved)

    async def _timed_out(self, due: Due, now: datetime, exc: TimedOut, result: TickResult) -> None:
        rem = due.reminder
        retry_at = _ts(now) + backoff(rem.attempts)
        if _surely_not_sent(exc):
            await self.store.release(rem.id, send_at=retry_at, error="timed out before sending")
            result.retried += 1
            log.warning("reminder %d: connect timeout; retry in %d s", rem.id, retry_at - _ts(now))
        elif rem.recovered:
            await self.store.finish(
                rem.id, "failed", "timed out after an earlier uncertain attempt; not resent"
            )
            result.failed += 1
            log.error("reminder %d: second uncertain delivery; not sent again", rem.id)
        else:
            await self.store.release(
                rem.id, send_at=retry_at, error="timed out; may repeat once", uncertain=True
            )
            result.retried += 1
            log.warning("reminder %d: timed out (may have arrived); retrying once", rem.id)

    def _zone(self, due: Due) -> ZoneInfo:
        return zone_or(due.timezone, self.default_tz)


def _remove(job: Any) -> None:
    """Drop a job; one that already ran (a one-off wake-up) is gone already."""
    if job is not None:
        with contextlib.suppress(JobLookupError):
            job.schedule_removal()


# --- wiring into the Application ---------------------------------------------------------


def get_sender(context_or_app: Any) -> ReminderSender | None:
    """The running sender of a CallbackContext's (or an Application's) bot, if started."""
    app = getattr(context_or_app, "application", context_or_app)
    return app.bot_data.get(BOT_DATA_KEY)


async def plans_changed(context_or_app: Any) -> None:
    """Re-aim the wake-up after plans were saved, moved, snoozed or resumed."""
    sender = get_sender(context_or_app)
    if sender is not None:
        await sender.poke()


async def start_sender(application: Any) -> ReminderSender:
    """Create and start the sender (post_init, after the store is open).

    ``application.bot_data[OPTIONS_KEY]`` may hold keyword arguments for
    :class:`ReminderSender` (tests: ``autostart=False``).
    """
    svc = application.bot_data["services"]
    options = dict(application.bot_data.get(OPTIONS_KEY) or {})
    options.setdefault("default_tz", svc.settings.tz)
    sender = ReminderSender(svc.store, telegram_send(application), clock=svc.clock, **options)
    application.bot_data[BOT_DATA_KEY] = sender
    await sender.start(application.job_queue)
    return sender


async def stop_sender(application: Any) -> None:
    sender = application.bot_data.pop(BOT_DATA_KEY, None)
    if sender is not None:
        await sender.stop()


def telegram_send(application: Any) -> Send:
    """Send one reminder through the application's bot; returns the message id."""

    async def send(due: Due, now: datetime, expired: bool) -> int | None:
        svc = application.bot_data["services"]
        owner = await _owner_name(application.bot, due)
        text, rows = reminder_message(
            svc.content, due, now.astimezone(UTC), svc.settings.tz, expired, owner
        )
        markup = reminder_markup(svc.content.codes, due.plan.operator, keyboard(rows))
        message = await application.bot.send_message(
            due.reminder.chat_id,
            text,
            reply_markup=markup,
            message_thread_id=due.plan.thread_id,
        )
        return message.message_id

    return send


async def _owner_name(bot: Any, due: Due) -> str | None:
    """A group plan's owner's first name, asked from Telegram when sending (none stored)."""
    plan = due.plan
    if plan.chat_id >= 0 or plan.owner_id is None:
        return None
    try:
        member = await bot.get_chat_member(plan.chat_id, plan.owner_id)
    except TelegramError as exc:  # left the group, or a network hiccup: a generic name
        log.info("no name for the owner of plan %d: %s", plan.id, exc)
        return None
    return member.user.first_name

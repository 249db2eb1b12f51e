"""Usage counts per day and the unanswered-questions report, written beside the replies.

Only aggregate counts per day are stored (no user ids), and unanswered questions only as
masked text. Writes run as tasks started after the reply was sent, so a slow or broken
database never delays or breaks an answer; `drain()` waits for them (tests, shutdown).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.context import Services, services
from bot.core.matching import ANSWER, REFUSE, SUGGEST, Match, small_talk
from bot.core.unanswered import KEEP_DAYS, mask_digits
from bot.i18n import Html
from bot.storage import Store

log = logging.getLogger(__name__)

USAGE_KEY = "usage"
OUTCOME_COUNTERS = {
    ANSWER: "questions_answered",
    SUGGEST: "questions_suggested",
    REFUSE: "questions_refused",
}
VOTE_COUNTERS = {True: "votes_up", False: "votes_down"}
VOTED_DOWN = "voted_down"  # outcome of a question kept because its answer got a 👎
REMEMBERED = 2000  # answered questions kept in memory for a 👎, newest first
PURGE_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class Asked:
    """An answered question, in memory only, until its answer is voted on."""

    lang: str
    text: str  # masked
    faq_id: str | None


class Usage:
    """Background writes of counts and unanswered questions, and the 👍/👎 memory."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._asked: OrderedDict[tuple[int, int], Asked] = OrderedDict()
        self._voted: OrderedDict[tuple[int, int], None] = OrderedDict()

    def later(self, application: Any, write: Coroutine[Any, Any, None]) -> None:
        """Run a write after the handler returned; a failure is logged, never raised."""
        task = application.create_task(self._guarded(write))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _guarded(write: Coroutine[Any, Any, None]) -> None:
        try:
            await write
        except Exception:
            log.warning("could not record usage", exc_info=True)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    def remember(self, chat_id: int, message_id: int, asked: Asked) -> None:
        self._asked[(chat_id, message_id)] = asked
        while len(self._asked) > REMEMBERED:
            self._asked.popitem(last=False)

    def vote(self, chat_id: int, message_id: int) -> tuple[bool, Asked | None]:
        """(first vote on this message?, the question it answered if still in memory)."""
        key = (chat_id, message_id)
        if key in self._voted:
            return False, None
        self._voted[key] = None
        while len(self._voted) > REMEMBERED:
            self._voted.popitem(last=False)
        return True, self._asked.pop(key, None)


def usage(context_or_app: Any) -> Usage:
    app = getattr(context_or_app, "application", context_or_app)
    return app.bot_data.setdefault(USAGE_KEY, Usage())


def today(svc: Services) -> date:
    """The day in the bot's default time zone: counts and the report use one calendar."""
    return svc.clock().astimezone(svc.settings.tz).date()


def nearest_topic(match: Match | None) -> str | None:
    if match is None:
        return None
    if match.faq_id:
        return match.faq_id
    if match.suggestions:
        return match.suggestions[0]
    return match.ranking[0][0] if match.ranking else None


def counted_outcome(question: str, match: Match | None, showed_codes: bool) -> str | None:
    """How a free-text question counts: answer, suggest, out_of_scope, or None (not a question).

    Greetings and thanks, empty and over-long messages are not questions; a reply that
    showed codes answered the question even when no FAQ topic matched.
    """
    if match is None or small_talk(question.strip()):
        return None
    return ANSWER if showed_codes else match.outcome


def record_question(context: Any, question: str, lang: str, outcome: str, match: Match) -> None:
    """Count a question; keep its masked text when the bot refused or was unsure."""
    svc = services(context)
    if svc.store is None or outcome not in OUTCOME_COUNTERS:
        return
    store, day = svc.store, today(svc)
    nearest = nearest_topic(match)

    async def write() -> None:
        await store.bump(day, OUTCOME_COUNTERS[outcome])
        if outcome in (SUGGEST, REFUSE):
            await store.add_unanswered(day, lang, outcome, nearest, mask_digits(question))

    usage(context).later(context.application, write())


def record_vote(context: Any, up: bool, asked: Asked | None) -> None:
    """Count a vote; a 👎 keeps the question's masked text for the report."""
    svc = services(context)
    if svc.store is None:
        return
    store, day = svc.store, today(svc)

    async def write() -> None:
        await store.bump(day, VOTE_COUNTERS[up])
        if not up and asked is not None:
            await store.add_unanswered(day, asked.lang, VOTED_DOWN, asked.faq_id, asked.text)

    usage(context).later(context.application, write())


async def purge_unanswered(svc: Services) -> int:
    """Forget questions older than KEEP_DAYS (as the privacy text says)."""
    if svc.store is None:
        return 0
    purged = await svc.store.purge_unanswered(today(svc) - timedelta(days=KEEP_DAYS - 1))
    if purged:
        log.info("forgot %d unanswered questions older than %d days", purged, KEEP_DAYS)
    return purged


async def _purge_job(context: Any) -> None:
    await purge_unanswered(services(context))


def schedule_purge(application: Any) -> None:
    """Purge now and then once a day while the bot runs."""
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _purge_job, interval=PURGE_EVERY, first=0, name="purge-unanswered"
        )


@dataclass(frozen=True)
class Stats:
    users: int
    active_users: int
    active_plans: int
    today: dict[str, int]  # counter or reminder state -> count
    week: dict[str, int]


async def collect_stats(store: Store, svc: Services) -> Stats:
    """Users, active plans, and today's and the last 7 days' counts (reminders by due day)."""
    day = today(svc)
    week_start = day - timedelta(days=6)
    users, active = await store.count_users()
    plans = await store.count_active_plans()
    periods = []
    for first in (day, week_start):
        counts = await store.counts_between(first, day)
        start = _ts(datetime.combine(first, time(), svc.settings.tz))
        end = _ts(datetime.combine(day + timedelta(days=1), time(), svc.settings.tz))
        reminders = await store.reminders_due_between(start, end)
        counts.update({f"reminders_{k}": v for k, v in reminders.items()})
        periods.append(counts)
    return Stats(users, active, plans, periods[0], periods[1])


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def privacy_unanswered(texts: Any, settings: Any, lang: str) -> str:
    """The privacy sentence about kept questions, with the deployer's contact (HTML)."""
    contact = settings.privacy_contact or Html(texts.html("privacy_no_contact", lang))
    return texts.html("privacy_unanswered", lang, days=KEEP_DAYS, contact=contact)

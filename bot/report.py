"""`renewal-bot unanswered`: what people asked that the FAQ could not answer, grouped.

For a maintainer deciding which paraphrases or topics to add: alike questions are grouped
(bot.core.unanswered.cluster), biggest group first, each with the topic the matcher
thought closest, so a paraphrase can go straight into that topic's file.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.core.unanswered import KEEP_DAYS, Cluster, Question, cluster
from bot.storage import Store

SHOWN_WORDINGS = 3  # other wordings printed under a group's example
# Why a question was kept, as a maintainer reads it: no topic, unsure, or a bad answer.
OUTCOME_NAMES = {"out_of_scope": "refused", "suggest": "unsure", "voted_down": "👎"}


async def unanswered_groups(settings: Settings, days: int, now: datetime) -> list[Cluster]:
    store = await Store.open(settings.database_path)
    try:
        first = now.astimezone(settings.tz).date() - timedelta(days=max(days, 1) - 1)
        rows = await store.unanswered_since(first)
    finally:
        await store.close()
    return cluster(Question(r.text, r.nearest, r.outcome) for r in rows)


def format_groups(groups: list[Cluster], days: int) -> str:
    if not groups:
        return f"No unanswered questions in the last {days} days."
    total = sum(g.count for g in groups)
    lines = [f"{total} unanswered questions in the last {days} days, {len(groups)} groups:"]
    for g in groups:
        nearest = g.nearest or "-"
        why = ", ".join(f"{OUTCOME_NAMES.get(o, o)} {n}" for o, n in g.outcomes)
        lines.append(f"\n{g.count:>4} × {g.example}\n       nearest topic: {nearest} ({why})")
        lines.extend(f"       also: {w}" for w in g.others[:SHOWN_WORDINGS])
        if len(g.others) > SHOWN_WORDINGS:
            lines.append(f"       … and {len(g.others) - SHOWN_WORDINGS} more wordings")
    return "\n".join(lines)


def unanswered_command(settings: Settings, days: int = 30, as_json: bool = False) -> int:
    if not settings.database_path.exists():
        print(f"renewal-bot: no database at {settings.database_path}")
        return 1
    days = min(max(days, 1), KEEP_DAYS)
    groups = asyncio.run(unanswered_groups(settings, days, datetime.now(UTC)))
    if as_json:
        for g in groups:
            record = {
                "count": g.count,
                "example": g.example,
                "nearest": g.nearest,
                "others": list(g.others),
                "outcomes": dict(g.outcomes),
            }
            print(json.dumps(record, ensure_ascii=False))
    else:
        print(format_groups(groups, days))
    return 0

"""The ops migration (daily counts, unanswered questions): upgrade of a populated database,
counts per day without user ids, the report's rows and their purge."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from bot import storage
from bot.storage import MIGRATIONS, Planned, Store

NOW = 1_800_000_000  # 2027-01-15 08:00 UTC
# Found by what it creates, not by number: the integrator renumbers migrations at merge.
OPS = next(i for i, sql in enumerate(MIGRATIONS) if "CREATE TABLE daily_counts" in sql)


async def test_upgrade_from_the_version_before_keeps_users_plans_and_reminders(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "old.sqlite3"
    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS[:OPS])
    old = await Store.open(path)
    await old.set_language(42, "zh-Hant")
    plan_id = await old.add_plan(
        42,
        operator="smart",
        label="月卡",
        expiry=date(2027, 2, 1),
        time_of_day=time(9, 0),
        leads=(3, 1, 0),
        period_days=30,
        reminders=[Planned(NOW + 100, lead_days=3), Planned(NOW + 200, lead_days=1)],
        now=NOW,
    )
    await old.close()

    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS)
    store = await Store.open(path)
    try:
        async with store.db.execute("PRAGMA user_version") as cur:
            assert (await cur.fetchone())[0] == len(MIGRATIONS)
        user = await store.get_user(42)
        assert user is not None and user.language == "zh-Hant"
        plan = await store.get_plan(plan_id)
        assert plan is not None and plan.label == "月卡" and plan.state == "active"
        assert len(await store.pending_reminders(plan_id)) == 2
        assert await store.count_users() == (1, 1)
        await store.touch_user(-100123, None)  # a group is not a user
        await store.deactivate_user(43, NOW)
        assert await store.count_users() == (2, 1)
        assert await store.count_active_plans() == 1
        assert await store.chat_menu(42) is None  # the new column, empty for old users
        await store.set_chat_menu(42, "abc")
        assert await store.chat_menu(42) == "abc"
        assert [c for c, *_ in await store.chat_menu_candidates()] == [42]
        await store.bump(date(2027, 1, 15), "questions_answered")
        assert await store.counts_between(date(2027, 1, 15), date(2027, 1, 15)) == {
            "questions_answered": 1
        }
    finally:
        await store.close()


async def test_counts_add_up_per_day_and_name(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        for day, name in [(14, "votes_up"), (15, "votes_up"), (15, "votes_up"), (15, "votes_down")]:
            await store.bump(date(2027, 1, day), name)
        assert await store.counts_between(date(2027, 1, 15), date(2027, 1, 15)) == {
            "votes_up": 2,
            "votes_down": 1,
        }
        week = await store.counts_between(date(2027, 1, 9), date(2027, 1, 15))
        assert week == {"votes_up": 3, "votes_down": 1}
        async with store.db.execute("PRAGMA table_info(daily_counts)") as cur:
            columns = {row[1] for row in await cur.fetchall()}
        assert columns == {"day", "name", "count"}  # no user, no chat
    finally:
        await store.close()


async def test_unanswered_rows_have_no_user_and_are_purged_by_day(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        await store.add_unanswered(date(2026, 10, 1), "en", "out_of_scope", None, "old one")
        await store.add_unanswered(date(2027, 1, 15), "zh-Hans", "suggest", "esim-buy", "新的")
        async with store.db.execute("PRAGMA table_info(unanswered)") as cur:
            columns = {row[1] for row in await cur.fetchall()}
        assert not columns & {"chat_id", "user_id"}
        assert [r.text for r in await store.unanswered_since(date(2026, 1, 1))] == [
            "old one",
            "新的",
        ]
        assert await store.purge_unanswered(date(2026, 10, 18)) == 1
        [left] = await store.unanswered_since(date(2026, 1, 1))
        assert (left.lang, left.outcome, left.nearest) == ("zh-Hans", "suggest", "esim-buy")
    finally:
        await store.close()

"""Migration 6: a renewal period guessed at creation (creation to expiry) is forgotten, a
learned one (from a renewal) is kept; upgrade of a populated version-5 database."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from bot import storage
from bot.storage import MIGRATIONS, Planned, Store

NOW = 1_800_000_000  # 2027-01-15 08:00 UTC
SIX = next(i for i, sql in enumerate(MIGRATIONS) if "SET period_days = NULL" in sql)


async def test_guessed_periods_are_forgotten_learned_ones_kept(tmp_path: Path, monkeypatch):
    path = tmp_path / "v5.sqlite3"
    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS[:SIX])
    old = await Store.open(path)

    async def plan(expiry: date, period: int | None) -> int:
        plan_id = await old.add_plan(
            42,
            operator="smart",
            label=None,
            expiry=expiry,
            time_of_day=time(9, 0),
            leads=(3, 0),
            period_days=period,
            reminders=[Planned(NOW + 100, lead_days=3)],
            now=NOW,
        )
        assert plan_id is not None
        return plan_id

    guessed = await plan(date(2027, 2, 14), 30)  # 15 Jan -> 14 Feb: creation to expiry
    off_by_zone = await plan(date(2027, 2, 15), 30)  # the same, a day off by time zone
    learned = await plan(date(2027, 3, 20), 30)  # renewed: the period is not creation->expiry
    unknown = await plan(date(2027, 2, 14), None)
    await old.close()

    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS)
    store = await Store.open(path)
    try:
        async with store.db.execute("PRAGMA user_version") as cur:
            assert (await cur.fetchone())[0] == len(MIGRATIONS)
        periods = [(await store.get_plan(p)).period_days for p in (guessed, off_by_zone)]
        assert periods == [None, None]
        assert (await store.get_plan(learned)).period_days == 30
        assert (await store.get_plan(unknown)).period_days is None
        assert len(await store.pending_reminders(learned)) == 1  # nothing else touched
    finally:
        await store.close()

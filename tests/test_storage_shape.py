"""Store methods behind shaping a plan, on a real SQLite file: settings changed with
their reminders re-planned, undo of a delete within its window, follow-ups that outlive
the expiry notice, and a new time zone that keeps sent stages sent."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from bot.storage import Planned, Store

NOW = 1_800_000_000
DAY = 86_400


@pytest.fixture
async def store(tmp_path: Path):
    s = await Store.open(tmp_path / "bot.sqlite3")
    yield s
    await s.close()


async def add(store: Store, reminders: list[Planned]) -> int:
    plan_id = await store.add_plan(
        1,
        operator="metfone",
        label=None,
        expiry=date(2027, 2, 1),
        time_of_day=time(9, 0),
        leads=(3, 1, 0),
        period_days=None,
        reminders=reminders,
        now=NOW,
        kind="validity",
        follow_up=True,
    )
    assert plan_id is not None
    return plan_id


async def open_rows(store: Store, plan_id: int) -> list[tuple[str, int | None, str | None]]:
    return [(r.kind, r.lead_days, r.stage) for r in await store.pending_reminders(plan_id)]


async def test_update_plan_replaces_open_reminders(store: Store) -> None:
    plan_id = await add(store, [Planned(NOW + 10, 0), Planned(NOW + 20, kind="snooze")])
    assert await store.update_plan(
        plan_id,
        reminders=[Planned(NOW + 30, 1)],
        now=NOW,
        why="plan changed",
        label="Work",
        time_of_day=time(20, 0),
        leads=(1,),
        paused=True,
    )
    plan = await store.get_plan(plan_id)
    assert (plan.label, plan.time_of_day, plan.leads, plan.paused) == (
        "Work",
        time(20, 0),
        (1,),
        True,
    )
    assert plan.follow_up and plan.kind == "validity"
    assert await open_rows(store, plan_id) == [("lead", 1, None)]
    with pytest.raises(ValueError):
        await store.update_plan(plan_id, reminders=[], now=NOW, why="x", label="x" * 65)
    with pytest.raises(AssertionError):
        await store.update_plan(plan_id, reminders=[], now=NOW, why="x", chat_id=2)
    await store.end_plan(plan_id, "stopped", NOW)
    assert not await store.update_plan(plan_id, reminders=[], now=NOW, why="x", label="y")


async def test_undo_only_within_the_window(store: Store) -> None:
    plan_id = await add(store, [Planned(NOW + 10, 0)])
    await store.end_plan(plan_id, "deleted", NOW)
    assert (await store.get_plan(plan_id)).ended_at == NOW
    assert not await store.restore_deleted(
        plan_id, deleted_since=NOW + 1, reminders=[Planned(NOW + 10, 0)], now=NOW + 2
    )
    assert await store.restore_deleted(
        plan_id, deleted_since=NOW, reminders=[Planned(NOW + 10, 0)], now=NOW + 2
    )
    plan = await store.get_plan(plan_id)
    assert plan.state == "active" and plan.ended_at is None
    assert await open_rows(store, plan_id) == [("lead", 0, None)]
    assert not await store.restore_deleted(plan_id, deleted_since=0, reminders=[], now=NOW)


async def test_expiry_notice_keeps_the_follow_ups(store: Store) -> None:
    stage = Planned(NOW + DAY, kind="follow_up", stage="outgoing_stopped")
    plan_id = await add(store, [Planned(NOW + 10, 0), stage])
    await store.end_plan(plan_id, "expired", NOW)
    assert await open_rows(store, plan_id) == [("follow_up", None, "outgoing_stopped")]
    await store.end_plan(plan_id, "stopped", NOW)
    assert await open_rows(store, plan_id) == []


async def test_new_zone_keeps_sent_stages_sent(store: Store) -> None:
    first = Planned(NOW + 10, kind="follow_up", stage="outgoing_stopped")
    later = Planned(NOW + DAY, kind="follow_up", stage="incoming_stopped")
    plan_id = await add(store, [first, later, Planned(NOW + 2 * DAY, kind="snooze")])
    [claimed] = await store.claim_due(NOW + 10, 10)
    assert claimed.reminder.stage == "outgoing_stopped"
    await store.mark_sent(claimed.reminder.id, NOW + 10, 1)
    moved = [
        Planned(NOW + 3600 + 10, kind="follow_up", stage="outgoing_stopped"),
        Planned(NOW + 3600 + DAY, kind="follow_up", stage="incoming_stopped"),
    ]
    await store.replace_lead_reminders(plan_id, moved, NOW + 20)
    rows = await store.pending_reminders(plan_id)
    assert [(r.kind, r.stage, r.send_at) for r in rows] == [
        ("follow_up", "incoming_stopped", NOW + 3600 + DAY),
        ("snooze", None, NOW + 2 * DAY),  # a snooze keeps its moment
    ]


async def test_undo_counts_the_owners_plans_not_the_whole_group(store: Store) -> None:
    """In a group the limit of live plans is per member: Bo's full list does not stop
    Ana's undo, and Ana's own full list does."""
    from bot.storage import MAX_ACTIVE_PLANS

    async def group_plan(owner: int) -> int:
        plan_id = await store.add_plan(
            -100,
            operator="smart",
            label=None,
            expiry=date(2027, 2, 1),
            time_of_day=time(9, 0),
            leads=(0,),
            period_days=None,
            reminders=[],
            now=NOW,
            owner_id=owner,
        )
        assert plan_id is not None
        return plan_id

    anas = await group_plan(7)
    await store.end_plan(anas, "deleted", NOW)
    for _ in range(MAX_ACTIVE_PLANS):
        await group_plan(8)
    assert await store.restore_deleted(anas, deleted_since=NOW, reminders=[], now=NOW + 1)
    await store.end_plan(anas, "deleted", NOW + 2)
    for _ in range(MAX_ACTIVE_PLANS):
        await group_plan(7)
    assert not await store.restore_deleted(anas, deleted_since=NOW, reminders=[], now=NOW + 3)

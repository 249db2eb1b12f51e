"""A group upgraded to a supergroup keeps its reminders (issue #13), over HTTP.

Telegram answers a send to the old group with 400 and `migrate_to_chat_id`; the bot
moves the group's plans, pending reminders and settings to the new id and delivers
there. The service message announcing the upgrade moves them too.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fakebotapi import FakeBotApi
from helpers import FakeClock

from bot.reminders.sender import get_sender
from bot.service import build_runtime_application, polling
from bot.storage import Planned

PP = ZoneInfo("Asia/Phnom_Penh")
T0 = datetime(2027, 3, 10, 8, 0, tzinfo=PP)
OLD, NEW, ANA = -4001, -1004001, 501
OK = lambda c: not c.faulted  # noqa: E731


@pytest.fixture
async def bot(fake_api: FakeBotApi, bot_settings, ptb_timedelta):
    clock = FakeClock(T0)
    app = build_runtime_application(bot_settings(), clock=clock)
    async with polling(app):
        yield app, clock


async def group_plan(app, clock: FakeClock, chat_id: int = OLD) -> int:
    """A plan of Ana's in the group, one reminder due at 09:00 today, one tomorrow."""
    store = app.bot_data["services"].store
    nine = datetime.combine(T0.date(), time(9), PP)
    plan_id = await store.add_plan(
        chat_id,
        operator="smart",
        label="shop SIM",
        expiry=date(2027, 3, 11),
        time_of_day=time(9),
        leads=(1, 0),
        period_days=30,
        reminders=[
            Planned(int(nine.timestamp()), lead_days=1),
            Planned(int((nine + timedelta(days=1)).timestamp()), lead_days=0),
        ],
        now=int(clock().timestamp()),
        owner_id=ANA,
    )
    assert plan_id is not None
    await store.set_timezone(chat_id, "Asia/Bangkok")  # a setting of the group's own
    return plan_id


async def chats_of(app, plan_id: int) -> tuple[int, list[tuple[int, str]]]:
    db = app.bot_data["services"].store.db
    async with db.execute("SELECT chat_id FROM plans WHERE id = ?", (plan_id,)) as cur:
        (plan_chat,) = await cur.fetchone()
    async with db.execute(
        "SELECT chat_id, state FROM reminders WHERE plan_id = ? ORDER BY due_at", (plan_id,)
    ) as cur:
        return plan_chat, [tuple(r) for r in await cur.fetchall()]


async def test_a_reminder_follows_the_group_to_its_supergroup(fake_api: FakeBotApi, bot) -> None:
    app, clock = bot
    plan_id = await group_plan(app, clock)
    fake_api.fail(
        "sendMessage",
        chat_id=OLD,
        status=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": NEW},
        times=None,
    )
    clock.set(datetime.combine(T0.date(), time(9, 1), PP))
    await get_sender(app).poke()
    [delivered] = await fake_api.wait_for("sendMessage", chat_id=NEW, predicate=OK)
    assert "shop SIM" in delivered.params["text"]
    assert [c for c in fake_api.calls_of("sendMessage", OLD) if not c.faulted] == []
    plan_chat, reminders = await chats_of(app, plan_id)
    assert plan_chat == NEW
    assert reminders == [(NEW, "sent"), (NEW, "pending")]  # the next one goes there too
    store = app.bot_data["services"].store
    assert (await store.get_user(NEW)).timezone == "Asia/Bangkok"
    assert await store.get_user(OLD) is None
    assert [p.id for p in await store.live_plans(NEW, ANA)] == [plan_id]


@pytest.mark.parametrize("announced_in", ["old group", "new supergroup"])
async def test_the_upgrade_service_message_moves_the_plans(
    fake_api: FakeBotApi, bot, announced_in: str
) -> None:
    app, clock = bot
    plan_id = await group_plan(app, clock)
    if announced_in == "old group":
        chat, field, value = OLD, "migrate_to_chat_id", NEW
    else:
        chat, field, value = NEW, "migrate_from_chat_id", OLD
    user = {"id": ANA, "is_bot": False, "first_name": "Ana"}
    fake_api.push_update(
        {
            "message": {
                "message_id": 50,
                "from": user,
                "chat": {"id": chat, "type": "group", "title": "Shop"},
                "date": int(clock().timestamp()),
                field: value,
            }
        }
    )
    # Ana's next message is handled after the service message (one user's updates keep
    # their order), and lists the plan under the supergroup.
    fake_api.user_sends(NEW, "/reminders", user_id=ANA, first_name="Ana")
    [listed] = await fake_api.wait_for("sendMessage", chat_id=NEW)
    assert "shop SIM" in listed.params["text"]
    plan_chat, reminders = await chats_of(app, plan_id)
    assert (plan_chat, reminders) == (NEW, [(NEW, "pending"), (NEW, "pending")])
    store = app.bot_data["services"].store
    assert await store.live_plans(OLD) == []
    assert not fake_api.calls_of("sendMessage", OLD)  # a service message gets no reply

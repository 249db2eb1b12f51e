"""Issue #13.5: a flooding user or group is slowed down with ONE notice; nobody else
notices. The buckets with a fake clock, then the real Application offline and over HTTP."""

from __future__ import annotations

from pathlib import Path

from fakebotapi import FakeBotApi
from helpers import settings_for

from bot.app import build_application, running
from bot.core.flood import GROUP_LIMIT, USER_LIMIT, FloodGate, Limit, Verdict
from bot.testing.offline import OfflineRequest, UpdateFactory

A, B, GROUP = ("user", 1), ("user", 2), ("chat", -100)
LIMIT = Limit(burst=3, rate=0.5)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_one_notice_then_silence_then_a_new_episode():
    clock = Clock()
    gate = FloodGate(clock)
    verdicts = [gate.check([(A, LIMIT)]) for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTICE] + [Verdict.REFUSE] * 2
    assert gate.check([(B, LIMIT)]) is Verdict.ALLOW  # another sender: untouched
    clock.now += 2  # one token back (0.5/s)
    assert gate.check([(A, LIMIT)]) is Verdict.ALLOW
    assert gate.check([(A, LIMIT)]) is Verdict.REFUSE  # same episode: not told again
    clock.now += 6  # full again: the episode is over
    assert [gate.check([(A, LIMIT)]) for _ in range(4)][-1] is Verdict.NOTICE


def test_a_group_is_limited_as_a_whole_and_its_members_each():
    gate = FloodGate(Clock())
    group = Limit(burst=4, rate=0.1)
    members = [("user", n) for n in range(10)]
    verdicts = [gate.check([(m, LIMIT), (GROUP, group)]) for m in members]
    assert verdicts[:4] == [Verdict.ALLOW] * 4 and verdicts[4] is Verdict.NOTICE
    assert set(verdicts[5:]) == {Verdict.REFUSE}
    assert gate.check([(("user", 99), LIMIT)]) is Verdict.ALLOW  # in private: fine


def test_a_person_is_never_limited():
    """Typing a message every 2 s or a burst of presses stays within the limits."""
    clock = Clock()
    gate = FloodGate(clock)
    for _ in range(300):
        assert gate.check([(A, USER_LIMIT)]) is Verdict.ALLOW
        clock.now += 2.0
    assert all(
        gate.check([(B, USER_LIMIT), (GROUP, GROUP_LIMIT)]) is Verdict.ALLOW for _ in range(25)
    )


async def test_flooding_user_gets_one_notice_in_their_language_others_are_answered(tmp_path: Path):
    request = OfflineRequest()
    app = build_application(
        settings_for(tmp_path / "bot.sqlite3"), request=request, with_updater=False
    )
    app.bot_data["flood_gate"] = FloodGate(Clock())  # frozen: no refill during the test
    flooder = UpdateFactory(chat_id=7, language_code="zh-hant")
    other = UpdateFactory(chat_id=8, language_code="en")
    async with running(app):
        for n in range(USER_LIMIT.burst + 10):
            await app.process_update(flooder.message(f"/help {n}", app.bot))
        flooded = request.take()
        await app.process_update(other.message("/help", app.bot))
        others = request.take()
    texts = [s.text for s in flooded]
    notice = app.bot_data["services"].content.texts.html("flood_slow_down", "zh-Hant")
    assert texts.count(notice) == 1 and texts[-1] == notice
    assert len(texts) == USER_LIMIT.burst + 1  # answered until the bucket ran dry, then told once
    assert len(others) == 1 and others[0].text != notice


async def test_flooded_button_presses_get_one_alert_and_silent_answers(
    fake_api: FakeBotApi, live_bot
):
    live_bot.bot_data["flood_gate"] = FloodGate(Clock())
    for _ in range(USER_LIMIT.burst + 3):
        fake_api.user_presses(90, 1, "nonsense-button")
    answers = await fake_api.wait_for("answerCallbackQuery", count=USER_LIMIT.burst + 3)
    alerts = [a for a in answers if a.params.get("text") and "wait" in a.params["text"]]
    assert len(alerts) == 1 and alerts[0].params.get("show_alert")
    assert all(a.response["ok"] for a in answers)  # every spinner stopped exactly once


def test_flood_control_has_a_handler_group_of_its_own(tmp_path: Path):
    """A group runs only its first matching handler: sharing one would swallow others."""
    from bot.handlers.flood import GROUP, slow_down_floods

    app = build_application(settings_for(tmp_path / "bot.sqlite3"), request=OfflineRequest())
    [handler] = app.handlers[GROUP]
    assert handler.callback is slow_down_floods
    assert min(g for g in app.handlers if g != -100) == GROUP

"""Ops features over HTTP against the fake Bot API (the production Application), the
`renewal-bot unanswered` report, the daily purge and the PRIVACY_CONTACT setting."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fakebotapi import FakeBotApi
from telegram.ext import CommandHandler

from bot.app import running
from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.core.unanswered import KEEP_DAYS
from bot.menus import sync_chat_menus
from bot.service import build_runtime_application, polling
from bot.storage import Store
from bot.terminal import run_chat
from bot.testing.offline import OfflineRequest
from bot.usage import privacy_unanswered, purge_unanswered
from tests.helpers import FakeClock, offline_application, settings_for, shared_content

ADMIN = 7


def for_chat(chat_id: int):
    """A fake-API call predicate: setMyCommands/deleteMyCommands for one chat's own menu."""
    return lambda call: (call.params.get("scope") or {}).get("chat_id") == chat_id


async def test_known_traditional_readers_get_their_menu_once_at_start(
    fake_api: FakeBotApi, bot_settings, ptb_timedelta
) -> None:
    settings = bot_settings()
    store = await Store.open(settings.database_path)
    await store.touch_user(51, "zh-TW")  # never chose a language: the app's zh-TW counts
    await store.set_language(52, "zh-Hant")
    await store.touch_user(53, "zh-hans")
    await store.touch_user(54, "en")
    await store.close()
    content, matcher = shared_content()
    for run in (1, 2):
        app = build_runtime_application(settings, content=content, matcher=matcher)
        async with polling(app):
            await fake_api.wait_for("getUpdates", timeout=15)
            if run == 1:
                for chat_id in (51, 52):
                    await fake_api.wait_for("setMyCommands", predicate=for_chat(chat_id))
            else:  # stored: nothing is sent again while the menus stay the same
                assert await sync_chat_menus(app) == 0
    menus = [c for c in fake_api.calls_of("setMyCommands") if for_chat(51)(c) or for_chat(52)(c)]
    assert sorted(c.params["scope"]["chat_id"] for c in menus) == [51, 52]
    assert not [c for c in fake_api.calls if for_chat(53)(c) or for_chat(54)(c)]


async def test_admin_and_zh_hant_menus_over_http(
    fake_api: FakeBotApi, bot_settings, ptb_timedelta
) -> None:
    content, matcher = shared_content()
    app = build_runtime_application(
        bot_settings(admin_ids=str(ADMIN)), content=content, matcher=matcher
    )
    async with polling(app):
        await fake_api.wait_for("setMyCommands", predicate=for_chat(ADMIN), timeout=15)
        admin_menu = fake_api.my_commands("", {"chat_id": ADMIN, "type": "chat"})
        assert "stats" in admin_menu and "remind" in admin_menu
        for lang in ("", "zh", "en"):
            for kind in ("default", "all_private_chats", "all_group_chats"):
                assert "stats" not in fake_api.my_commands(lang, {"type": kind})

        fake_api.user_sends(30, "/start", language_code="zh-hant")
        await fake_api.wait_for("setMyCommands", predicate=for_chat(30), timeout=15)
        [welcome] = fake_api.sent_texts(30)
        assert "續費保號" in welcome
        chat = {"chat_id": 30, "type": "chat"}
        key = (json.dumps(chat, sort_keys=True), "")
        described = {c["command"]: c["description"] for c in fake_api.commands[key]}
        assert described["help"] == "我能做什麼" and described["codes"] == "電信業者代碼和客服熱線"


def test_unanswered_report_groups_alike_questions(tmp_path: Path, capsys) -> None:
    db = tmp_path / "bot.sqlite3"

    async def fill() -> None:
        store = await Store.open(db)
        today = datetime.now(UTC).date()
        for text, nearest in [
            ("how to buy a SIM at the airport", "esim-buy"),
            ("airport sim buy how", "esim-buy"),
            ("what is the weather", None),
        ]:
            await store.add_unanswered(today, "en", "out_of_scope", nearest, text)
        await store.add_unanswered(today - timedelta(days=40), "en", "suggest", None, "old")
        await store.close()

    asyncio.run(fill())
    assert main(["unanswered", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "3 unanswered questions in the last 30 days, 2 groups" in out
    assert "2 × how to buy a SIM at the airport" in out
    assert "nearest topic: esim-buy (refused 2)" in out
    assert "also: airport sim buy how" in out and "old" not in out

    assert main(["unanswered", "--db", str(db), "--days", "60", "--json"]) == 0
    groups = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [g["count"] for g in groups] == [2, 1, 1]
    assert groups[0]["outcomes"] == {"out_of_scope": 2}


async def test_questions_older_than_the_stated_period_are_purged(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2027, 6, 1, 3, 0, tzinfo=UTC))
    app = offline_application(settings_for(tmp_path / "bot.sqlite3"), OfflineRequest(), clock=clock)
    async with running(app):
        svc = app.bot_data["services"]
        assert [j.name for j in app.job_queue.jobs()].count("purge-unanswered") == 1
        today = date(2027, 6, 1)
        await svc.store.add_unanswered(
            today - timedelta(days=KEEP_DAYS), "en", "suggest", None, "a"
        )
        await svc.store.add_unanswered(
            today - timedelta(days=KEEP_DAYS - 1), "en", "suggest", None, "b"
        )
        assert await purge_unanswered(svc) == 1
        [kept] = await svc.store.unanswered_since(date(2000, 1, 1))
        assert kept.text == "b"


@pytest.mark.parametrize("contact", ["privacy@example.org", "@renewal_help", "https://ex.org/p"])
def test_privacy_contact_is_shown_in_the_privacy_text(contact: str) -> None:
    settings = load_settings(_env_file=None, privacy_contact=contact)
    content, _ = shared_content()
    for lang in ("zh-Hans", "zh-Hant", "en"):
        text = privacy_unanswered(content.texts, settings, lang)
        assert contact in text and str(KEEP_DAYS) in text


@pytest.mark.parametrize("contact", ["nobody", "http://ex.org", "@ab", "mail me"])
def test_a_contact_users_cannot_reach_is_refused(contact: str) -> None:
    with pytest.raises(ConfigError, match="PRIVACY_CONTACT"):
        load_settings(_env_file=None, privacy_contact=contact)


def test_without_a_contact_the_text_still_says_whom_to_ask() -> None:
    content, _ = shared_content()
    text = privacy_unanswered(content.texts, load_settings(_env_file=None), "en")
    assert content.texts.html("privacy_no_contact", "en") in text


async def test_terminal_chat_shows_copy_buttons_and_card_codes(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, database_path=tmp_path / "chat.sqlite3")
    out = io.StringIO()
    await run_chat(settings, io.StringIO("/codes\n1\n1234567890123\n6\n"), out, lang="en")
    text = out.getvalue()
    assert "📋 *1201#" in text  # Smart's card: copy buttons listed with the choices
    copy_lines = [line for line in text.splitlines() if line.strip().startswith("📋")]
    assert "📋 *1700*500#" not in " ".join(copy_lines)  # subscribing costs money: no copy
    assert "📋 *1203*1234567890123#" in text  # "Not sure": the common code for the PIN


async def _boom(update, context) -> None:
    raise KeyError("what the user typed")


async def test_stats_and_error_reports_are_valid_telegram_html(
    fake_api: FakeBotApi, bot_settings, ptb_timedelta, caplog
) -> None:
    content, matcher = shared_content()
    app = build_runtime_application(
        bot_settings(admin_ids=str(ADMIN)), content=content, matcher=matcher
    )
    app.add_handler(CommandHandler("boom", _boom), group=-50)
    caplog.set_level(logging.CRITICAL, logger="bot.handlers.errors")  # the traceback is expected
    async with polling(app):
        fake_api.user_sends(ADMIN, "/stats", language_code="zh-hant")
        [stats] = await fake_api.wait_for("sendMessage", chat_id=ADMIN, timeout=15)
        assert stats.response["ok"] and "使用統計" in stats.params["text"]
        fake_api.user_sends(31, "/boom")
        [report] = await fake_api.wait_for(
            "sendMessage", chat_id=ADMIN, timeout=15, since=len(fake_api.calls)
        )
        assert report.response["ok"] and "KeyError" in report.params["text"]
        assert "what the user typed" not in report.params["text"]

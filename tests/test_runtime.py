"""bot.service, bot.menus, bot.health: API URLs, the menu, health checks, webhook mode,
`renewal-bot health`."""

from __future__ import annotations

import json
import socket
import sqlite3
import time

import pytest
from aiohttp import ClientSession
from conftest import TOKEN
from fakebotapi import FakeBotApi

from bot.app import api_urls, build_application
from bot.cli import main
from bot.config import load_settings
from bot.health import (
    HEARTBEAT_STALE,
    POLL_STALE,
    check_health,
    format_health,
    heartbeat_path,
    write_heartbeat,
)
from bot.menus import handled_commands, menu_commands
from bot.service import build_runtime_application, webhook, webhook_path
from bot.testing.offline import OfflineRequest
from tests.helpers import shared


@pytest.mark.parametrize(
    ("given", "base", "files"),
    [
        ("http://h:8081/bot", "http://h:8081/bot", "http://h:8081/file/bot"),
        ("http://h:8081/bot/", "http://h:8081/bot", "http://h:8081/file/bot"),
        ("http://h:8081", "http://h:8081/bot", "http://h:8081/file/bot"),
        ("http://h:8081/bot{token}", "http://h:8081/bot{token}", "http://h:8081/file/bot{token}"),
        ("http://h/tg/bot{token}/", "http://h/tg/bot{token}", "http://h/tg/file/bot{token}"),
    ],
)
def test_api_urls(given: str, base: str, files: str) -> None:
    assert api_urls(given) == (base, files)


@pytest.mark.parametrize("template", ["{}/bot", "{}/bot{{token}}"])
async def test_both_base_url_forms_reach_the_server(
    fake_api: FakeBotApi, tmp_path, template: str
) -> None:
    url = template.format(f"http://127.0.0.1:{fake_api.port}")
    settings = load_settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=url,
        database_path=tmp_path / "db.sqlite3",
    )
    app = build_application(settings, **shared())
    async with app.bot:
        assert app.bot.base_url == f"http://127.0.0.1:{fake_api.port}/bot{TOKEN}"
        assert app.bot.base_file_url == f"http://127.0.0.1:{fake_api.port}/file/bot{TOKEN}"
    assert fake_api.calls_of("getMe")


def test_rate_limiter_only_on_the_network(tmp_path) -> None:
    settings = load_settings(
        _env_file=None, telegram_bot_token=TOKEN, database_path=tmp_path / "db"
    )
    assert build_application(settings, **shared()).bot.rate_limiter is not None
    assert build_application(settings, rate_limit=False, **shared()).bot.rate_limiter is None
    offline = build_application(settings, request=OfflineRequest(), with_updater=False, **shared())
    assert offline.bot.rate_limiter is None


def test_webhook_path() -> None:
    assert webhook_path("https://bot.example.com/tg/hook-123") == "tg/hook-123"
    assert webhook_path("https://bot.example.com") == ""


def test_menu_lists_only_handled_commands(tmp_path) -> None:
    settings = load_settings(_env_file=None, database_path=tmp_path / "db")
    app = build_application(settings, request=OfflineRequest(), with_updater=False, **shared())
    present = handled_commands(app)
    assert {"start", "help", "faq", "language"} <= present
    names = ("start", "no_such_command", "help")
    assert [c.command for c in menu_commands(app, "en", names)] == ["start", "help"]
    assert [c.description for c in menu_commands(app, "zh-Hant", ("help",))] == ["我能做什麼"]


# ---- check_health over crafted heartbeat files ---------------------------------------------


def _db(tmp_path):
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 3")
    return load_settings(_env_file=None, database_path=path)


def _beat(settings, now: float, **changes) -> None:
    beat = {
        "mode": "polling",
        "pid": 4242,
        "started_at": now - 3600,
        "written_at": now - 5,
        "last_poll_at": now - 2,
        "last_update_at": now - 60,
        "updates": 7,
        "db_ok": True,
        "scheduler": True,
    }
    beat.update(changes)
    write_heartbeat(heartbeat_path(settings), beat)


def test_health_ok(tmp_path) -> None:
    settings, now = _db(tmp_path), time.time()
    _beat(settings, now)
    healthy, report = check_health(settings, now)
    assert healthy, report
    assert report["schema_version"] == 3 and report["updates"] == 7
    text = format_health(report)
    assert text.startswith("status: healthy") and "last successful poll: 20" in text


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"written_at": -HEARTBEAT_STALE - 1}, "hung or gone"),
        ({"stopped_at": 0}, "stopped"),
        ({"scheduler": False}, "scheduler"),
        ({"db_ok": False}, "cannot reach its database"),
        ({"last_poll_at": -POLL_STALE - 1}, "getUpdates"),
        ({"last_poll_at": None, "started_at": -POLL_STALE - 1}, "getUpdates"),
    ],
)
def test_health_problems(tmp_path, changes: dict, problem: str) -> None:
    settings, now = _db(tmp_path), time.time()
    relative = {
        k: now + v if k.endswith("_at") and v is not None else v for k, v in changes.items()
    }
    _beat(settings, now, **relative)
    healthy, report = check_health(settings, now)
    assert not healthy
    assert any(problem in p for p in report["problems"]), report["problems"]


def test_health_in_webhook_mode_does_not_need_polls(tmp_path) -> None:
    settings, now = _db(tmp_path), time.time()
    _beat(settings, now, mode="webhook", last_poll_at=None)
    assert check_health(settings, now)[0]


def test_health_cli_without_a_bot(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "missing.sqlite3"))
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert "UNHEALTHY" in out and "NOT reachable" in out and "not running" in out
    settings = _db(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    _beat(settings, time.time())
    assert main(["health", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["healthy"] is True


# ---- webhook mode, in-process -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_mode_with_secret_and_health_route(
    fake_api: FakeBotApi, bot_settings, ptb_timedelta
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    settings = bot_settings(webhook_url=url, webhook_secret="s3cret-s3cret", webhook_port=port)
    app = build_runtime_application(settings, mode="webhook", **shared())
    assert app.updater is None  # our own server takes the updates, PTB's public API only
    async with webhook(app, settings):
        assert fake_api.webhook["url"] == url
        fake_api.user_sends(1, "/start", language_code="zh-hant")
        assert await fake_api.flush_webhook() == [200]
        [reply] = await fake_api.wait_for("sendMessage", chat_id=1)
        assert "續費保號" in reply.params["text"]
        fake_api.webhook["secret_token"] = "wrong"
        fake_api.user_sends(1, "/start")
        assert await fake_api.flush_webhook() == [403]
        async with (
            ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
            report = await response.json()
        assert report["healthy"] and report["mode"] == "webhook" and report["updates"] == 1

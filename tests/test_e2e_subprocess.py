"""The real `renewal-bot run` as a subprocess, pointed at the fake Bot API with
TELEGRAM_API_BASE_URL: answers over HTTP, reports healthy, stops cleanly on SIGTERM,
and a reminder survives SIGKILL and restarts, arriving exactly once.

The fake server runs in the test's event loop, so the bot is started with
asyncio.create_subprocess_exec and never waited for with a blocking call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientSession
from conftest import PYTHON, ROOT, TOKEN, scaled, subprocess_env
from fakebotapi import FakeBotApi

from bot.config import load_settings
from bot.health import check_health

OK = lambda c: not c.faulted  # noqa: E731
pytestmark = pytest.mark.subprocess


async def start_bot(env: dict[str, str], cwd) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(proc: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> str:
    if proc.returncode is None:
        proc.send_signal(sig)
    _, stderr = await asyncio.wait_for(proc.communicate(), scaled(15))
    return stderr.decode()


async def health(env: dict[str, str], cwd) -> tuple[int, dict]:
    proc = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "bot", "health", "--json", env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(proc.communicate(), scaled(15))
    return proc.returncode, json.loads(out)


async def test_subprocess_bot_answers_reports_healthy_and_stops_on_sigterm(
    fake_api: FakeBotApi, tmp_path
) -> None:
    env = subprocess_env(fake_api.base_url, tmp_path)
    proc = await start_bot(env, tmp_path)
    try:
        await fake_api.wait_for("getUpdates", timeout=scaled(15))
        fake_api.user_sends(7, "/start", language_code="zh-hans", first_name="阿明")
        [reply] = await fake_api.wait_for("sendMessage", chat_id=7, predicate=OK)
        assert "续费保号" in reply.params["text"] and "阿明" in reply.params["text"]
        await fake_api.wait_for("setMyCommands", count=9)  # the first job once polling
        assert fake_api.my_commands("zh", {"type": "all_private_chats"})[0] == "start"

        # The scheduler's heartbeat job wrote the file at start; the update rewrote it.
        code, report = await health(env, tmp_path)
        assert code == 0, report
        assert report["scheduler"] and report["db_ok"] and report["mode"] == "polling"
        assert report["pid"] == proc.pid
    finally:
        stderr = await stop_bot(proc)
    assert proc.returncode == 0, stderr
    # Handled updates were confirmed on the way out (nothing is answered twice on restart).
    assert (
        fake_api.calls_of("getUpdates")[-1].params["offset"]
        == fake_api.updates[-1]["update_id"] + 1
    )
    assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr
    lines = stderr.splitlines()
    assert any("starting in polling mode" in line for line in lines)
    assert any(line.endswith("bot.service: stopped") for line in lines), stderr
    assert "Traceback" not in stderr
    healthy, report = check_health(
        load_settings(_env_file=None, database_path=tmp_path / "bot.sqlite3")
    )
    assert not healthy and any("stopped" in p for p in report["problems"])


async def test_subprocess_bot_with_a_token_template_url(fake_api: FakeBotApi, tmp_path) -> None:
    env = subprocess_env(fake_api.base_url + "{token}", tmp_path, LOG_LEVEL="WARNING")
    proc = await start_bot(env, tmp_path)
    try:
        fake_api.user_sends(8, "how do I renew my eSIM")
        [reply] = await fake_api.wait_for("sendMessage", chat_id=8, timeout=scaled(15))
        assert "eSIM" in reply.params["text"]
    finally:
        stderr = await stop_bot(proc, signal.SIGINT)
    assert proc.returncode == 0, stderr
    assert stderr == ""  # nothing at WARNING or above on a clean run


def reminder_states(db_path, chat_id: int) -> list[str]:
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT state FROM reminders WHERE chat_id = ? ORDER BY id", (chat_id,))
        return [row[0] for row in rows]


async def wait_until(condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + scaled(timeout)
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_reminder_survives_sigkill_and_arrives_exactly_once(
    fake_api: FakeBotApi, tmp_path
) -> None:
    """/remind a minute ahead; SIGKILL; restart after the due time: sent once. SIGKILL
    again after it was sent; restart: not sent again. The bot's clock starts at
    RENEWAL_BOT_FAKE_NOW (honoured for tests) so nobody waits a real minute."""
    db = tmp_path / "bot.sqlite3"
    t0 = datetime(2027, 3, 10, 14, 34, tzinfo=ZoneInfo("Asia/Phnom_Penh"))

    def env_at(seconds: int) -> dict[str, str]:
        now = (t0 + timedelta(seconds=seconds)).isoformat()
        return subprocess_env(fake_api.base_url, tmp_path, RENEWAL_BOT_FAKE_NOW=now)

    proc = await start_bot(env_at(0), tmp_path)
    try:
        update_id = fake_api.user_sends(30, "/remind 2027-03-10 14:35 smart")
        [saved] = await fake_api.wait_for("sendMessage", chat_id=30, timeout=scaled(15))
        assert "Saved" in saved.params["text"] and "14:35" in saved.params["text"]
        assert reminder_states(db, 30) == ["pending"]
        # Telegram forgets an update once a later getUpdates confirms it.
        await fake_api.wait_for("getUpdates", lambda c: c.params.get("offset", 0) > update_id)
    finally:
        await stop_bot(proc, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL

    mark = len(fake_api.calls)
    proc = await start_bot(env_at(65), tmp_path)  # the reminder is now overdue
    try:
        [due] = await fake_api.wait_for("sendMessage", chat_id=30, since=mark, timeout=scaled(15))
        assert "Smart" in due.params["text"] and "*888*" in due.params["text"]
        await wait_until(lambda: reminder_states(db, 30) == ["sent"])
    finally:
        await stop_bot(proc, signal.SIGKILL)

    mark = len(fake_api.calls)
    proc = await start_bot(env_at(75), tmp_path)
    try:
        fake_api.user_sends(30, "/start")
        [welcome] = await fake_api.wait_for(
            "sendMessage", chat_id=30, since=mark, timeout=scaled(15)
        )
        assert "Hi " in welcome.params["text"]
    finally:
        stderr = await stop_bot(proc)
    assert proc.returncode == 0, stderr
    texts = fake_api.sent_texts(30)
    assert len(texts) == 3  # saved, the reminder once, the welcome: nothing repeated
    assert sum("*888*" in t for t in texts) == 1
    assert reminder_states(db, 30) == ["sent"]


async def test_subprocess_bot_in_webhook_mode(fake_api: FakeBotApi, tmp_path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/tg/hook"
    env = subprocess_env(
        fake_api.base_url,
        tmp_path,
        WEBHOOK_URL=url,
        WEBHOOK_SECRET="webhook-secret-1",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    proc = await start_bot(env, tmp_path)
    try:
        # The bot starts its server, then calls setWebhook; /healthz is served from the start.
        [hook] = await fake_api.wait_for("setWebhook", timeout=scaled(15))
        assert hook.params["url"] == url and hook.params["secret_token"] == "webhook-secret-1"
        assert hook.params["drop_pending_updates"] is False
        status, body = await get_until_served(f"http://127.0.0.1:{port}/healthz")
        assert status == 200, body
        report = json.loads(body)
        assert report["healthy"] and report["mode"] == "webhook" and report["db_ok"]

        fake_api.user_sends(9, "/start", language_code="zh-hant")
        assert await fake_api.flush_webhook() == [200]
        [reply] = await fake_api.wait_for("sendMessage", chat_id=9)
        assert "續費保號" in reply.params["text"]
        fake_api.webhook["secret_token"] = "guessed"
        fake_api.user_sends(9, "/start")
        assert await fake_api.flush_webhook() == [403]  # a wrong secret is refused
    finally:
        stderr = await stop_bot(proc)
    assert proc.returncode == 0, stderr
    assert "WEBHOOK_SECRET is not set" not in stderr and "Traceback" not in stderr


async def get_until_served(url: str, timeout: float = 10) -> tuple[int, str]:
    """GET url, retrying while the server is not up yet (refused) or the route not added."""
    loop = asyncio.get_running_loop()
    timeout = scaled(timeout)
    deadline = loop.time() + timeout
    async with ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    status, body = response.status, await response.text()
                if status != 404:
                    return status, body
            except OSError:
                pass
            assert loop.time() < deadline, f"{url} not served in {timeout} s"
            await asyncio.sleep(0.05)


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
async def test_uv_run_stops_promptly_on_a_process_group_sigterm(
    fake_api: FakeBotApi, tmp_path
) -> None:
    """`uv run renewal-bot run` in its own process group (as under a terminal or a
    supervisor): killpg(SIGTERM) reaches uv and the bot, and uv forwards it again. The
    second signal used to abort PTB's shutdown half way, leaving aiosqlite's non-daemon
    thread alive: the process never ended."""
    env = subprocess_env(fake_api.base_url, tmp_path, UV_PYTHON_DOWNLOADS="never")
    env.pop("PYTHONPATH")
    proc = await asyncio.create_subprocess_exec(
        shutil.which("uv"), "run", "--frozen", "renewal-bot", "run",
        env=env, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        await fake_api.wait_for("getUpdates", timeout=scaled(60))
        fake_api.user_sends(70, "/start")
        await fake_api.wait_for("sendMessage", chat_id=70, predicate=OK, timeout=scaled(15))
        since = len(fake_api.calls)
        await fake_api.wait_for("getUpdates", since=since, timeout=scaled(15))  # a poll is open
        os.killpg(proc.pid, signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), scaled(10))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    text = stderr.decode()
    assert proc.returncode == 0, text
    assert "SIGTERM: stopping" in text and text.rstrip().endswith("bot.service: stopped")
    assert "Traceback" not in text

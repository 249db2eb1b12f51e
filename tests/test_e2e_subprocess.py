"""The real `renewal-bot run` as a subprocess, pointed at the fake Bot API with
TELEGRAM_API_BASE_URL: answers over HTTP, reports healthy, stops cleanly on SIGTERM.

The fake server runs in the test's event loop, so the bot is started with
asyncio.create_subprocess_exec and never waited for with a blocking call.
"""

from __future__ import annotations

import asyncio
import json
import signal

from conftest import PYTHON, TOKEN, subprocess_env
from fakebotapi import FakeBotApi

from bot.config import load_settings
from bot.runtime import check_health

OK = lambda c: not c.faulted  # noqa: E731


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
    _, stderr = await asyncio.wait_for(proc.communicate(), 15)
    return stderr.decode()


async def health(env: dict[str, str], cwd) -> tuple[int, dict]:
    proc = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "bot", "health", "--json", env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 15)
    return proc.returncode, json.loads(out)


async def test_subprocess_bot_answers_reports_healthy_and_stops_on_sigterm(
    fake_api: FakeBotApi, tmp_path
) -> None:
    env = subprocess_env(fake_api.base_url, tmp_path)
    proc = await start_bot(env, tmp_path)
    try:
        await fake_api.wait_for("getUpdates", timeout=15)
        fake_api.user_sends(7, "/start", language_code="zh-hans", first_name="阿明")
        [reply] = await fake_api.wait_for("sendMessage", chat_id=7, predicate=OK)
        assert "续费保号" in reply.params["text"] and "阿明" in reply.params["text"]
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
    assert any(line.endswith("bot.runtime: stopped") for line in lines), stderr
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
        [reply] = await fake_api.wait_for("sendMessage", chat_id=8, timeout=15)
        assert "eSIM" in reply.params["text"]
    finally:
        stderr = await stop_bot(proc, signal.SIGINT)
    assert proc.returncode == 0, stderr
    assert stderr == ""  # nothing at WARNING or above on a clean run

"""Issue #13.2/#13.3: a start that cannot succeed ends within seconds with ONE line that
names the problem, never the token, and the exit code the supervisor acts on
(bot/exits.py: 2 = a restart cannot fix it, 1 = it may). Each case is the real
`python -m bot run` against the fake Bot API; the cases run side by side."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import PYTHON, TOKEN, scaled, subprocess_env
from fakebotapi import FakeBotApi

from bot import exits
from bot.exits import DatabaseUnusable, explain

pytestmark = pytest.mark.subprocess


async def start_and_wait(env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "bot", "run", env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), scaled(60))
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"the bot did not exit ({env['DATABASE_PATH']})") from None
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def failing_migration_db(path: Path) -> Path:
    """Schema version 0 but a `users` table already there: migration 1 fails."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (x)")
    return path


async def test_each_start_up_problem_is_one_line_and_the_right_exit_code(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not an SQLite database, just some text\n" * 100)
    rejected = FakeBotApi()
    await rejected.start()
    good = FakeBotApi()
    await good.start()
    down = FakeBotApi()
    await down.start()
    down_url = down.base_url
    await down.stop()  # nothing listens there any more: connection refused

    def env(api_url: str, db: Path) -> dict[str, str]:
        return subprocess_env(api_url, tmp_path, DATABASE_PATH=str(db), LOG_LEVEL="WARNING")

    rejected.fail("getMe", status=401, description="Unauthorized", times=None)
    cases = {
        "rejected token": (env(rejected.base_url, tmp_path / "t.sqlite3"), 2, "token"),
        "network down": (env(down_url, tmp_path / "n.sqlite3"), 1, "cannot reach"),
        "uncreatable directory": (env(good.base_url, a_file / "sub" / "b.sqlite3"), 2, "a-file"),
        "garbage file": (env(good.base_url, garbage), 2, "garbage.sqlite3"),
        "failing migration": (
            env(good.base_url, failing_migration_db(tmp_path / "m.sqlite3")),
            2,
            "already exists",
        ),
        "bad setting": (
            {**env(good.base_url, tmp_path / "s.sqlite3"), "DEFAULT_TIMEZONE": "Mars/Olympus"},
            2,
            "DEFAULT_TIMEZONE",
        ),
    }
    try:
        results = await asyncio.gather(*(start_and_wait(e, tmp_path) for e, _, _ in cases.values()))
    finally:
        await rejected.stop()
        await good.stop()
    for (name, (_, code, needle)), (returncode, out, err) in zip(
        cases.items(), results, strict=True
    ):
        lines = err.strip().splitlines()
        assert returncode == code, (name, returncode, err)
        assert len(lines) == 1 and lines[0].startswith("renewal-bot: "), (name, err)
        assert needle in lines[0], (name, lines[0])
        assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err, name
        assert "Traceback" not in err, name


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
async def test_read_only_database_directory_is_exit_2(fake_api: FakeBotApi, tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        env = subprocess_env(fake_api.base_url, tmp_path, DATABASE_PATH=str(locked / "b.sqlite3"))
        code, _, err = await start_and_wait({**env, "LOG_LEVEL": "WARNING"}, tmp_path)
    finally:
        locked.chmod(0o700)
    assert code == exits.CONFIG and err.count("\n") == 1 and "unusable" in err


def test_explanations_never_hold_the_token() -> None:
    from telegram.error import InvalidToken, NetworkError

    token_in = InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
    assert explain(token_in, (TOKEN,))[0] == exits.CONFIG
    assert TOKEN not in explain(token_in, (TOKEN,))[1]
    code, line = explain(NetworkError(f"url http://x/bot{TOKEN}/getMe failed"), ())
    assert code == exits.RETRYABLE and TOKEN.split(":")[1] not in line
    assert explain(DatabaseUnusable("database x is unusable: disk I/O error"))[0] == 2
    assert explain(RuntimeError("boom\nsecond line")) == (
        1,
        "unexpected error (RuntimeError): boom second line",
    )

"""The deployment files work as written: the environment systemd and Docker build from
the unit / Dockerfile and an env file copied from .env.example (with only the token
filled in) starts the real bot, which long-polls the fake Bot API and stops cleanly.

systemd: EnvironmentFile= values override Environment= lines.
Docker: --env-file values override the image's ENV.
Both files are parsed here from their text, so a change to either is what is tested.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
from pathlib import Path, PurePosixPath

import pytest
from conftest import PYTHON, ROOT, TOKEN
from fakebotapi import FakeBotApi

pytestmark = pytest.mark.slow

UNIT = ROOT / "deploy" / "renewal-bot.service"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
APP_KEYS = (
    "TELEGRAM_",
    "WEBHOOK_",
    "DATABASE_",
    "RENEWAL_BOT_",
    "DEFAULT_",
    "ADMIN_",
    "LOG_",
    "PRIVACY_",
)


def unit_settings(text: str) -> list[tuple[str, str]]:
    """(key, value) of the [Service] section, in order (keys may repeat)."""
    section, found = None, []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            found.append((key.strip(), value.strip()))
    return found


def systemd_env_file(text: str) -> dict[str, str]:
    """EnvironmentFile= syntax: comments with # or ;, quotes around a value removed."""
    env = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def docker_env_file(text: str) -> dict[str, str]:
    """--env-file syntax: `#` comment lines; KEY=VALUE taken verbatim (quotes and all)."""
    env = {}
    for raw in text.splitlines():
        line = raw.lstrip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if sep:  # a bare KEY would copy the host's value: the example has none
            env[key] = value
    return env


def dockerfile_final_stage(text: str) -> list[tuple[str, str]]:
    """(instruction, arguments) of the last stage, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    instructions = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            instructions = []
        instructions.append((word.upper(), rest.strip()))
    return instructions


def operator_env_file(fake_api: FakeBotApi) -> str:
    """What an operator writes: .env.example with the token (and, here, the fake server)."""
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^TELEGRAM_BOT_TOKEN=.*$", f"TELEGRAM_BOT_TOKEN={TOKEN}", text)
    return re.sub(
        r"(?m)^TELEGRAM_API_BASE_URL=.*$", f"TELEGRAM_API_BASE_URL={fake_api.base_url}", text
    )


def host_env() -> dict[str, str]:
    """The interpreter's own environment, without any of the bot's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(APP_KEYS)}
    env.update(PYTHONPATH=str(ROOT), PTB_TIMEDELTA="true")
    return env


def systemd_environment(fake_api: FakeBotApi, tmp_path: Path) -> tuple[dict[str, str], Path]:
    settings = unit_settings(UNIT.read_text(encoding="utf-8"))
    env = host_env()
    env_files = []
    for key, value in settings:
        if key == "Environment":
            env.update(item.split("=", 1) for item in shlex.split(value))
        elif key == "EnvironmentFile":
            env_files.append(value.lstrip("-"))
    assert env_files == ["/etc/renewal-bot/env"]
    env.update(systemd_env_file(operator_env_file(fake_api)))  # the file wins

    [state] = [v for k, v in settings if k == "StateDirectory"]
    state_dir = PurePosixPath("/var/lib") / state
    database = PurePosixPath(env["DATABASE_PATH"])
    assert database.parent == state_dir, "the database must live in the StateDirectory"
    assert ("RestartPreventExitStatus", "2") in settings
    assert ("Restart", "on-failure") in settings
    # systemd creates the state directory; here it is under tmp_path.
    local = tmp_path / state_dir.relative_to("/")
    local.mkdir(parents=True)
    env["DATABASE_PATH"] = str(local / database.name)
    return env, local


def docker_environment(fake_api: FakeBotApi, tmp_path: Path) -> tuple[dict[str, str], Path]:
    stage = dockerfile_final_stage(DOCKERFILE.read_text(encoding="utf-8"))
    env = host_env()
    for word, rest in stage:
        if word == "ENV":
            for item in shlex.split(rest):
                key, value = item.split("=", 1)
                if key != "PATH":  # the image's venv; here the test interpreter runs
                    env[key] = value
    env.update(docker_env_file(operator_env_file(fake_api)))  # --env-file wins

    [volume] = [
        shlex.split(rest.strip("[]").replace(",", " ")) for w, rest in stage if w == "VOLUME"
    ]
    database = PurePosixPath(env["DATABASE_PATH"])
    assert str(database.parent) in volume, "the database must live on the volume"
    assert env["WEBHOOK_LISTEN"] == "0.0.0.0", "reachable from outside the container"
    assert ("CMD", '["renewal-bot", "run"]') in stage
    local = tmp_path / database.parent.relative_to("/")
    local.mkdir(parents=True)
    env["DATABASE_PATH"] = str(local / database.name)
    return env, local


def test_env_example_reads_the_same_in_systemd_and_docker() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert systemd_env_file(text) == docker_env_file(text)
    values = docker_env_file(text)
    for key, value in values.items():
        assert re.fullmatch(r"[A-Z_]+", key), key
        assert "#" not in value and "'" not in value and '"' not in value, key
    # Deployment decides these: set in the file, they would override the unit and image.
    assert not {"DATABASE_PATH", "WEBHOOK_LISTEN", "WEBHOOK_PORT"} & set(values)


@pytest.mark.parametrize("build", [systemd_environment, docker_environment])
async def test_documented_deployment_starts_and_stops(
    build, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    env, state = build(fake_api, tmp_path)
    workdir = tmp_path / "workdir"  # no .env here: the environment is all the bot gets
    workdir.mkdir()
    proc = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "bot", "run", env=env, cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await fake_api.wait_for("getUpdates", timeout=20)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    stderr = err.decode()
    assert proc.returncode == 0, stderr
    assert (state / "bot.sqlite3").exists()
    assert not (workdir / "data").exists()
    assert TOKEN not in stderr and "Traceback" not in stderr
    # LOG_LEVEL=INFO from the env file: one line per meaningful event, all the bot's own.
    lines = stderr.splitlines()
    assert lines and all(re.search(r" (INFO|WARNING) bot\.", line) for line in lines), stderr
    assert len(lines) <= 5, stderr

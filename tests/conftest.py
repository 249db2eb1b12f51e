"""Shared fixtures: the fake Bot API server and the real bot running against it."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import fakebotapi
import hypothesis
import pytest
from fakebotapi import FakeBotApi
from timing import TIMEOUT_SCALE, scaled

from bot.config import Settings, load_settings

fake_api = fakebotapi.fake_api  # the fixture, for every test module
__all__ = ["TIMEOUT_SCALE", "fake_api", "scaled"]  # scaled(): time limits, see timing.py

# The team's fact base beside the checkout; SHARED_DIR points elsewhere (e.g. a worktree).
from tests.shared_docs import shared_file as require_shared  # noqa: E402,F401  (tests import it)

# Hypothesis: no per-example deadline (a loaded machine makes any deadline flaky).
# A fixed seed (derandomize) and no too_slow health check: a busy machine must not turn up
# a different example, or fail a property for being slow. FUZZ_RANDOM=1 explores.
settings_profile = hypothesis.settings(
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None if not os.environ.get("FUZZ_RANDOM") else hypothesis.settings().database,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)
hypothesis.settings.register_profile("renewal-bot", settings_profile)
hypothesis.settings.load_profile("renewal-bot")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "subprocess: starts the bot as a separate process (run as its own CI step)"
    )


# The shape @BotFather hands out, so Settings.require_token() accepts it.
TOKEN = "123456:TEST-token-of-the-right-shape-xxxxxxxx"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def content() -> Any:
    """content/ loaded once per session; tests must not change it."""
    from tests.helpers import shared_content

    return shared_content()[0]


@pytest.fixture(scope="session")
def matcher() -> Any:
    """The FAQ matcher over content/, built once per session."""
    from tests.helpers import shared_content

    return shared_content()[1]


@pytest.fixture
async def offline_app(tmp_path: Path) -> AsyncIterator[Any]:
    """The real Application with an in-process Bot API and a database in tmp_path."""
    from bot.app import running
    from bot.testing.offline import OfflineRequest
    from tests.helpers import offline_application, settings_for

    request = OfflineRequest()
    application = offline_application(settings_for(tmp_path / "bot.sqlite3"), request)
    async with running(application):
        yield application, request


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """RetryAfter.retry_after as a timedelta; the int form warns (warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def bot_settings(fake_api: FakeBotApi, tmp_path: Path) -> Callable[..., Settings]:
    """Settings pointing the bot at the fake server, with a database in tmp_path."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "telegram_bot_token": TOKEN,
            "telegram_api_base_url": fake_api.base_url,
            "database_path": tmp_path / "bot.sqlite3",
        }
        values.update(overrides)
        return load_settings(_env_file=None, **values)

    return make


@pytest.fixture
async def live_bot(
    fake_api: FakeBotApi, bot_settings: Callable[..., Settings], ptb_timedelta: None
) -> AsyncIterator[Any]:
    """The production Application (rate limiter, menus, health) long-polling the fake."""
    from bot.service import build_runtime_application, polling
    from tests.helpers import shared_content

    content, matcher = shared_content()
    application = build_runtime_application(bot_settings(), content=content, matcher=matcher)
    async with polling(application):
        yield application


@pytest.fixture
def restore_logging() -> Any:
    """Undo setup_logging(): put the root handlers and levels back as pytest had them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = ("httpx", "httpcore", "apscheduler", "telegram")
    quiet = {n: logging.getLogger(n).level for n in names}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, lvl in quiet.items():
        logging.getLogger(name).setLevel(lvl)
    logging.captureWarnings(False)


def subprocess_env(base_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for `python -m bot run` against the fake server (no .env is read)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "RENEWAL_BOT_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        PTB_TIMEDELTA="true",
    )
    env.update(extra)
    return env


PYTHON = sys.executable


# --- the offline bot of the reminder tests ------------------------------------------
# A module that uses these defines its own `clock` fixture (its "now"); `bot` answers in
# English, `zh` in Simplified Chinese, each on its own database file.


@pytest.fixture
async def bot(tmp_path: Path, clock: Any) -> AsyncIterator[Any]:
    from tests.helpers import harness

    async with harness(tmp_path / "bot.sqlite3", clock) as b:
        yield b


@pytest.fixture
async def zh(tmp_path: Path, clock: Any) -> AsyncIterator[Any]:
    from tests.helpers import harness

    async with harness(tmp_path / "zh.sqlite3", clock, lang="zh-hans") as b:
        yield b

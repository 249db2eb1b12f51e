"""Logging: one line per event, the token never written, httpx kept quiet."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest

from bot.logs import REDACTED, OneLineFormatter, RedactingFilter, redact, setup_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    "text",
    [
        f"POST https://api.telegram.org/bot{TOKEN}/getUpdates",
        f"token={TOKEN}",
        f"http://127.0.0.1:8081/bot{TOKEN}/sendMessage failed",
        f"'{TOKEN}'",
    ],
)
def test_redact_known_and_unknown_tokens(text: str) -> None:
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in redact(text)
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in redact(text, (TOKEN,))
    assert REDACTED in redact(text)


def test_redact_leaves_ordinary_text_alone() -> None:
    for text in ("update 123 handled", "12:30 tomorrow", "chat 100000001", "ratio 3:4"):
        assert redact(text) == text


def test_short_test_tokens_in_urls_are_redacted() -> None:
    assert (
        redact("http://127.0.0.1:5000/bot123:TEST/getMe")
        == f"http://127.0.0.1:5000/bot{REDACTED}/getMe"
    )


def _capture(level: str = "DEBUG", secrets: tuple[str, ...] = (TOKEN,)) -> io.StringIO:
    out = io.StringIO()
    setup_logging(level, secrets=secrets, stream=out)
    return out


def test_filter_covers_args_exceptions_and_child_loggers(restore_logging) -> None:
    out = _capture()
    log = logging.getLogger("telegram.ext.Updater")  # any library logger goes through root
    log.debug("calling %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
    try:
        raise RuntimeError(f"connect failed for /bot{TOKEN}/getUpdates")
    except RuntimeError:
        log.exception("polling failed")
    text = out.getvalue()
    assert TOKEN not in text
    assert "polling failed" in text and "RuntimeError" in text and "Traceback" in text
    assert text.count("\n") == 2  # two events, two lines, the traceback folded in


def test_one_line_formatter_folds_multiline_messages() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a\nb\n\nc", None, None)
    assert OneLineFormatter("%(message)s").format(record) == "a | b | c"


def test_bad_format_args_do_not_lose_the_event() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d items", ("many",), None)
    assert RedactingFilter().filter(record)
    assert "items" in record.getMessage()


def test_httpx_is_quiet_and_levels_apply(restore_logging) -> None:
    out = _capture("INFO")
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getMe", TOKEN)
    logging.getLogger("httpx").warning("httpx warns")
    logging.getLogger("bot.service").debug("not at INFO")
    logging.getLogger("bot.service").info("shown")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert "httpx warns" in lines[0] and "shown" in lines[1]
    assert " INFO bot.service: shown" in lines[1]


def test_setup_replaces_previous_root_handlers(restore_logging) -> None:
    first = _capture()
    second = _capture()
    logging.getLogger("bot").warning("once")
    assert first.getvalue() == "" and second.getvalue().count("once") == 1


async def test_scheduler_jobs_and_ptb_routine_write_nothing_at_info(
    restore_logging, offline_app
) -> None:
    """The heartbeat job runs every 15 s: APScheduler's two INFO lines per run were
    ~17,000 lines a day. Here a job runs 20 times on the bot's own job queue."""
    application, _ = offline_app
    out = _capture("INFO")
    runs = 0
    done = asyncio.Event()

    async def tick(context) -> None:
        nonlocal runs
        runs += 1
        if runs == 20:
            done.set()

    job = application.job_queue.run_repeating(tick, interval=0.02, first=0)
    await asyncio.wait_for(done.wait(), 10)
    job.schedule_removal()
    logging.getLogger("telegram.ext.Application").info("Application started")
    logging.getLogger("apscheduler.scheduler").warning("a job was missed")
    logging.getLogger("bot.reminders.sender").info("reminders: 1 sent")
    lines = out.getvalue().splitlines()
    # Under load APScheduler may also warn that a run was late: warnings stay visible.
    assert any("a job was missed" in line for line in lines), lines
    info = [line for line in lines if " INFO " in line]
    assert len(info) == 1 and info[0].endswith("INFO bot.reminders.sender: reminders: 1 sent"), (
        lines
    )


def test_debug_level_opens_the_libraries_but_not_httpx(restore_logging) -> None:
    out = _capture("DEBUG")
    logging.getLogger("apscheduler.executors.default").info('Running job "heartbeat"')
    logging.getLogger("httpx").info("HTTP Request: POST https://x/getMe")
    assert "Running job" in out.getvalue() and "HTTP Request" not in out.getvalue()

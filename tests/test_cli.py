"""The command line: ask (text and the public --json contract), chat, check-content."""

import io
import json

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.terminal import html_to_text, run_chat


def test_ask_json_contract(monkeypatch, capsys):
    questions = "怎麼查話費餘額\nwhat's the weather in Phnom Penh\n\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(questions))
    assert main(["ask", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 3
    for record in lines:
        assert {"question", "lang", "faq_id", "score", "suggestions", "answer"} <= set(record)
    assert lines[0]["faq_id"] == "check-balance-expiry"
    assert lines[0]["lang"] == "zh-Hant"
    assert lines[1]["faq_id"] is None
    assert lines[2]["faq_id"] is None


def test_ask_prints_plain_text(capsys):
    assert main(["ask", "how", "do", "I", "keep", "my", "number", "while", "abroad"]) == 0
    out = capsys.readouterr().out
    assert "<b>" not in out and out.strip()


def test_check_content(capsys):
    assert main(["check-content"]) == 0
    assert "content OK" in capsys.readouterr().out


def test_run_without_token_is_one_clear_line(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "TELEGRAM_BOT_TOKEN" in err


@pytest.mark.parametrize("token", ["abc", "123:short", "not a token at all"])
def test_malformed_token(token):
    with pytest.raises(ConfigError, match="malformed"):
        load_settings(_env_file=None, telegram_bot_token=token).require_token()


def test_bad_timezone_setting():
    with pytest.raises(ConfigError, match="DEFAULT_TIMEZONE"):
        load_settings(_env_file=None, default_timezone="Mars/Olympus")


async def test_chat_drives_the_real_handlers(tmp_path):
    settings = load_settings(_env_file=None, database_path=tmp_path / "chat.sqlite3")
    out = io.StringIO()
    await run_chat(settings, io.StringIO("/start\n/faq\n1\n保号\n"), out, lang="zh-hans")
    text = out.getvalue()
    assert "you: /start" in text and "续费保号" in text
    assert "[1]" in text  # buttons shown as numbered choices
    assert "bot (edited):" in text  # pressing 1 opened a category in place
    assert "保号" in text


def test_html_to_text():
    assert html_to_text('<b>A</b> &amp; <a href="https://x.y">1</a>') == "A & 1 (https://x.y)"


def test_uncaught_exceptions_are_one_line_without_the_token(restore_logging, monkeypatch):
    """The last line of defence: sys.excepthook and the event loop's exception handler."""
    import asyncio
    import sys

    from conftest import TOKEN

    from bot.logs import setup_logging
    from bot.process import _loop_exception, install_excepthook

    stream = io.StringIO()
    setup_logging("INFO", secrets=[TOKEN], stream=stream)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    install_excepthook((TOKEN,))
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    loop = asyncio.new_event_loop()
    try:
        loop.set_exception_handler(_loop_exception)
        loop.call_exception_handler({"message": "Task exception", "exception": OSError(TOKEN)})
    finally:
        loop.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "uncaught exception" in lines[0] and "Task exception" in lines[1]
    assert TOKEN not in stream.getvalue() and TOKEN.split(":")[1] not in stream.getvalue()

"""What README's "Running on Telegram" tells operators matches what the bot does:
inline mode is handled (so BotFather /setinline is worth doing), group chats work with
privacy mode on (commands answered, plain text left alone), and descriptions are keyed
by two-letter language codes (zh-Hant users see the Simplified `zh` one)."""

from __future__ import annotations

import re

from conftest import ROOT
from fakebotapi import FakeBotApi
from telegram.ext import InlineQueryHandler

from bot.cli import main
from bot.content import load_content

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end]


def test_readme_names_the_botfather_switches() -> None:
    text = section("Running on Telegram")
    for command in ("/setinline", "/setinlinefeedback", "/setprivacy"):
        assert command in text, command
    assert "zh-Hant" in text and "two-letter" in text


async def test_inline_mode_is_handled(live_bot) -> None:
    handlers = [h for group in live_bot.handlers.values() for h in group]
    assert any(isinstance(h, InlineQueryHandler) for h in handlers)


async def test_group_with_privacy_on_gets_commands_answered(live_bot, fake_api: FakeBotApi) -> None:
    group = -100123
    fake_api.user_sends(group, "how do I renew my eSIM", user_id=55)  # privacy off only
    fake_api.user_sends(group, "/codes", user_id=55)
    [reply] = await fake_api.wait_for("sendMessage", chat_id=group, timeout=15)
    assert "Smart" in reply.params["text"]  # the codes menu, not an FAQ answer
    assert len(fake_api.calls_of("sendMessage")) == 1


async def test_descriptions_use_two_letter_codes_in_simplified(
    live_bot, fake_api: FakeBotApi
) -> None:
    # menus and descriptions are the first job once the bot polls
    await fake_api.wait_for("setMyDescription", count=3, timeout=15)
    await fake_api.wait_for("setMyShortDescription", count=3, timeout=15)
    languages = {lang for _, lang in fake_api.descriptions}
    assert languages and all(re.fullmatch(r"|[a-z]{2}", lang) for lang in languages)
    texts = load_content().texts
    expected = texts.plain("bot_description", "zh-Hans")
    assert fake_api.descriptions[("description", "zh")] == expected
    assert expected != texts.plain("bot_description", "zh-Hant")


def test_every_command_in_readme_exists(capsys) -> None:
    # Not `sudo -u renewal-bot env` (the user) nor `docker exec renewal-bot ...` (the container).
    named = set(re.findall(r"renewal-bot (?!env |renewal-bot)([a-z][a-z-]+)", README))
    assert {"ask", "chat", "backup", "health", "check-content"} <= named
    for command in sorted(named):
        try:
            main([command, "--help"])
        except SystemExit as exit_:
            assert exit_.code == 0, command
    capsys.readouterr()

"""Settings: every bad value is refused at start with one line naming the key, before
anything binds a port or opens the database (a restart cannot fix these: exit 2)."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings

BASE = "http://127.0.0.1:8081/bot"


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"webhook_port": "99999"}, "WEBHOOK_PORT"),
        ({"webhook_port": "0"}, "WEBHOOK_PORT"),
        ({"webhook_port": "eighty"}, "WEBHOOK_PORT"),
        ({"webhook_url": "http://bot.example.org/hook"}, "WEBHOOK_URL"),
        ({"webhook_url": "bot.example.org/hook"}, "WEBHOOK_URL"),
        ({"webhook_url": "https:///hook"}, "WEBHOOK_URL"),
        ({"webhook_listen": "0.0.0.0.0"}, "WEBHOOK_LISTEN"),
        ({"webhook_listen": "example.org"}, "WEBHOOK_LISTEN"),
        ({"default_timezone": "Asia/Phnom"}, "DEFAULT_TIMEZONE"),
        ({"default_timezone": "UTC+7"}, "DEFAULT_TIMEZONE"),
        ({"admin_ids": "12345, @admin"}, "ADMIN_IDS"),
        ({"log_level": "LOUD"}, "LOG_LEVEL"),
        ({"webhook_secret": "has spaces and !"}, "WEBHOOK_SECRET"),
        ({"webhook_secret": "x" * 257}, "WEBHOOK_SECRET"),
        ({"telegram_api_base_url": "localhost:8081/bot"}, "TELEGRAM_API_BASE_URL"),
    ],
)
def test_bad_values_are_one_line_naming_the_key(values: dict, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **values)
    message = str(caught.value)
    assert "\n" not in message and key in message
    assert "pydantic" not in message and "Value error" not in message


def test_good_values_are_kept() -> None:
    settings = load_settings(
        _env_file=None,
        webhook_url="https://bot.example.org/tg/hook",
        webhook_listen="::",
        webhook_port="443",
        default_timezone="Asia/Taipei",
        admin_ids="111, 222 333",
        webhook_secret="s3cret_-X",
        telegram_api_base_url="http://localhost:8081/bot{token}",
    )
    assert settings.webhook_port == 443 and settings.webhook_listen == "::"
    assert settings.admin_ids == [111, 222, 333]
    assert load_settings(_env_file=None, webhook_listen="[::1]").webhook_listen == "::1"


def test_plain_http_webhook_only_with_a_self_hosted_bot_api_server() -> None:
    """A local telegram-bot-api server (--local) may call http:// webhooks; Telegram won't."""
    url = "http://127.0.0.1:8443/hook"
    assert load_settings(_env_file=None, webhook_url=url, telegram_api_base_url=BASE).webhook_url
    with pytest.raises(ConfigError, match="https://"):
        load_settings(_env_file=None, webhook_url=url)


def test_environment_values_are_checked_the_same_way(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-token-of-the-right-shape-xxxxxxxx")
    monkeypatch.setenv("WEBHOOK_PORT", "99999")
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "WEBHOOK_PORT" in err and "99999" in err
    assert not (tmp_path / "bot.sqlite3").exists()  # refused before opening anything

"""Settings from the environment and `.env` (pydantic-settings).

The token is only required by the commands that talk to Telegram; `chat`,
`ask` and `check-content` work without one.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
TG_USERNAME_RE = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    database_path: Path = Path("data/bot.sqlite3")
    default_timezone: str = "Asia/Phnom_Penh"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    privacy_contact: str | None = None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            bad = [p for p in parts if not p.lstrip("-").isdigit()]
            if bad:
                raise ValueError(
                    f"ADMIN_IDS must be Telegram user ids (numbers) separated by commas, "
                    f"not {bad[0]!r}"
                )
            return [int(p) for p in parts]
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like Asia/Phnom_Penh)"
            ) from None
        return value

    @field_validator("webhook_port", mode="before")
    @classmethod
    def _port(cls, value: object) -> object:
        # Checked here rather than with Field(ge=, le=) for a message an operator can act
        # on: out of range, the OS would otherwise bind a random port for 99999.
        try:
            port = int(str(value).strip())
        except ValueError:
            raise ValueError(
                f"WEBHOOK_PORT must be a port number 1..65535, not {value!r}"
            ) from None
        if not 1 <= port <= 65535:
            raise ValueError(f"WEBHOOK_PORT must be a port number 1..65535, not {port}")
        return port

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's setWebhook rejects anything else, which would fail only at start-up.
        if value is not None and not SECRET_RE.fullmatch(value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    "TELEGRAM_API_BASE_URL must be an http:// or https:// URL, "
                    "e.g. http://localhost:8081/bot"
                )
        return value

    @field_validator("privacy_contact")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        # Shown to users in the privacy text: it must be something they can reach.
        if value is None:
            return value
        value = value.strip()
        parts = urlsplit(value)
        is_url = parts.scheme == "https" and bool(parts.hostname)
        if not (EMAIL_RE.fullmatch(value) or TG_USERNAME_RE.fullmatch(value) or is_url):
            raise ValueError(
                "PRIVACY_CONTACT must be an e-mail address, a Telegram @username or an "
                f"https:// URL, not {value!r}"
            )
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        value = value.strip()
        if value == "localhost":
            return value
        try:
            ipaddress.ip_address(value.strip("[]"))
        except ValueError:
            raise ValueError(
                f"WEBHOOK_LISTEN must be an IP address to listen on (127.0.0.1, 0.0.0.0, ::), "
                f"not {value!r}"
            ) from None
        return value.strip("[]")

    @model_validator(mode="after")
    def _webhook_url(self) -> Settings:
        """Telegram only delivers to https:// webhooks; a self-hosted Bot API server
        (TELEGRAM_API_BASE_URL, its --local mode) may also call plain http://."""
        if not self.webhook_url:
            return self
        parts = urlsplit(self.webhook_url.strip())
        allowed = ("https", "http") if self.telegram_api_base_url else ("https",)
        if parts.scheme not in allowed or not parts.hostname:
            raise ValueError(
                f"WEBHOOK_URL must be an https:// URL Telegram can reach, not {self.webhook_url!r}"
            )
        return self

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)

    def require_token(self) -> str:
        """The bot token, or a one-line ConfigError saying how to get one."""
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env "
                "(see .env.example), or try the bot offline with `renewal-bot chat`."
            )
        token = self.telegram_bot_token.get_secret_value().strip()
        if not TOKEN_RE.match(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN looks malformed: expected 123456789:AA... from @BotFather."
            )
        return token


def load_settings(**overrides: object) -> Settings:
    """Settings, with validation errors turned into one readable line."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        raise ConfigError(f"bad settings: {problems}") from None


def _problem(err: dict) -> str:
    """One validation error as `KEY: message` (the key is in the message for model checks)."""
    message = err["msg"].removeprefix("Value error, ")
    key = ".".join(str(p) for p in err["loc"]).upper()
    return f"{key}: {message}" if key and not message.startswith(key) else message

"""/privacy's text: the deployer's contact line appears only when PRIVACY_CONTACT is set,
and the retention periods it states are the ones the purge uses."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.content import load_content
from bot.handlers.privacy import privacy_text
from bot.handlers.reminder_context import Ctx
from bot.retention import PLAN_DAYS, REMINDER_DAYS


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_contact_line_only_when_configured(content, lang: str) -> None:
    c = Ctx(content, lang, ZoneInfo("Asia/Phnom_Penh"), datetime.now(UTC), None, 1, 1)  # type: ignore[arg-type]
    plain = privacy_text(c, None)
    with_contact = privacy_text(c, "privacy@example.org <ops>")
    assert str(REMINDER_DAYS) in plain and str(PLAN_DAYS) in plain
    assert "example.org" not in plain
    assert with_contact.startswith(plain) and "privacy@example.org &lt;ops&gt;" in with_contact

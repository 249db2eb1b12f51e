"""Pure parts of issue #12: Smart's card table and amounts typed by people, the number's
lifecycle stages in time, and the near moments a reminder may be moved to."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.content import CONTENT_DIR
from bot.core.lifecycle import parse_lifecycle, stage_begins, stage_reminders
from bot.core.schedule import soon_choices
from bot.core.validity import find_amount, format_cents, parse_table, valid_until

PP = ZoneInfo("Asia/Phnom_Penh")


def data(name: str) -> dict:
    return yaml.safe_load((CONTENT_DIR / "facts" / name).read_text(encoding="utf-8"))


def test_smart_table_is_the_fact_base_table() -> None:
    table = parse_table(data("smart-validity.yaml"))
    assert table.source == "https://www.smart.com.kh/km/get-smart/top-up/"
    assert {format_cents(c.cents): c.days for c in table.cards} == {
        "$1": 8,
        "$1.25": 8,
        "$2": 15,
        "$2.50": 16,
        "$5": 40,
        "$10": 70,
        "$20": 100,
        "$50": 200,
    }
    assert [format_cents(c.cents) for c in table.dollar_cards()] == [
        "$1", "$2", "$5", "$10", "$20", "$50"
    ]  # fmt: skip
    assert table.days_for(1000) == 70 and table.days_for(700) is None
    assert valid_until(date(2026, 3, 10), 70) == date(2026, 5, 19)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("smart $10", 1000),
        ("smart 10$", 1000),
        ("US$ 2.5", 250),
        ("10 usd", 1000),
        ("20 dollars", 2000),
        ("50美元", 5000),
        ("5美金", 500),
        ("10,000 riel", 250),
        ("5000៛", 125),
        ("$99999999999", 9999999999900),
        ("2026-12-31", None),
        ("10GB", None),
        ("", None),
    ],
)
def test_amounts_people_type(text: str, cents: int | None) -> None:
    found = find_amount(text)
    assert (found.cents if found else None) == cents


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError):
        parse_table({"operator": "smart", "source": "", "cards": [{"cents": 100, "days": 8}]})
    with pytest.raises(ValueError):
        parse_table({"operator": "smart", "source": "https://x", "cards": []})
    with pytest.raises(ValueError):
        parse_lifecycle({"sources": ["https://x"], "stages": [{"id": "a", "starts": 0}]})
    with pytest.raises(ValueError):
        parse_lifecycle(
            {"sources": ["https://x"], "stages": [{"id": "a", "starts": 5, "warn_days": 5}]}
        )


def test_lifecycle_follows_the_trc_rule() -> None:
    life = parse_lifecycle(data("number-lifecycle.yaml"))
    expiry = date(2026, 3, 20)
    begins = {s.id: stage_begins(expiry, s) for s in life.stages}
    assert begins == {
        "outgoing_stopped": date(2026, 3, 21),  # at once
        "incoming_stopped": date(2026, 5, 20),  # after 60 days
        "terminated": date(2026, 6, 19),  # after 90
        "resold": date(2026, 9, 17),  # after another 90 for a restore request
    }
    assert life.last.id == "resold" and "metfone" in life.confirmed_by_operator
    now = datetime(2026, 5, 14, 0, 0, tzinfo=UTC)  # past the incoming-stop warning
    ahead = stage_reminders(expiry, life, time(9, 0), PP, now)
    assert [(r.stage.id, r.send_at.astimezone(PP).isoformat()) for r in ahead] == [
        ("terminated", "2026-06-12T09:00:00+07:00"),
        ("resold", "2026-09-10T09:00:00+07:00"),
    ]
    with pytest.raises(ValueError):
        stage_reminders(expiry, life, time(9, 0), PP, datetime(2026, 5, 14))


@pytest.mark.parametrize(
    ("local", "last_day", "names"),
    [
        ("2026-03-10 12:00", None, ["hour", "evening", "morning"]),
        ("2026-03-10 19:30", None, ["hour", "morning"]),  # 20:00 is not after "in an hour"
        ("2026-03-10 12:00", date(2026, 3, 10), ["hour", "evening"]),  # expiry today
        ("2026-03-10 23:30", date(2026, 3, 10), ["hour"]),
        ("2026-03-10 08:30", None, ["hour", "evening", "morning"]),
    ],
)
def test_soon_choices_are_only_moments_ahead(local: str, last_day, names) -> None:
    now = datetime.fromisoformat(local).replace(tzinfo=PP)
    choices = soon_choices(now, PP, last_day=last_day)
    assert [n for n, _ in choices] == names
    assert all(when > now for _, when in choices)


def test_a_broken_facts_file_is_reported_with_its_name(tmp_path) -> None:
    import shutil

    from bot.content import ContentError
    from bot.reminders.facts import facts

    shutil.copytree(CONTENT_DIR / "facts", tmp_path / "facts")
    (tmp_path / "facts" / "number-lifecycle.yaml").write_text("stages: []\nsources: []\n")
    with pytest.raises(ContentError, match=r"number-lifecycle\.yaml"):
        facts(tmp_path)

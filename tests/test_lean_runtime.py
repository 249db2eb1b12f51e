"""The running bot stays lean: no OpenCC phrase tables, no modules start-up does not use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.content import (
    CONTENT_DIR,
    DERIVED_ZH_HANT,
    derive_zh_hant,
    load_categories,
    load_derived,
    load_faq,
)
from bot.core.text import has_simplified_only

ROOT = Path(__file__).resolve().parents[1]


def test_precomputed_zh_hant_questions_are_current(content):
    committed = load_derived(CONTENT_DIR / DERIVED_ZH_HANT)
    assert committed == derive_zh_hant(content.faq), (
        f"content/{DERIVED_ZH_HANT} is out of date: run `uv run renewal-bot check-content`"
    )


def test_questions_missing_from_the_precomputed_file_are_converted_at_load(content):
    categories = load_categories(CONTENT_DIR / "categories.yaml")
    converted = load_faq(CONTENT_DIR / "faq", categories, list(content.codes.operators), {})
    assert {k: e.questions for k, e in converted.items()} == {
        k: e.questions for k, e in content.faq.items()
    }


def test_a_stale_precomputed_form_is_ignored_for_questions_it_lacks(content):
    categories = load_categories(CONTENT_DIR / "categories.yaml")
    entry = next(iter(content.faq.values()))
    first = entry.questions["zh-Hans"][0]
    partial = {q: t for q, t in derive_zh_hant(content.faq).items() if q != first}
    loaded = load_faq(CONTENT_DIR / "faq", categories, list(content.codes.operators), partial)
    assert loaded[entry.id].questions["zh-Hant"] == entry.questions["zh-Hant"]


def test_simplified_only_characters():
    assert has_simplified_only("怎么充值")  # 么
    assert not has_simplified_only("怎麼儲值")
    assert not has_simplified_only("信息")  # shared characters, though Taiwan says 資訊
    assert not has_simplified_only("smart 123")


PROBE = """
import json, sys
from bot.content import load_content
from bot.core import text
from bot.core.answers import build_matcher, reply_language, respond
content = load_content()
matcher = build_matcher(content)
replies = [respond(content, matcher, q, "zh-Hant").text for q in ("怎麼儲值", "怎么查余额", "信息")]
langs = [reply_language(q, "zh-Hant") for q in ("怎麼儲值", "怎么查余额", "信息")]
print(json.dumps({"phrase_tables_built": text._s2twp.cache_info().currsize,
                  "langs": langs, "answered": all(replies)}))
"""


def test_answering_in_every_script_needs_no_phrase_tables() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {
        "phrase_tables_built": 0,
        "langs": ["zh-Hant", "zh-Hans", "zh-Hant"],
        "answered": True,
    }


async def test_polling_starts_before_the_menus_are_set(fake_api, bot_settings, ptb_timedelta):
    from bot.service import _start, build_runtime_application, polling
    from tests.helpers import shared_content

    content, matcher = shared_content()
    application = build_runtime_application(bot_settings(), content=content, matcher=matcher)
    await _start(application)  # initialize and post_init: what runs before the first poll
    assert fake_api.calls_of("setMyCommands") == []
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)

    application = build_runtime_application(bot_settings(), content=content, matcher=matcher)
    async with polling(application):
        await fake_api.wait_for("setMyCommands", count=9)
        await fake_api.wait_for("setMyShortDescription", count=3)


HEALTH_PROBE = """
import contextlib, io, json, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["health", "--json"])
heavy = ("telegram", "tornado", "bot.app", "bot.content", "yaml", "opencc", "numpy")
print(json.dumps({"code": code, "report": json.loads(out.getvalue()),
                  "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def test_health_reads_the_heartbeat_without_the_bot_runtime(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "TELEGRAM_"))}
    env["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    done = subprocess.run(
        [sys.executable, "-c", HEALTH_PROBE],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 1  # no bot has run here: unhealthy, said without the runtime
    assert "no heartbeat" in " ".join(report["report"]["problems"])
    assert report["loaded"] == []


def test_the_character_table_flags_exactly_what_s2t_changes() -> None:
    import unicodedata

    import opencc

    from bot.core.text import _st_characters

    s2t, table = opencc.OpenCC("s2t"), _st_characters()
    ranges = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
    chars = [unicodedata.normalize("NFKC", chr(i)) for a, b in ranges for i in range(a, b)]
    assert [c for c in chars if (s2t.convert(c) != c) != (table.convert(c) != c)] == []
    assert sum(table.convert(c) != c for c in chars) > 2000  # it does flag Simplified ones

"""The real content is complete and true to the sources; bad content fails clearly."""

import re
from pathlib import Path

import pytest
import yaml
from conftest import require_shared

from bot.content import CONTENT_DIR, LANGS, ContentError, load_content


@pytest.fixture(scope="module")
def content():
    return load_content()


def test_every_public_topic_id_has_an_entry(content):
    topics = require_shared("faq-topics.md")
    ids = set(re.findall(r"^\| `([a-z0-9-]+)` \|", topics.read_text(encoding="utf-8"), re.M))
    assert len(ids) >= 28
    assert ids <= set(content.faq), f"missing: {sorted(ids - set(content.faq))}"


def test_sources_are_verified_urls(content):
    facts = require_shared("telecom-facts.md")
    text = facts.read_text(encoding="utf-8")
    for entry in content.faq.values():
        for url in entry.sources:
            assert url in text, f"{entry.id}: source not in telecom-facts.md: {url}"


def test_entries_meet_the_minimums(content):
    for entry in content.faq.values():
        assert len(entry.questions["zh-Hans"]) >= 8, entry.id
        assert len(entry.questions["en"]) >= 5, entry.id
        assert entry.questions["zh-Hant"], entry.id
        assert all(entry.answer[lang] for lang in LANGS), entry.id


@pytest.mark.parametrize(
    "pattern",
    [
        r"\*100#",  # not Metfone's hotline
        r"\*101#",  # unverified CooTel code
        r"t\.me/",  # no Telegram channel adverts
        r"\*888#",  # Smart balance code is third-party only
        r"\*097#",  # Metfone balance code is third-party only
    ],
)
def test_answers_avoid_known_errors(content, pattern):
    for entry in content.faq.values():
        for lang, answer in entry.answer.items():
            assert not re.search(pattern, answer), f"{entry.id} {lang} matches {pattern}"


def test_truemove_is_only_named_as_thai(content):
    for entry in content.faq.values():
        for lang, answer in entry.answer.items():
            for sentence in re.split(r"[。.\n]", answer):
                if "truemove" in sentence.lower():
                    assert re.search(r"(?i)thai|泰", sentence), f"{entry.id} {lang}: {sentence}"


def _copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    import shutil

    shutil.copytree(CONTENT_DIR, root)
    return root


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d.update(colour="red"), "colour", "unknown field"),
        (lambda d: d["answer"].pop("zh-Hant"), "answer", "missing language"),
        (lambda d: d.update(related=["no-such-topic"]), "related", "unknown id"),
        (lambda d: d["answer"].update(en="x" * 4100), "answer", "4096"),
        (lambda d: d.update(sources=[]), "sources", "at least one source"),
        (lambda d: d["answer"].update(en="<b>bold"), "answer", "never closed"),
        (lambda d: d["answer"].update(en="a < b"), "answer", "bare"),
        (lambda d: d.update(category="nope"), "category", "unknown category"),
        (lambda d: d.update(operators=["truemove"]), "operators", "unknown operator"),
        (lambda d: d["questions"].update(en=["one"]), "questions", "at least 5 en"),
    ],
)
def test_bad_faq_entry_is_located(tmp_path, change, field, message):
    root = _copy_content(tmp_path)
    path = root / "faq" / "keep-number.yaml"
    _edit(path, change)
    with pytest.raises(ContentError) as err:
        load_content(root)
    assert err.value.file.endswith("keep-number.yaml")
    assert err.value.entry == "keep-number"
    assert err.value.field == field
    assert message in str(err.value)


def test_duplicate_id_is_located(tmp_path):
    root = _copy_content(tmp_path)
    (root / "faq" / "zz-copy.yaml").write_text(
        (root / "faq" / "keep-number.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(ContentError, match="duplicate id") as err:
        load_content(root)
    assert err.value.field == "id"


def test_broken_yaml_names_the_file(tmp_path):
    root = _copy_content(tmp_path)
    (root / "synonyms.yaml").write_text("groups: [unclosed", encoding="utf-8")
    with pytest.raises(ContentError, match="not valid YAML") as err:
        load_content(root)
    assert err.value.file.endswith("synonyms.yaml")


def test_text_placeholders_must_agree(tmp_path):
    root = _copy_content(tmp_path)
    path = root / "texts" / "common.yaml"
    _edit(path, lambda d: d["welcome"].update(en="Hi {nme}!"))
    with pytest.raises(ContentError, match="placeholders differ") as err:
        load_content(root)
    assert err.value.entry == "welcome"


def test_text_missing_language(tmp_path):
    root = _copy_content(tmp_path)
    _edit(root / "texts" / "common.yaml", lambda d: d["help"].pop("zh-Hant"))
    with pytest.raises(ContentError, match="missing language") as err:
        load_content(root)
    assert err.value.entry == "help"


def test_texts_escape_arguments(content):
    assert "&lt;b&gt;" in content.texts("welcome", "en", name="<b>")

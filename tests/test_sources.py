"""content/sources.yaml names every cited page, and nothing else; bad entries fail clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.content import CONTENT_DIR, LANGS, ContentError, load_content
from bot.core.sources import sources_line
from bot.sources import KINDS, load_sources, validate_sources


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture(scope="module")
def book():
    return load_sources()


def test_citations_and_the_source_list_agree(content, book):
    assert validate_sources(content, book) == []


def test_every_source_is_named_typed_and_dated(book):
    assert book
    for source in book.values():
        assert all(source.name[lang].strip() for lang in LANGS)
        assert source.kind in KINDS
        assert source.checked == "2026-11"


def test_image_sources_say_they_are_photos(book):
    for url, source in book.items():
        if url.endswith((".webp", ".png", ".jpg")):
            assert "photo" in source.name["en"], url
            assert "照片" in source.name["zh-Hans"] and "照片" in source.name["zh-Hant"], url


def test_the_sources_line_names_links_and_dates(content, book):
    entry = content.faq["topup-retail"]
    line = sources_line(book, entry.sources, "en", content.texts)
    assert line.startswith("Sources: ") and line.endswith(" · <i>checked 2026-11</i>")
    assert 'href="https://www.smart.com.kh/km/get-smart/top-up/">Smart – Top-up</a>' in line
    assert line.count("<a ") == len(set(entry.sources))
    assert "來源：" in sources_line(book, entry.sources, "zh-Hant", content.texts)
    assert sources_line(book, ["https://example.com/unknown"], "en", content.texts) == ""


def test_names_fill_a_budget_and_further_pages_are_numbered(content, book):
    urls = list(book)[:8]
    line = sources_line(book, [*urls, urls[0]], "en", content.texts)
    assert line.count("<a ") == 8, "each page once"
    assert book[urls[0]].name["en"] in line
    assert '">8</a>' in line


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    return root


def test_an_uncited_entry_and_an_unnamed_citation_are_both_reported(tmp_path):
    root = _copy(tmp_path)
    path = root / "sources.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    dropped = data.pop(0)["url"]
    data.append(
        {
            "url": "https://example.com/nobody-cites-this",
            "kind": "news",
            "checked": "2026-11",
            "name": {lang: "x" for lang in LANGS},
        }
    )
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = validate_sources(load_content(root), load_sources(path))
    assert any(dropped in p and "no entry" in p for p in problems)
    assert any("nobody-cites-this" in p and "nothing cites" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda s: s["name"].pop("zh-Hant"), "name", "needs a name"),
        (lambda s: s.update(kind="blog"), "kind", "kind must be one of"),
        (lambda s: s.update(checked="November"), "checked", "YYYY-MM"),
        (lambda s: s.update(url="smart.com.kh"), "url", "not a URL"),
        (lambda s: s.update(colour="red"), "colour", "Extra inputs"),
    ],
)
def test_a_bad_source_is_located(tmp_path, change, field, message):
    path = _copy(tmp_path) / "sources.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data[0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_sources(path)
    assert err.value.field == field
    assert message in str(err.value)


def test_a_duplicate_source_is_located(tmp_path):
    path = _copy(tmp_path) / "sources.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.append(data[0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="listed twice"):
        load_sources(path)

"""The catalogues are complete and current: every zh_CN message translated and not fuzzy, the
committed template equal to what the code marks today, each ``.mo`` equal to its ``.po``, and
every translation keeping its message's placeholders (a missing ``{mm}`` would raise at run
time, an extra one would print a brace)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from rectoplan.i18n.catalogues import mo_path, po_path
from rectoplan.i18n.extract import POT_PATH, extract_catalog
from rectoplan.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES

TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != DEFAULT_LOCALE]
GLOSSARY = Path(__file__).resolve().parents[2] / "docs" / "glossary-zh.md"


def _po(locale: str):
    with po_path(locale).open("rb") as fp:
        return read_po(fp, locale=locale)


def _keys(catalog) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def test_template_is_current_with_the_code():
    """Extract afresh and compare messages (not dates or line numbers) with the committed .pot."""
    with POT_PATH.open("rb") as fp:
        committed = read_po(fp)
    fresh = extract_catalog()
    added = _keys(fresh) - _keys(committed)
    removed = _keys(committed) - _keys(fresh)
    assert not added and not removed, (
        f"run `python -m rectoplan.i18n.extract`: new {sorted(added)[:5]}, "
        f"gone {sorted(removed)[:5]}"
    )


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue_has_every_template_message(locale):
    with POT_PATH.open("rb") as fp:
        template = read_po(fp)
    assert _keys(_po(locale)) == _keys(template)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(locale):
    catalog = _po(locale)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"untranslated in {locale}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {locale}: {fuzzy[:10]}"


def _fields(text: str) -> set[str]:
    """Both placeholder styles: ``{name}`` (Python's ``.format``) and ``%(name)s`` (templates,
    where Jinja's gettext formats with ``%``)."""
    braces = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    return braces | set(re.findall(r"%\((\w+)\)[sd]", text))


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_the_placeholders(locale):
    wrong = [
        (m.id, m.string)
        for m in _po(locale)
        if m.id and isinstance(m.id, str) and _fields(m.id) != _fields(m.string)
    ]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_compiled_catalogue_holds_exactly_the_po(locale):
    """The .mo is committed (a clean clone needs no build step), so it must not drift."""
    with mo_path(locale).open("rb") as fp:
        compiled = read_mo(fp)
    po = _po(locale)
    strings = {(m.context, m.id): m.string for m in po if m.id}
    assert {(m.context, m.id): m.string for m in compiled if m.id} == strings, (
        "run `python -m rectoplan.i18n.compile`"
    )


@pytest.mark.parametrize("locale", TRANSLATED)
def test_chinese_uses_full_width_parentheses_around_chinese_text(locale):
    """Glossary rule 5: a parenthesis opened after a Chinese character is full-width."""
    half = [m.string for m in _po(locale) if m.id and re.search(r"[\u4e00-\u9fff]\(", m.string)]
    assert not half, half[:5]


def _glossary_terms() -> dict[str, str]:
    """English term -> zh-CN term, for the glossary rows whose English cell is one plain phrase
    and whose zh-CN cell is one term (no alternatives)."""
    terms = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or cells[0] in ("English term", "---"):
            continue
        english, chinese = cells[0], cells[1]
        if re.fullmatch(r"[A-Za-z][A-Za-z -]*", english) and not re.search(r"[/；;]", chinese):
            terms[english.lower()] = chinese
    return terms


def test_catalogue_follows_the_glossary_for_its_own_terms():
    """A message that is exactly a glossary term is translated by the glossary's term
    (rule 1: the catalogue follows the glossary); the comparison ignores a trailing
    abbreviation in parentheses, which rule 4 adds on first mention."""
    terms = _glossary_terms()
    assert len(terms) > 50  # the parser found the tables
    catalog = _po("zh_CN")
    checked, wrong = 0, []
    for m in catalog:
        if not m.id or not isinstance(m.id, str) or m.id.lower() not in terms:
            continue
        expected = re.sub(r"（[^）]*）$", "", terms[m.id.lower()])
        checked += 1
        if expected not in m.string:
            wrong.append((m.id, m.string, expected))
    assert checked >= 10
    assert not wrong, wrong

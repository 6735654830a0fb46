"""The engine in Simplified Chinese: every example case assesses under zh_CN with the same
answer as in English (ids, strengths, evidence, codes), every option title is the catalogue's
Chinese title, and no placeholder or English sentence is left in a displayed text.

The Chinese titles are read from the .po file with Babel's own reader, independently of the
gettext path the engine uses, so a wrong catalogue lookup would show here.
"""

from __future__ import annotations

import json
import re
import string
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from rectoplan.clinical.case import Case
from rectoplan.i18n import use_locale
from rectoplan.i18n.catalogues import po_path
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Assessment, catalogue

CASES = Path(__file__).resolve().parents[2] / "examples" / "cases"
FILES = sorted(p.name for p in CASES.glob("*.json") if p.name != "EXPECTED.json")
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_PHRASE = re.compile(r"\b[a-z]{3,} (?:the |a |of |to |and |or |in )?[a-z]{3,}\b")
"""Two lower-case English words in a row: a sentence the catalogue missed. Codes, trial names,
drug names and units are capitalised or contain digits, so they do not match."""


@cache
def zh_strings() -> dict[str, str]:
    with po_path("zh_CN").open("rb") as fp:
        return {m.id: m.string for m in read_po(fp) if m.id and not m.context}


@cache
def case(name: str) -> Case:
    return Case.model_validate(json.loads((CASES / name).read_text(encoding="utf-8")))


def assessed(name: str, locale: str) -> Assessment:
    with use_locale(locale):
        return assess(case(name))


def displayed(a: Assessment) -> list[str]:
    """Every text a person reads in an assessment."""
    texts = [f.label for f in a.findings] + [f.derivation for f in a.findings]
    texts += [w.message for w in a.warnings]
    for r in a.recommendations:
        texts += [r.title, *r.rationale, *r.next_steps]
        texts += [c.name for c in r.criteria] + [c.detail for c in r.criteria]
    if a.stage is not None:
        texts.append(a.stage.basis)
    return texts


@pytest.mark.parametrize("name", FILES)
def test_every_example_assesses_in_chinese_with_the_english_answer(name):
    english, chinese = assessed(name, "en"), assessed(name, "zh_CN")
    assert [(r.id, r.strength, r.evidence) for r in chinese.recommendations] == [
        (r.id, r.strength, r.evidence) for r in english.recommendations
    ]
    assert [(f.id, f.evidence) for f in chinese.findings] == [
        (f.id, f.evidence) for f in english.findings
    ]
    assert [w.field for w in chinese.warnings] == [w.field for w in english.warnings]
    assert (chinese.phase, chinese.risk_group, chinese.pathways) == (
        english.phase,
        english.risk_group,
        english.pathways,
    )
    assert [len(r.rationale) for r in chinese.recommendations] == [
        len(r.rationale) for r in english.recommendations
    ]


@pytest.mark.parametrize("name", FILES)
def test_option_titles_are_the_catalogue_chinese_titles(name):
    titles = {option.id: option.title for option in catalogue().values()}
    for rec in assessed(name, "zh_CN").recommendations:
        english = titles[rec.id]
        assert rec.title == zh_strings()[english]
        assert rec.title != english and CJK.search(rec.title)


@pytest.mark.parametrize("name", FILES)
def test_no_placeholder_or_english_sentence_is_left(name):
    for text in displayed(assessed(name, "zh_CN")):
        fields = [f for _, f, _, _ in string.Formatter().parse(text.replace("%", "")) if f]
        assert not fields, f"placeholder left in {text!r}"
        assert not ENGLISH_PHRASE.search(text), f"English left in {text!r}"


def test_seed001_diagnosis_in_chinese_names_the_glossary_operations():
    """The seed-001 diagnosis: the plan leads with organ preservation and names the coloanal
    operation in the glossary's words (超低位前切除术＋结肠肛管吻合, 等待观察)."""
    a = assessed("seed001_1_diagnosis.json", "zh_CN")
    titles = " ".join(r.title for r in a.recommendations)
    assert "超低位前切除术＋结肠肛管吻合" in titles
    assert "等待观察" in titles
    assert a.stage is not None and a.stage.group == "IIIB"  # the code stays ASCII


def test_locale_does_not_leak_between_assessments():
    """A Chinese assessment inside ``use_locale`` leaves the next one English."""
    assessed("seed001_1_diagnosis.json", "zh_CN")
    english = assess(case("seed001_1_diagnosis.json"))
    assert not any(CJK.search(t) for t in displayed(english))

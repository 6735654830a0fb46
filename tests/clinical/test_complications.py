"""Clavien–Dindo parsing and the Comprehensive Complication Index (domain notes §4.1–4.2)."""

from __future__ import annotations

import pytest

from rectoplan.clinical.complications import (
    CCI_WEIGHTS,
    ClavienDindo,
    GradedComplication,
    comprehensive_complication_index,
    parse_clavien_dindo,
)


@pytest.mark.parametrize(
    ("grades", "cci"),
    [
        (["I"], 8.7),
        (["I", "II"], 22.6),
        (["IIIb"], 33.7),
        (["IVb"], 46.2),
        (["V"], 100.0),
        (["I", "II", "V"], 100.0),
        ([], 0.0),
    ],
)
def test_cci_examples_from_the_domain_notes(grades, cci):
    assert round(comprehensive_complication_index(grades), 1) == cci


def test_cci_weights_are_the_published_ones():
    assert {str(grade): weight for grade, weight in CCI_WEIGHTS.items()} == {
        "I": 300,
        "II": 1750,
        "IIIa": 2750,
        "IIIb": 4550,
        "IVa": 7200,
        "IVb": 8550,
    }


def test_cci_is_capped_at_100():
    # five IVb complications: sqrt(5 * 8550) / 2 = 103.4 before the cap
    assert comprehensive_complication_index([ClavienDindo.IVb] * 5) == 100.0


def test_cci_accepts_enums_parsed_grades_and_spellings():
    mixed = [ClavienDindo.I, GradedComplication(ClavienDindo.II, disability=True), "2"]
    # 300 + 1750 + 1750 = 3800 -> sqrt(3800) / 2 = 30.8
    assert round(comprehensive_complication_index(mixed), 1) == 30.8


@pytest.mark.parametrize(
    ("text", "grade", "disability"),
    [
        ("I", "I", False),
        ("1", "I", False),
        ("ii", "II", False),
        ("IIIa", "IIIa", False),
        ("3a", "IIIa", False),
        ("IIIA", "IIIa", False),
        ("3b", "IIIb", False),
        ("IVa", "IVa", False),
        ("4b", "IVb", False),
        ("V", "V", False),
        ("5", "V", False),
        ("IIIb-d", "IIIb", True),
        ("IVa(d)", "IVa", True),
        ("2d", "II", True),
        ("grade IIIa", "IIIa", False),
    ],
)
def test_parser_reads_report_spellings(text, grade, disability):
    assert parse_clavien_dindo(text) == GradedComplication(ClavienDindo(grade), disability)
    assert ClavienDindo.parse(text) is ClavienDindo(grade)


@pytest.mark.parametrize("text", ["III", "IV", "4", "IIa", "6", "VI", "", "mild", "V-d"])
def test_parser_refuses_what_is_not_a_grade(text):
    with pytest.raises(ValueError, match=r"Clavien|grade V"):
        parse_clavien_dindo(text)

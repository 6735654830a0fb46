"""Clinical words for fields, values and validator messages (never ids, enum values or paths)."""

from __future__ import annotations

import pytest

from rectoplan.clinical.case import Approach, OperationType
from rectoplan.clinical.complications import CLAVIEN_DINDO_DEFINITIONS, ClavienDindo
from rectoplan.clinical.risk import RiskGroup
from rectoplan.reports import labels


@pytest.mark.parametrize(
    ("path", "message", "expected"),
    [
        (
            "tumour.longest_diameter_cm",
            "Input should be less than or equal to 30",
            "Longest tumour diameter must be at most 30 cm",
        ),
        ("mri.mrf_distance_mm", "Input should be greater than or equal to 0", None),
        ("operations[1].date", "Field required", "Operation 2: date is required"),
        ("patient.sex", "Input should be 'male', 'female' or 'other'", None),
    ],
)
def test_a_validator_message_names_its_field_in_clinical_words(path, message, expected):
    text = labels.field_message(path, message)
    if expected is not None:
        assert text == expected
    assert "Input should" not in text and "_" not in text and "." not in text.split(" ")[0]


def test_every_operation_approach_and_risk_group_has_words_not_an_enum_value():
    for value in (*OperationType, *Approach, *RiskGroup):
        text = labels.label(value)
        assert "_" not in text and text, value
    assert labels.label(RiskGroup.locally_advanced) == "locally advanced"
    assert labels.label(OperationType.isr_partial) == "Partial intersphincteric resection (ISR)"


def test_every_clavien_dindo_grade_is_offered_with_its_definition():
    assert set(CLAVIEN_DINDO_DEFINITIONS) == set(ClavienDindo)
    text = labels.clavien_dindo(ClavienDindo.IIIa, with_definition=True)
    assert text.startswith("Clavien–Dindo IIIa: ") and "not under general anaesthesia" in text


def test_a_list_is_written_as_text():
    assert labels.listed(["EMVI positive"]) == "EMVI positive"
    assert labels.listed(["liver", "lung", "peritoneum"]) == "liver, lung and peritoneum"
    assert labels.shown(["EMVI positive"]) == "EMVI positive"
    assert labels.shown(None) == "—"

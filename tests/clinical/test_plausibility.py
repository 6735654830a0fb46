"""What makes a case something else, by the sources' own definitions (clinical-guidelines.md,
"Extent of the rectum"): ESMO 15 cm and SEER 16 cm on a rigid scope, the sigmoid take-off on
MRI; a date in the future; an age that the birth year contradicts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from rectoplan.clinical.case import Case
from rectoplan.clinical.plausibility import age_contradiction, future_dates, rectum_extent
from rectoplan.pathways import assess

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cases" / "seed001_1_diagnosis.json"


def _case(**tumour) -> dict:
    data = json.loads(EXAMPLE.read_text())
    data["tumour"] = data["tumour"] | tumour
    return data


@pytest.mark.parametrize(
    ("cm", "modality", "refused", "warned"),
    [
        (15.0, "rigid_sigmoidoscopy", False, False),  # ESMO: up to 15 cm is rectum
        (15.5, "rigid_sigmoidoscopy", False, True),  # between ESMO 15 and SEER 16
        (16.5, "rigid_sigmoidoscopy", True, False),  # beyond every rigid-scope definition
        (18.0, "mri", False, True),  # MRI: the sigmoid take-off decides, not a distance
        (18.0, "colonoscopy", False, True),
        (18.0, None, False, True),
        (40.0, "colonoscopy", True, False),  # no modality's bias reaches this far
        (6.0, None, False, False),
    ],
)
def test_a_tumour_above_the_rectum_is_refused_or_warned_by_the_measuring_modality(
    cm, modality, refused, warned
):
    refusal, warning = rectum_extent(cm, modality)
    assert (refusal is not None, warning is not None) == (refused, warned)


def test_the_case_refuses_a_rigid_scope_height_above_16_cm_naming_the_field():
    with pytest.raises(ValidationError) as caught:
        Case.model_validate(
            _case(distance_from_anal_verge_cm=17, height_modality="rigid_sigmoidoscopy")
        )
    assert "tumour.distance_from_anal_verge_cm" in str(caught.value)
    assert "not a rectal tumour" in str(caught.value)


def test_the_engine_repeats_the_warning_for_a_height_it_cannot_place():
    case = Case.model_validate(_case(distance_from_anal_verge_cm=17, height_modality="mri"))
    warnings = [w for w in assess(case).warnings if w.field == "tumour.distance_from_anal_verge_cm"]
    assert len(warnings) == 1 and "sigmoid take-off" in warnings[0].message


def test_a_future_date_anywhere_is_refused_by_its_path():
    data = _case()
    data["diagnosis_date"] = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    with pytest.raises(ValidationError, match=r"diagnosis_date: .* is in the future"):
        Case.model_validate(data)
    case = Case.model_validate(_case())
    assert future_dates(case, dt.date(1990, 1, 1))  # the seed's dates lie after 1990
    assert future_dates(case, dt.date.today()) == []


@given(
    born=st.integers(1900, 2020),
    day=st.dates(dt.date(2000, 1, 1), dt.date(2026, 12, 31)),
    age=st.integers(0, 120),
)
def test_an_age_fits_a_birth_year_exactly_when_the_years_differ_by_it_or_one_more(born, day, age):
    fits = age_contradiction(age, born, day) is None
    assert fits == (day.year - born - 1 <= age <= day.year - born)

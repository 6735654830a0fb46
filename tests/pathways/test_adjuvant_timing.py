"""Adjuvant chemotherapy after surgery alone: by stage, by ESMO risk, and by time since the
resection read from the case's own dates.

The rules checked (not one example): stage III (pN+) is treated, high-risk stage II is treated,
low-risk stage II is only an option (ESMO colon 2020 high-risk list: pT4, < 12 nodes, G3, LVI,
PNI); whatever the stage, once the latest date in the case is past the named window after the
resection (`adjuvant_chemotherapy_window_weeks`; Biagi 2011, survival falls per 4-week delay) it
is never the preferred option.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from rectoplan.clinical.case import Case
from rectoplan.clinical.thresholds import DEFAULT_THRESHOLDS, Thresholds
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Strength

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"


def load_example(name: str) -> dict:
    """An example case as a fresh dict (not conftest's: tests/web has a conftest of its own)."""
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


ADJUVANT = "primary.postop.adjuvant_chemotherapy"
SURGERY_DATE = dt.date(2025, 2, 3)
BASE = load_example("after_tme_pt3n1_upfront_adjuvant_chemo.json")


def _case(nodes_positive=0, t="pT3", days_later=None, **pathology) -> dict:
    data = copy.deepcopy(BASE)
    data["pathology"].update(t=t, nodes_positive=nodes_positive, **pathology)
    data["operations"][0]["date"] = SURGERY_DATE.isoformat()
    if days_later is not None:
        data["complications"] = [
            {
                "description": "review in clinic",
                "clavien_dindo": "I",
                "date": (SURGERY_DATE + dt.timedelta(days=days_later)).isoformat(),
            }
        ]
    return data


def _strength(data, thresholds=DEFAULT_THRESHOLDS):
    rec = assess(Case.model_validate(data), thresholds).recommendation(ADJUVANT)
    return rec.strength if rec else None


HIGH_RISK_STAGE_TWO = [
    {"t": "pT4a"},
    {"nodes_examined": 8},
    {"grade": "G3"},
    {"lvi": True},
    {"pni": True},
]


@pytest.mark.parametrize("feature", HIGH_RISK_STAGE_TWO)
def test_each_high_risk_feature_alone_makes_stage_two_treated(feature):
    feature = dict(feature)
    t = feature.pop("t", "pT3")
    assert _strength(_case(t=t, **feature)) is Strength.preferred


def test_low_risk_stage_two_is_never_preferred():
    strength = _strength(_case(nodes_examined=16, grade="G2", lvi=False, pni=False))
    assert strength is not None and strength is not Strength.preferred


def test_unknown_risk_features_are_asked_for_while_it_matters():
    data = _case(nodes_examined=16)
    for field in ("grade", "lvi", "pni"):
        data["pathology"].pop(field, None)
    a = assess(Case.model_validate(data))
    assert {"pathology.grade", "pathology.lvi", "pathology.pni"} <= {w.field for w in a.warnings}


@pytest.mark.parametrize("window", [8.0, 12.0, 26.0])
@pytest.mark.parametrize("days", [0, 28, 55, 56, 57, 83, 84, 85, 140, 182, 183, 280])
def test_stage_three_is_preferred_only_inside_the_window(window, days):
    th = Thresholds(adjuvant_chemotherapy_window_weeks=window)
    strength = _strength(_case(nodes_positive=2, days_later=days), th)
    inside = days / 7 <= window
    assert (strength is Strength.preferred) is inside
    assert strength is not None  # still listed: the MDT may give it if it was never given


def test_the_stenosis_record_dates_the_consultation():
    """A stenosis seen N months after surgery is assessed N months after it."""
    data = load_example("stenosis_short_refractory_electroincision.json")
    data["pathology"]["nodes_positive"] = 2
    months = DEFAULT_THRESHOLDS.adjuvant_chemotherapy_window_weeks / 4.345
    data["stenosis"]["months_since_surgery"] = round(months) - 1
    assert _strength(data) is Strength.preferred
    data["stenosis"]["months_since_surgery"] = round(months) + 2
    assert _strength(data) is Strength.consider


def test_without_a_resection_date_the_timing_is_asked_for():
    data = _case(nodes_positive=2)
    del data["operations"][0]["date"]
    a = assess(Case.model_validate(data))
    assert any(w.field == "operations.date" for w in a.warnings)

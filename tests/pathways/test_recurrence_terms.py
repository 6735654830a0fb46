"""A recurrence described in its own terms: its stage, its operation, its sacrectomy, its kidneys.

Rules checked against their sources, over every combination that matters:
- the stage shown is the recurrence's: M from the distant sites found at recurrence (AJCC 8:
  one organ M1a, several M1b, peritoneum M1c), never the primary's old cTNM;
- a mobile central (anastomotic) recurrence is offered a redo resection (MSKCC's anastomotic
  class; Beyond TME), a fixed one is not;
- a transection through the named segment or higher is a high sacrectomy (2017 sacrectomy
  review: morbidity and stay rise with proximal transection);
- hydronephrosis lowers the strength of surgery whatever compartments are coded (Larsen 2005).
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import pytest

from rectoplan.clinical.case import Case, Compartment
from rectoplan.clinical.sacrum import SACRAL_LEVELS
from rectoplan.clinical.thresholds import Thresholds
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Strength
from rectoplan.pathways.recurrence import is_high_sacrectomy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"


def load_example(name: str) -> dict:
    """An example case as a fresh dict (not conftest's: tests/web has a conftest of its own)."""
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


BASE = load_example("recurrence_anterior_exenteration.json")
SACRAL = load_example("seed002_posterior_recurrence.json")
SURGERY = (
    "recurrence.resection.redo",
    "recurrence.resection.exenteration",
    "recurrence.sacrectomy.laparoscopic",
    "recurrence.sacrectomy.open",
)


def _recurrence(**fields) -> dict:
    data = copy.deepcopy(BASE)
    data["recurrence"].update(fields)
    return data


AJCC_M = [
    ((), "M0"),
    (("lung",), "M1a"),
    (("liver",), "M1a"),
    (("liver", "lung"), "M1b"),
    (("peritoneum",), "M1c"),
    (("liver", "peritoneum"), "M1c"),
]


@pytest.mark.parametrize(("sites", "m"), AJCC_M)
def test_the_stage_is_the_recurrences(sites, m):
    data = _recurrence(distant_sites=list(sites), distant_metastases=bool(sites))
    a = assess(Case.model_validate(data))
    assert a.stage.m == m and a.stage.prefix == "r"
    assert a.stage.t is None and a.stage.n is None  # the primary's cT/cN are not shown as its own
    assert a.stage.group.startswith("Local recurrence")
    assert ("distant metastases" in a.stage.group) is bool(sites)
    assert "the primary was cT3 cN1b" in a.stage.basis  # kept only as context


def test_unknown_distant_staging_at_recurrence_is_asked_for():
    data = _recurrence()
    data["recurrence"].pop("distant_metastases")
    a = assess(Case.model_validate(data))
    assert a.stage.m is None
    assert any(w.field == "recurrence.distant_sites" for w in a.warnings)


@pytest.mark.parametrize(
    ("compartments", "fixed"),
    list(
        itertools.product(
            [("central",), ("central", "anterior_below_pr"), ("central", "inferior")],
            [(), ("anterior_organs",)],
        )
    ),
)
def test_redo_resection_for_a_mobile_central_recurrence_only(compartments, fixed):
    data = _recurrence(compartments=list(compartments), fixed_to=list(fixed))
    a = assess(Case.model_validate(data))
    redo = a.recommendation("recurrence.resection.redo")
    mobile_central = compartments == ("central",) and not fixed
    assert (redo is not None) is mobile_central
    if mobile_central:
        exenteration = a.recommendation("recurrence.resection.exenteration")
        assert redo.strength.rank < exenteration.strength.rank
    else:
        assert a.recommendation("recurrence.resection.exenteration") is not None


@pytest.mark.parametrize("setting", ["S1", "S2", "S3"])
@pytest.mark.parametrize(
    "level", ["S1 body", "S1/S2", "S2", "S2/S3", "S3", "S3/S4", "S4", "S5", "Co1"]
)
def test_high_sacrectomy_is_named_by_the_setting(level, setting):
    top = level.split()[0].split("/")[0]
    expected = SACRAL_LEVELS.index(top) <= SACRAL_LEVELS.index(setting)
    assert is_high_sacrectomy(level, setting) is expected


@pytest.mark.parametrize(("upper_y_mm", "high"), [(-31, True), (-60, False)])
def test_the_sacrectomy_finding_names_its_height(upper_y_mm, high):
    data = copy.deepcopy(SACRAL)
    data["recurrence"]["tumour_upper_extent"]["y_mm"] = upper_y_mm
    data["recurrence"]["tumour_upper_extent"]["x_mm"] = -9 if high else -27
    a = assess(Case.model_validate(data))
    found = {f.id: f.value for f in a.findings}
    assert found["sacrectomy_height"] == ("high sacrectomy" if high else "low sacrectomy")
    open_ = a.recommendation("recurrence.sacrectomy.open")
    assert any("high sacrectomy" in r for r in open_.rationale) is high
    # the setting moves the boundary: with Co1 as the lowest "high" segment every level is high
    lowered = assess(Case.model_validate(data), Thresholds(high_sacrectomy_lowest_level="Co1"))
    assert {f.id: f.value for f in lowered.findings}["sacrectomy_height"] == "high sacrectomy"


def _surgery_rank(a) -> int:
    return min(r.strength.rank for r in a.recommendations if r.id in SURGERY)


@pytest.mark.parametrize(
    "compartments",
    [[c.value] for c in Compartment] + [["central", "posterior"], ["anterior_above_pr"]],
)
@pytest.mark.parametrize("side", [None, "left", "right", "bilateral"])
def test_hydronephrosis_lowers_surgery_in_any_compartment(compartments, side):
    clear = _recurrence(compartments=compartments, fixed_to=[], hydronephrosis=False)
    blocked = _recurrence(compartments=compartments, fixed_to=[], hydronephrosis=True)
    if side:
        blocked["recurrence"]["hydronephrosis_side"] = side
    a_clear = assess(Case.model_validate(clear))
    a_blocked = assess(Case.model_validate(blocked))
    assert _surgery_rank(a_blocked) == _surgery_rank(a_clear) + 1
    warning = next(w for w in a_blocked.warnings if w.field == "recurrence.hydronephrosis")
    if side:
        assert f"{side} hydronephrosis" in warning.message
    assert a_blocked.recommendation("recurrence.non_surgical").strength in (
        Strength.alternative,
        Strength.preferred,
    )

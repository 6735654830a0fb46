"""Recurrence pathway: the seed-002 plan, and contraindications as warnings lowering strength."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rectoplan.cli import app
from rectoplan.clinical.case import Case
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Strength

SEED = Path(__file__).resolve().parents[2] / "examples/cases/seed002_posterior_recurrence.json"


@pytest.fixture
def seed002() -> dict:
    return json.loads(SEED.read_text())


def _assess(data: dict):
    return assess(Case.model_validate(data))


def _strength(assessment, option_id):
    rec = assessment.recommendation(option_id)
    return rec.strength if rec else None


def _best_surgery(assessment) -> Strength:
    ranks = [r.strength for r in assessment.recommendations if ".sacrectomy." in r.id]
    return min(ranks, key=lambda s: s.rank)


def _findings(assessment) -> dict:
    return {f.id: f.value for f in assessment.findings}


def test_seed002_gets_laparoscopic_sacrectomy_with_level_and_tape(seed002):
    a = _assess(seed002)
    assert a.phase == "recurrence" and a.pathways[0] == "recurrence"
    assert _strength(a, "recurrence.sacrectomy.laparoscopic") is Strength.preferred
    found = _findings(a)
    assert found["sacral_transection_level"] == "S3 body"
    # tumour top projects 60.1 mm down the curve (S1->S4 chords 24.7 + 23.3 + 21.4 mm less the
    # last 7 % of S3-S4): the tape is that minus the 10 mm margin
    assert 45.0 < found["vascular_tape_mm"] < 60.0
    rec = a.recommendation("recurrence.sacrectomy.laparoscopic")
    assert any("vascular tape" in step for step in rec.next_steps)
    assert any("omental flap" in step for step in rec.next_steps)
    assert found["expected_r0_seed002"] == "86.0% (95% CI 72.7-93.4)"


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"sciatic_notch_extension": True}, "recurrence.sciatic_notch_extension"),
        ({"highest_sacral_level": "S2"}, "recurrence.highest_sacral_level"),
        ({"highest_sacral_level": "S1"}, "recurrence.highest_sacral_level"),
        ({"external_iliac_encasement_deg": 200}, "recurrence.external_iliac_encasement_deg"),
    ],
)
def test_each_contraindication_warns_and_lowers_strength(seed002, update, field):
    baseline = _assess(seed002)
    seed002["recurrence"].update(update)
    a = _assess(seed002)
    assert any(w.field == field for w in a.warnings)
    before, after = _best_surgery(baseline), _best_surgery(a)
    assert before is Strength.preferred and after.rank > before.rank
    assert after is not Strength.not_recommended  # a warning, never a veto


def test_high_transection_is_planned_open(seed002):
    seed002["recurrence"]["tumour_upper_extent"] = {"x_mm": -4.0, "y_mm": -20.0}
    a = _assess(seed002)
    assert _findings(a)["sacral_transection_level"].startswith("S1")
    assert _strength(a, "recurrence.sacrectomy.laparoscopic") is Strength.consider
    assert _strength(a, "recurrence.sacrectomy.open") is Strength.preferred


def test_a_recurrence_without_compartments_is_a_warning_naming_them(seed002):
    """A recurrence known only by its date (a follow-up report) is kept; the engine says
    what is missing instead of classifying it."""
    seed002["recurrence"]["compartments"] = []
    assessment = _assess(seed002)
    assert any(w.field == "recurrence.compartments" for w in assessment.warnings)
    assert not any(f.id == "mskcc_class" for f in assessment.findings)


def test_prior_radiotherapy_decides_reirradiation(seed002):
    assert _assess(seed002).recommendation("recurrence.neoadjuvant.reirradiation")
    seed002["recurrence"]["prior_pelvic_rt_dose_gy"] = 0
    assert _assess(seed002).recommendation("recurrence.neoadjuvant.chemoradiotherapy")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r["sacral_landmarks"].reverse(), "recurrence.sacral_landmarks"),
        (lambda r: r.update(compartments=["posterior", "upstairs"]), "recurrence.compartments"),
        (lambda r: r.update(highest_sacral_level="L5"), "recurrence.highest_sacral_level"),
    ],
)
def test_bad_recurrence_input_exits_2_naming_the_field(tmp_path, seed002, mutate, field):
    mutate(seed002["recurrence"])
    path = tmp_path / "case.json"
    path.write_text(json.dumps(seed002))
    result = CliRunner().invoke(app, ["assess", str(path)])
    assert result.exit_code == 2
    assert field in result.output and "Traceback" not in result.output


def _example(name: str) -> dict:
    return json.loads((SEED.parent / f"{name}.json").read_text())


@pytest.mark.parametrize(
    "name",
    ["recurrence_anastomotic_mobile_redo", "recurrence_anterior_exenteration"],
)
def test_seed002_cohort_is_not_quoted_without_a_posterior_sacrectomy(name):
    a = _assess(_example(name))
    found = _findings(a)
    assert not any(".sacrectomy." in r.id for r in a.recommendations)
    assert "expected_r0_seed002" not in found and "expected_os_seed002" not in found


def test_no_cohort_is_quoted_when_non_surgical_care_is_preferred(seed002):
    seed002["recurrence"].update(
        {"sciatic_notch_extension": True, "external_iliac_encasement_deg": 200}
    )
    a = _assess(seed002)
    assert _strength(a, "recurrence.non_surgical") is Strength.preferred
    found = _findings(a)
    assert "expected_r0_seed002" not in found and "expected_r0_pelvex" not in found


def test_recurrence_resection_specimen_gets_its_r_status(seed002):
    seed002["operations"].append(
        {"type": "exenteration", "date": "2022-09-01", "approach": "laparoscopic"}
    )
    seed002["pathology"] = {"specimen": "exenteration", "t": "pT3", "crm_distance_mm": 0.5}
    assert _findings(_assess(seed002))["r_status"] == "R1"
    seed002["pathology"]["crm_distance_mm"] = 4.0
    assert _findings(_assess(seed002))["r_status"] == "R0"


def test_the_primary_specimen_of_a_recurrence_episode_is_not_read_as_its_r_status(seed002):
    assert "r_status" not in _findings(_assess(seed002))  # the 2019 LAR specimen

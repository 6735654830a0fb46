"""Stenosis pathway: the seed-000 rail verdict, the ladder's first rung, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rectoplan.cli import app
from rectoplan.clinical.case import Case
from rectoplan.mct.design import CouplingSettings
from rectoplan.mct.force import axial_force
from rectoplan.mct.magnets import RingMagnet
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Strength

CASES = Path(__file__).resolve().parents[2] / "examples/cases"


def _load(name: str) -> dict:
    return json.loads((CASES / name).read_text())


def _stenosis_recs(assessment):
    return [r for r in assessment.recommendations if r.pathway == "stenosis"]


def test_seed000_needs_the_guidewire_rail_and_shows_the_force():
    data = _load("seed000_anastomotic_stenosis.json")
    a = assess(Case.model_validate(data))
    assert a.phase == "stenosis" and "stenosis" in a.pathways
    strengths = {r.id: r.strength for r in _stenosis_recs(a)}
    assert strengths["stenosis.mct.guidewire_rail"] is Strength.preferred
    assert strengths["stenosis.mct.direct"] is Strength.not_recommended
    findings = {f.id: f.value for f in a.findings}
    assert findings["mct_verdict"] == "needs_guidewire_rail"
    # the reported pull is the exact coaxial force of the designed pair at the 30 mm gap
    od, inner, height, grade = _designed(findings["designed_ring"])
    ring = RingMagnet.from_mm(od, inner, height, grade)
    expected = float(axial_force(ring, ring, data["stenosis"]["length_mm"] / 1000))
    assert findings["mct_force_n"] == pytest.approx(expected, abs=0.01)
    settings = CouplingSettings()
    assert settings.rail_force_n <= expected  # couples on a rail ...
    assert "30 mm" in a.recommendation("stenosis.mct.guidewire_rail").rationale[1]


def _designed(text: str) -> tuple[float, float, float, str]:
    # "OD 20.0 / ID 3.0 / h 8.0 mm N50"
    parts = text.replace("/", " ").split()
    return float(parts[1]), float(parts[3]), float(parts[5]), parts[7]


def test_short_membranous_stenosis_starts_with_balloon_dilatation():
    a = assess(Case.model_validate(_load("stenosis_short_membranous_balloon.json")))
    recs = _stenosis_recs(a)
    assert recs[0].id == "stenosis.balloon_dilatation"
    assert recs[0].strength is Strength.preferred


def test_no_stoma_caps_magnetic_compression():
    data = _load("seed000_anastomotic_stenosis.json")
    data["stenosis"].update(stoma="none", awaiting_stoma_reversal=False)
    a = assess(Case.model_validate(data))
    assert a.recommendation("stenosis.mct.guidewire_rail").strength is Strength.consider


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"length_mm": -3}, "stenosis.length_mm"),
        ({"morphology": "spiral"}, "stenosis.morphology"),
        ({"morphology": "complete_occlusion", "diameter_mm": 4}, "stenosis.diameter_mm"),
        ({"rings": [{"od_mm": 10, "id_mm": 12, "height_mm": 5}]}, "stenosis.rings"),
    ],
)
def test_bad_stenosis_input_exits_2_naming_the_field(tmp_path, update, field):
    data = _load("seed000_anastomotic_stenosis.json")
    data["stenosis"].update(update)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["assess", str(path)])
    assert result.exit_code == 2, result.output
    assert field in result.output and "Traceback" not in result.output

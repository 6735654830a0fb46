"""``rectoplan sacrectomy``: the seed-002 plan as JSON and as a sagittal figure."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rectoplan.cli import app

CASES = Path(__file__).resolve().parents[2] / "examples/cases"
runner = CliRunner()


def test_seed002_plan_and_figure(tmp_path):
    png, svg = tmp_path / "plan.png", tmp_path / "plan.svg"
    seed = str(CASES / "seed002_posterior_recurrence.json")
    result = runner.invoke(app, ["sacrectomy", seed, "--json", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["level"] == "S3 body" and not plan["high_sacrectomy"]
    assert plan["tape_length_mm"] == round(plan["tumour_arc_mm"] - plan["margin_mm"], 1)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert runner.invoke(app, ["sacrectomy", seed, "--plot", str(svg)]).exit_code == 0
    assert "<svg" in svg.read_text()[:400]


def test_a_wider_margin_moves_the_line_up():
    seed = str(CASES / "seed002_posterior_recurrence.json")
    wide = json.loads(runner.invoke(app, ["sacrectomy", seed, "--json", "--margin", "20"]).output)
    assert wide["level"].startswith("S2") or wide["level"] == "S3 body"
    assert wide["tape_length_mm"] < 56.7


def test_case_without_landmarks_exits_2():
    result = runner.invoke(app, ["sacrectomy", str(CASES / "seed001_1_diagnosis.json")])
    assert result.exit_code == 2
    assert "recurrence.sacral_landmarks" in result.output and "Traceback" not in result.output

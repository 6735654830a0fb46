"""``rectoplan mct`` through the real Typer app: tables, JSON, images, plans, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rectoplan.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
SEED_PLAN = ROOT / "examples" / "mct" / "seed000_stenosis.json"
RING_A = ["--od", "20", "--id", "8", "--height", "5"]


def run(*args: str):
    result = runner.invoke(app, ["mct", *args])
    assert "Traceback" not in result.output
    return result


def assert_input_error(result, option: str) -> None:
    assert result.exit_code == 2, result.output
    assert f"error: {option}:" in result.output


def test_force_json_reproduces_the_domain_table_in_the_rigid_model():
    # magnet-physics.md 1.4 (J = 1.3 T): 51.9772, 35.2877, 14.7295, 5.5588 N at 1/2/5/10 mm.
    result = run(
        "force", *RING_A, "--polarization", "1.3", "--ideal", "--gaps", "1,2,5,10", "--json"
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    assert [round(r["force_n"], 4) for r in rows] == [51.9772, 35.2877, 14.7295, 5.5588]
    assert [round(r["pressure_kpa"]) for r in rows] == [197, 134, 56, 21]


def test_force_table_and_material_corrections():
    table = run("force", *RING_A, "--grade", "N45", "--gaps", "0,1,2,5,10,20")
    assert table.exit_code == 0, table.output
    assert "stiffness N/mm" in table.output and "-inf" in table.output  # contact, equal radii
    body = json.loads(run("force", *RING_A, "--gaps", "5", "--json").output)["rows"][0]
    rigid = json.loads(run("force", *RING_A, "--gaps", "5", "--ideal", "--json").output)["rows"]
    # 37 degC (x0.960 in force) and recoil (x0.948): ~0.91 of the rigid force.
    assert body["force_n"] / rigid[0]["force_n"] == pytest.approx(0.909, abs=0.005)
    assert body["stiffness_n_per_mm"] < 0


def test_second_ring_options_copy_what_is_not_given():
    payload = json.loads(run("force", *RING_A, "--od2", "25", "--gaps", "5", "--json").output)
    assert payload["upper"]["od_mm"] == 25 and payload["upper"]["id_mm"] == 8
    assert payload["lower"]["od_mm"] == 20


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_writes_the_image_type_the_name_asks_for(tmp_path, suffix):
    path = tmp_path / f"curve{suffix}"
    result = run("plot", str(path), *RING_A, "--stenosis", "25")
    assert result.exit_code == 0, result.output
    head = path.read_bytes()[:8]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<?xml" in head


def test_plan_from_the_seed_example_needs_a_guidewire_rail():
    result = run("plan", "--from", str(SEED_PLAN))
    assert result.exit_code == 0, result.output
    assert "needs_guidewire_rail" in result.output
    payload = json.loads(run("plan", "--from", str(SEED_PLAN), "--json").output)
    assert payload["verdict"] == "needs_guidewire_rail"
    assert payload["max_direct_gap_mm"] < payload["stenosis_length_mm"]
    assert payload["stenosis_length_mm"] < payload["max_coupling_gap_mm"]
    assert payload["settings"]["all_assumptions"] is True
    assert "zhang_mct_rectal" in payload["evidence"]


@pytest.mark.parametrize(
    ("extra", "verdict"),
    [
        (["--stenosis", "8"], "couples_directly"),
        (["--stenosis", "45"], "cannot_couple"),
        (["--rail-force", "0.9"], "cannot_couple"),
        (["--direct-force", "0.6"], "couples_directly"),
    ],
)
def test_command_line_options_override_the_plan_file(extra, verdict):
    payload = json.loads(run("plan", "--from", str(SEED_PLAN), *extra, "--json").output)
    assert payload["verdict"] == verdict


def test_plan_from_flags_with_a_pressure_window():
    result = run("plan", "--stenosis", "12", *RING_A, "--window", "20,150", "--json")
    payload = json.loads(result.output)
    assert payload["pressure_status"] == "below_window"
    assert payload["final_pressure_status"] == "above_window"


def test_design_json_respects_the_delivery_limits():
    result = run(
        "design",
        "--max-od",
        "14",
        "--min-id",
        "4",
        "--max-height",
        "4",
        "--step",
        "1",
        "--grades",
        "N35,N45",
        "--stenosis",
        "10",
        "--json",
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["n_candidates"] == 2 * payload["n_geometries"] > 0
    assert payload["n_pareto"] == len(payload["designs"]) > 0
    for design in payload["designs"]:
        assert design["od_mm"] <= 14 and design["id_mm"] >= 4 and design["height_mm"] <= 4
        assert design["grade"] in {"N35", "N45"} and design["demag_margin"] >= 1
    table = run(
        "design",
        "--max-od",
        "14",
        "--min-id",
        "4",
        "--max-height",
        "4",
        "--step",
        "1",
        "--top",
        "3",
    )
    assert "Pareto set (range)" in table.output and "spread over the set" in table.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["force", "--od", "20", "--id", "20", "--height", "5"], "--id"),
        (["force", "--od", "20", "--id", "25", "--height", "5"], "--id"),
        (["force", *RING_A, "--id2", "30"], "--id2"),
        (["force", *RING_A, "--gaps", "1,-2"], "--gaps"),
        (["force", *RING_A, "--gaps", "1,two,3"], "--gaps"),
        (["force", *RING_A, "--grade", "N99"], "--grade"),
        (["force", *RING_A, "--grade2", "X"], "--grade2"),
        (["force", "--id", "8", "--height", "5"], "--od"),
        (["force", *RING_A, "--height", "-1"], "--height"),
        (["force", *RING_A, "--polarization", "13"], "--polarization"),
        (["plot", "curve.pdf", *RING_A], "output"),
        (["plan", *RING_A], "--stenosis"),
        (["plan", *RING_A, "--stenosis", "-3"], "--stenosis"),
        (["plan", *RING_A, "--stenosis", "20", "--window", "150,20"], "--window"),
        (["plan", *RING_A, "--stenosis", "20", "--tilt", "100"], "--tilt"),
        (["plan", *RING_A, "--stenosis", "20", "--offset", "-2"], "--offset"),
        (["plan", *RING_A, "--stenosis", "20", "--direct-force", "0.1"], "--direct-force"),
        (["plan", "--from", "no/such/plan.json"], "--from"),
        (["design", "--max-od", "10", "--min-id", "12", "--max-height", "5"], "--min-id"),
        (["design", "--max-od", "20", "--max-height", "5", "--grades", "N99"], "--grades"),
        (
            ["design", "--max-od", "20", "--max-height", "5", "--objective", "pressure"],
            "--target-pressure",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_option(args, option):
    assert_input_error(run(*args), option)


def test_bad_plan_files_exit_2_with_the_field_path(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert_input_error(run("plan", "--from", str(broken)), "--from")
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({"stenosis_length_mm": 20, "lower": {"od_mm": 20, "heigth_mm": 5}}))
    result = run("plan", "--from", str(typo))
    assert result.exit_code == 2
    assert "lower.heigth_mm" in result.output and "lower.height_mm" in result.output

"""``rectoplan stage`` and ``rectoplan rt`` through the real Typer app.

Expected groups come from the AJCC 8 table in the domain notes (§1.4); BED/EQD2 values from the
computed table (§6) or, for Suwinski's alpha/beta of 5.06 Gy, from the formula written out here.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rectoplan.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def assert_input_error(result, field: str) -> None:
    assert result.exit_code == 2, result.output
    assert f"error: {field}:" in result.output
    assert "Traceback" not in result.output


def test_stage_json_gives_the_group_and_its_categories():
    result = run("stage", "T3", "N1a", "M0", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["stage_group"] == "IIIB"
    assert {key: payload[key] for key in ("t", "n", "m", "prefix", "edition")} == {
        "t": "T3",
        "n": "N1a",
        "m": "M0",
        "prefix": None,
        "edition": "AJCC 8",
    }
    assert payload["evidence"] == ["ajcc8_weiser_2018", "vista_oncsga8a"]


@pytest.mark.parametrize(
    ("args", "group", "prefix"),
    [
        (("ypT3", "ypN0", "cM0"), "IIA", "yp"),
        (("cT4b", "cN2b", "cM0"), "IIIC", "c"),
        (("T2", "N0", "M1c"), "IVC", None),
        (("TX", "N0", "M0"), "unstageable", None),
    ],
)
def test_stage_json_for_prefixed_and_edge_cases(args, group, prefix):
    payload = json.loads(run("stage", *args, "--json").output)
    assert (payload["stage_group"], payload["prefix"]) == (group, prefix)
    assert bool(payload["reason"]) == (group == "unstageable")


def test_stage_prints_a_readable_group():
    result = run("stage", "T3", "N1a", "M0")
    assert result.exit_code == 0
    assert "IIIB" in result.output and "AJCC 8" in result.output


def test_unstageable_is_explained_not_an_error():
    result = run("stage", "T1", "N2", "M0")
    assert result.exit_code == 0
    assert "unstageable" in result.output and "ambiguous" in result.output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("T9", "N0", "M0"), "t"),
        (("T3", "N3", "M0"), "n"),
        (("T3", "N0", "M2"), "m"),
        (("N1", "T3", "M0"), "t"),
    ],
)
def test_unknown_category_exits_2_naming_the_argument(args, field):
    assert_input_error(run("stage", *args), field)


# 50 Gy / 25 fx from the §6 table at alpha/beta 10 and 3; at 5.06, BED = 50 (1 + 2 / 5.06)
SUWINSKI_BED_50_25 = 50 * (1 + 2 / 5.06)


def test_rt_table_for_the_three_reference_alpha_betas():
    payload = json.loads(run("rt", "--dose", "50", "--fractions", "25", "--json").output)
    rows = {row["alpha_beta_gy"]: row for row in payload["results"]}
    assert set(rows) == {10.0, 5.06, 3.0}
    assert rows[10.0]["bed_gy"] == pytest.approx(60.00, abs=0.01)
    assert rows[3.0]["bed_gy"] == pytest.approx(83.33, abs=0.01)
    assert rows[5.06]["bed_gy"] == pytest.approx(SUWINSKI_BED_50_25, abs=0.01)
    assert all(row["eqd2_gy"] == pytest.approx(50.0) for row in rows.values())
    assert "suwinski_2007" in payload["evidence"]


def test_rt_named_schedule_with_one_alpha_beta():
    result = run("rt", "--schedule", "scrt_5x5", "--alpha-beta", "10", "--json")
    payload = json.loads(result.output)
    assert (payload["total_dose_gy"], payload["fractions"]) == (25.0, 5)
    [row] = payload["results"]
    assert (row["bed_gy"], row["eqd2_gy"]) == pytest.approx((37.50, 31.25), abs=0.01)
    assert "rapido_2021" in payload["evidence"]


def test_rt_prints_a_readable_table():
    result = run("rt", "--dose", "45", "--fractions", "25", "--alpha-beta", "3")
    assert result.exit_code == 0
    assert "72.00" in result.output and "43.20" in result.output
    assert "chemotherapy not modelled" in result.output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--dose", "-5", "--fractions", "5"), "dose"),
        (("--dose", "25", "--fractions", "0"), "fractions"),
        (("--dose", "25", "--fractions", "5", "--alpha-beta", "0"), "alpha-beta"),
        (("--fractions", "5"), "dose"),
        (("--schedule", "hypo_7x5"), "schedule"),
        (("--schedule", "scrt_5x5", "--dose", "25"), "schedule"),
    ],
)
def test_rt_bad_input_exits_2_naming_the_option(args, field):
    assert_input_error(run("rt", *args), field)


@pytest.mark.parametrize("args", [("--dose", "fifty", "--fractions", "25"), ("--fractions", "2.5")])
def test_rt_text_where_a_number_belongs_exits_2(args):
    result = run("rt", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output

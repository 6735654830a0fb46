"""``rectoplan analytics ...`` through the real Typer app, on CSV exports and on a registry.

Expected numbers are worked by hand (the six-patient product-limit example), published
(Wilson 37/43 -> 0.727-0.934, surgical-modules.md §3.5), or counted from the input rows.
The registry commands are exercised with a stand-in for ``rectoplan.registry.cohort`` that
returns the frames its contract promises, so the glue is tested apart from the registry.
"""

from __future__ import annotations

import json
import sys
import types

import pandas as pd
import pytest
from typer.testing import CliRunner

from rectoplan.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["analytics", *args])


def assert_input_error(result, field: str) -> None:
    assert result.exit_code == 2, result.output
    assert f"error: {field}:" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def survival_csv(tmp_path):
    path = tmp_path / "survival.csv"
    path.write_text(
        "duration_days,event,group\n1,1,a\n2,1,b\n2,0,a\n3,1,b\n4,0,a\n5,1,b\n"
        + "".join(f"{d},{e},{g}\n" for d, e, g in [(6, 1, "a"), (7, 0, "b"), (8, 1, "a")])
    )
    return path


@pytest.fixture
def decisions_csv(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text(
        "decided_at,followed_preferred,deviation_code\n"
        "2024-01-05,true,\n2024-02-05,false,prefers-alternative\n2024-04-01,true,\n"
        "2024-05-01,true,\n2024-05-02,false,\n"
    )
    return path


# --- proportion -----------------------------------------------------------------------------


def test_proportion_prints_the_wilson_interval():
    result = run("proportion", "37", "43")
    assert result.exit_code == 0, result.output
    assert "0.727-0.934" in result.output


def test_proportion_json():
    payload = json.loads(run("proportion", "81", "263", "--json").output)
    assert (payload["lower"], payload["upper"]) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert payload["method"] == "wilson"


@pytest.mark.parametrize(
    ("args", "field"),
    [(("50", "43"), "k"), (("3", "0"), "n"), (("3", "10", "--alpha", "2"), "alpha")],
)
def test_proportion_bad_input_names_the_argument(args, field):
    assert_input_error(run("proportion", *args), field)


def test_proportion_non_number_is_a_usage_error_without_traceback():
    result = run("proportion", "three", "10")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# --- km and cox -----------------------------------------------------------------------------


def test_km_on_csv_without_groups(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("duration_days,event\n1,1\n2,1\n2,0\n3,1\n4,0\n5,1\n")
    payload = json.loads(run("km", "--csv", str(path), "--times", "0,2.5,5", "--json").output)
    (curve,) = payload["curves"]
    rows = curve["at_times"]
    assert [r["survival"] for r in rows] == pytest.approx([1, 4 / 6, 0])
    assert [r["at_risk"] for r in rows] == [6, 3, 1]
    assert curve["median"]["time"] == 3
    assert payload["logrank"] is None


def test_km_on_csv_with_groups_adds_the_logrank_test_and_draws(survival_csv, tmp_path):
    figure = tmp_path / "km.png"
    result = run("km", "--csv", str(survival_csv), "--json", "--plot", str(figure), "--ci", "log")
    payload = json.loads(result.output)
    assert [c["label"] for c in payload["curves"]] == ["a", "b"]
    assert [c["n"] for c in payload["curves"]] == [5, 4]
    assert payload["curves"][0]["ci_method"] == "log"
    assert payload["logrank"]["df"] == 1
    assert figure.stat().st_size > 5_000


def test_km_human_output_names_median_and_logrank(survival_csv):
    result = run("km", "--csv", str(survival_csv))
    assert result.exit_code == 0, result.output
    assert "log-rank chi2" in result.output and "median" in result.output


def test_cox_on_csv_needs_and_uses_the_reference(survival_csv):
    assert_input_error(run("cox", "--csv", str(survival_csv)), "reference")
    assert_input_error(run("cox", "--csv", str(survival_csv), "--reference", "c"), "reference")
    payload = json.loads(
        run("cox", "--csv", str(survival_csv), "--reference", "a", "--json").output
    )
    assert payload["reference"] == {"group": "a"}
    assert [t["term"] for t in payload["terms"]] == ["group=b"]


@pytest.mark.parametrize(
    ("content", "field", "text"),
    [
        ("duration_days,event\n1,1\n2,2\n", "csv.event", "row 2"),
        ("duration_days,event\n1,1\n-2,1\n", "csv.duration_days", "row 2"),
        ("duration_days,when\n1,1\n", "csv", "missing column(s) event"),
        ("duration_days,event\n", "csv", "no data rows"),
    ],
)
def test_bad_csv_names_the_column_and_row(tmp_path, content, field, text):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = run("km", "--csv", str(path))
    assert_input_error(result, field)
    assert text in result.output


def test_missing_file_bad_plot_and_two_sources_are_input_errors(survival_csv, tmp_path):
    assert_input_error(run("km", "--csv", str(tmp_path / "none.csv")), "csv")
    assert_input_error(run("km", "--csv", str(survival_csv), "--plot", "km.pdf"), "plot")
    assert_input_error(run("km", "--csv", str(survival_csv), "--db", "sqlite://"), "csv")
    assert_input_error(run("km", "--csv", str(survival_csv), "--times", "1,x"), "times")


def test_missing_registry_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECTOPLAN_DATABASE_URL", raising=False)
    assert_input_error(run("km"), "db")


# --- benchmark ------------------------------------------------------------------------------


def test_benchmark_with_counts():
    args = ("benchmark", "--k", "37", "--n", "43", "--reference", "pelvex_2018.r0", "--json")
    payload = json.loads(run(*args).output)
    (comparison,) = payload["comparisons"]
    assert comparison["verdict"] == "better than"
    assert comparison["cohort"]["lower"] == pytest.approx(0.727, abs=5e-4)
    human = run(*args[:-1])
    assert "better than" in human.output and "PelvEx 2018" in human.output


def test_benchmark_list_and_errors():
    listing = run("benchmark", "--list")
    assert "exenteration_benchmarks_2024.lrrc.r0" in listing.output
    assert_input_error(run("benchmark", "--k", "3", "--reference", "pelvex_2018.r0"), "n")
    assert_input_error(run("benchmark", "--k", "3", "--n", "9", "--reference", "x"), "reference")


# --- concordance ----------------------------------------------------------------------------


def test_concordance_on_csv(decisions_csv, tmp_path):
    figure = tmp_path / "concordance.svg"
    result = run("concordance", "--csv", str(decisions_csv), "--json", "--plot", str(figure))
    payload = json.loads(result.output)
    assert (payload["overall"]["k"], payload["overall"]["n"]) == (3, 5)
    assert [(p["period"], p["k"], p["n"]) for p in payload["periods"]] == [
        ("2024-Q1", 1, 2),
        ("2024-Q2", 2, 3),
    ]
    assert {r["code"]: r["count"] for r in payload["reasons"]} == {
        "prefers-alternative": 1,
        None: 1,
    }
    assert figure.read_bytes().lstrip().startswith(b"<?xml")
    assert all(p["too_few"] for p in payload["periods"])  # 2 and 3 decisions
    human = run("concordance", "--csv", str(decisions_csv), "--period", "month")
    assert "Patient prefers an alternative approach or treatment" in human.output
    assert "Patient preference (prefers-alternative)" in human.output
    assert "too few" in human.output


def test_concordance_on_csv_with_categories(tmp_path):
    path = tmp_path / "decisions.csv"
    rows = ["decided_at,category,deviation_code"]
    rows += [f"2024-01-{d:02d},concordant," for d in range(2, 8)]
    rows += ["2024-01-09,alternative,", "2024-01-10,deviation,patient-refuses"]
    path.write_text("\n".join(rows) + "\n")
    payload = json.loads(run("concordance", "--csv", str(path), "--json").output)
    assert (payload["overall"]["k"], payload["overall"]["n"]) == (6, 8)
    assert (payload["alternatives"], payload["deviations"]) == (1, 1)
    assert payload["by_reason"][0]["reason"] == "Patient preference"
    path.write_text("decided_at,verdict\n2024-01-02,yes\n")
    assert_input_error(run("concordance", "--csv", str(path)), "csv")


def test_concordance_bad_date_names_the_column(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text("decided_at,followed_preferred\n2024-01-05,true\nlater,false\n")
    assert_input_error(run("concordance", "--csv", str(path)), "csv.decided_at")


# --- registry glue, with a stand-in cohort module -------------------------------------------


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """An empty SQLite file for the session, and cohort functions returning contract frames."""
    pytest.importorskip("rectoplan.registry.db")
    database = tmp_path / "registry.sqlite3"
    database.touch()
    durations = [100, 400, 700, 900, 1200, 1500, 1900, 2100, 2300, 2500] * 3
    events = [True, False, True, False, False, True, False, False, True, False] * 3
    groups = ["early", "locally_advanced", "unknown"] * 10

    def survival_frame(session, endpoint, group_by=None):
        if group_by not in (None, "risk_group"):
            raise ValueError(f"group_by {group_by!r}: expected one of risk_group")
        frame = pd.DataFrame({"episode_id": range(30), "duration_days": durations, "event": events})
        if endpoint == "tme_free":
            return frame.iloc[0:0]
        frame.attrs["skipped_by_reason"] = {"no_follow_up": 2}
        return frame.assign(group=groups) if group_by else frame

    def decisions_frame(session):
        return pd.DataFrame(
            {
                "decision_id": [1, 2, 3],
                "episode_id": [1, 2, 3],
                "decided_at": pd.to_datetime(["2024-01-02", "2024-02-03", "2024-04-04"]),
                "followed_preferred": [True, False, True],
                "chosen_option_id": ["a", "b", "a"],
                "deviation_code": [None, "patient-refuses", None],
            }
        )

    cohort = types.SimpleNamespace(survival_frame=survival_frame, decisions_frame=decisions_frame)
    import rectoplan.registry

    monkeypatch.setitem(sys.modules, "rectoplan.registry.cohort", cohort)
    monkeypatch.setattr(rectoplan.registry, "cohort", cohort, raising=False)
    return f"sqlite:///{database}"


def test_km_from_the_registry_by_group(registry):
    result = run("km", "--db", registry, "--group-by", "risk_group", "--json")
    payload = json.loads(result.output)
    assert {c["label"]: c["n"] for c in payload["curves"]} == {
        "early": 10,
        "locally_advanced": 10,
        "unknown": 10,
    }
    assert payload["endpoint"] == "overall"
    assert payload["logrank"]["df"] == 2
    assert payload["skipped"] == {"no_follow_up": 2}


def test_unknown_registry_group_names_the_option(registry):
    assert_input_error(run("km", "--db", registry, "--group-by", "colour"), "group-by")


def test_concordance_from_the_registry(registry):
    payload = json.loads(run("concordance", "--db", registry, "--json").output)
    assert (payload["overall"]["k"], payload["overall"]["n"]) == (2, 3)
    assert payload["reasons"][0]["code"] == "patient-refuses"

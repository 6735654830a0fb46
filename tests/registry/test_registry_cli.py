"""``rectoplan registry init | import | export | stats`` through the real Typer app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rectoplan.cli import app
from rectoplan.registry.io import write_json
from rectoplan.registry.migrate import head_revision

runner = CliRunner()


def run(*args: str, env: dict | None = None):
    return runner.invoke(app, ["registry", *args], env=env)


def assert_input_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output


@pytest.fixture
def records_file(tmp_path, cohort):
    path = tmp_path / "cohort.json"
    write_json(path, cohort(25, seed=5))
    return path


def test_init_import_export_stats(registry_url, records_file, tmp_path):
    imported = run("import", str(records_file), "--db", registry_url, "--actor", "cli-test")
    assert imported.exit_code == 0, imported.output
    assert "imported 25 episodes" in imported.output

    stats = run("stats", "--json", "--db", registry_url)
    assert stats.exit_code == 0, stats.output
    payload = json.loads(stats.output)
    assert payload["counts"]["episodes"] == payload["counts"]["patients"] == 25
    # one snapshot per case, and one more before a recurrence the MDT decision predates
    recurred = sum(bool(r["case"].get("recurrence")) for r in json.loads(records_file.read_text()))
    assert payload["counts"]["assessments"] == 25 + recurred
    r0 = payload["proportions"]["r0"]
    assert 0 < r0["total"] <= 25 and r0["proportion"] == round(r0["count"] / r0["total"], 4)
    assert set(payload["proportions"]) >= {"r0", "organ_preserved"}

    readable = run("stats", "--db", registry_url)
    assert readable.exit_code == 0 and "audit_log" in readable.output and "r0:" in readable.output

    out = tmp_path / "out.csv"
    exported = run("export", str(out), "--db", registry_url)
    assert exported.exit_code == 0, exported.output
    assert "exported 25 episodes" in exported.output
    assert len(out.read_text().splitlines()) == 26
    assert (tmp_path / "out.events.csv").is_file()


def test_init_creates_the_schema_and_masks_the_password(empty_url, engine_name):
    result = run("init", "--db", empty_url)
    assert result.exit_code == 0, result.output
    assert f"is at schema {head_revision()}" in result.output
    assert run("init", "--db", empty_url).exit_code == 0  # upgrading a current one is a no-op
    if engine_name == "postgresql":
        with_password = empty_url.replace("rectoplan@", "rectoplan:s3cret@", 1)
        shown = run("init", "--db", with_password).output
        assert "s3cret" not in shown and "***" in shown


def test_default_database_is_a_sqlite_file_under_var(tmp_path, monkeypatch, records_file):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECTOPLAN_DATABASE_URL", raising=False)
    assert run("init").exit_code == 0
    assert (tmp_path / "var" / "rectoplan.sqlite3").is_file()
    env_db = tmp_path / "other.sqlite3"
    monkeypatch.setenv("RECTOPLAN_DATABASE_URL", f"sqlite:///{env_db}")
    assert run("init").exit_code == 0 and env_db.is_file()


def test_a_bad_file_exits_2_naming_rows_and_fields(registry_url, tmp_path, cohort):
    records = cohort(30, seed=6)
    records[11]["case"]["mri"]["ct"] = "T5"
    records[20]["decisions"][0]["deviation_code"] = "no-reason"
    path = tmp_path / "bad.json"
    write_json(path, records)
    result = run("import", str(path), "--db", registry_url)
    assert_input_error(
        result,
        "row 12: case.mri.ct: 'T5' is not an AJCC 8 T category",
        "row 21: decisions[0].deviation_code: 'no-reason' is not a code of",
        "nothing was imported",
    )
    stats = json.loads(run("stats", "--json", "--db", registry_url).output)
    assert stats["counts"]["episodes"] == 0 and stats["counts"]["audit_log"] == 0


def test_input_errors_never_show_a_traceback(registry_url, empty_url, tmp_path, records_file):
    assert_input_error(run("import", str(tmp_path / "missing.json"), "--db", registry_url), "FILE")
    assert_input_error(run("import", str(records_file), "--db", empty_url), "--db", "registry init")
    not_json = tmp_path / "broken.json"
    not_json.write_text("[{]")
    assert_input_error(run("import", str(not_json), "--db", registry_url), "not valid JSON")
    assert run("import", str(records_file), "--format", "xml", "--db", registry_url).exit_code == 2


def test_csv_import_with_events(registry_url, tmp_path, records_file):
    assert run("import", str(records_file), "--db", registry_url).exit_code == 0
    cases = tmp_path / "cases.csv"
    assert run("export", str(cases), "--db", registry_url).exit_code == 0
    events = tmp_path / "cases.events.csv"
    lines = events.read_text().splitlines()
    events.write_text("\n".join([lines[0], "nobody,death,2026-01-01", *lines[1:]]) + "\n")
    result = run("import", str(cases), "--events", str(events), "--db", registry_url)
    assert_input_error(
        result,
        "cases.events.csv row 2: case_id: 'nobody' is neither in the cases file nor",
        "case.case_id:",  # every case is already registered
    )


def test_progress_bar_only_for_long_imports_and_never_when_quiet():
    from rectoplan.cli.registry import LONG_IMPORT, _ProgressBar

    short, quiet, long = _ProgressBar(False), _ProgressBar(True), _ProgressBar(False)
    short("validating", 10, LONG_IMPORT - 1)
    quiet("validating", 10, LONG_IMPORT)
    long("validating", 10, LONG_IMPORT)
    long("writing", 5, LONG_IMPORT)
    assert short.bar is None and quiet.bar is None
    assert set(long.tasks) == {"validating", "writing"}
    assert long.bar.tasks[long.tasks["writing"]].completed == 5
    long.close()
    assert long.bar is None

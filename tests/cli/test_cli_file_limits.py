"""The CLI reads files under the web app's limits (`rectoplan.limits`): a case file or FHIR
bundle over the body limit, a bundle with too many entries and an import file over the import
limit are refused with exit 2, naming the argument, the limit and its variable, before any
record is read or written."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rectoplan.cli import app

runner = CliRunner()
CASE = Path(__file__).resolve().parents[2] / "examples" / "cases" / "seed001_1_diagnosis.json"


def _refused(result, field: str, variable: str) -> None:
    assert result.exit_code == 2, result.output
    assert f"{field}:" in result.output and variable in result.output, result.output
    assert "Traceback" not in result.output


def test_assess_refuses_a_case_file_over_the_body_limit(tmp_path):
    case = tmp_path / "case.json"
    case.write_bytes(CASE.read_bytes() + b" " * 5_000)  # valid JSON, just large
    small = {"RECTOPLAN_MAX_BODY_BYTES": "4000"}
    _refused(
        runner.invoke(app, ["assess", str(case)], env=small),
        "CASE",
        "RECTOPLAN_MAX_BODY_BYTES=4000",
    )
    assert runner.invoke(app, ["assess", str(case)]).exit_code == 0  # under the default


def test_fhir_import_refuses_a_bundle_with_too_many_entries(tmp_path):
    bundle = tmp_path / "bundle.json"
    entry = {"resource": {"resourceType": "Observation", "id": "o", "status": "final"}}
    bundle.write_text(
        json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [entry] * 31})
    )
    result = runner.invoke(
        app, ["fhir", "import", str(bundle)], env={"RECTOPLAN_MAX_BUNDLE_ENTRIES": "30"}
    )
    _refused(result, "BUNDLE", "RECTOPLAN_MAX_BUNDLE_ENTRIES=30")
    assert "31 entries" in result.output
    result = runner.invoke(
        app, ["fhir", "import", str(bundle)], env={"RECTOPLAN_MAX_BODY_BYTES": "100"}
    )
    _refused(result, "BUNDLE", "RECTOPLAN_MAX_BODY_BYTES=100")


def test_registry_import_refuses_a_file_over_the_import_limit(tmp_path):
    records = tmp_path / "records.json"
    records.write_text(json.dumps([{"patient": {}, "case": {}}] * 20))
    db = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    result = runner.invoke(
        app,
        ["registry", "import", str(records), "--db", db, "--quiet"],
        env={"RECTOPLAN_MAX_IMPORT_FILE_BYTES": "64"},
    )
    _refused(result, "FILE", "RECTOPLAN_MAX_IMPORT_FILE_BYTES=64")


def test_a_limit_that_is_not_a_number_is_named(tmp_path):
    result = runner.invoke(app, ["assess", str(CASE)], env={"RECTOPLAN_MAX_BODY_BYTES": "lots"})
    _refused(result, "RECTOPLAN_MAX_BODY_BYTES", "not a whole number")

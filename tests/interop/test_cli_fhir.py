"""``rectoplan fhir export`` / ``import``: exit codes, elements named, no tracebacks."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir_testdata import EXAMPLES, MEF, example, example_case
from typer.testing import CliRunner

from rectoplan.cli import app
from rectoplan.clinical.case import Case
from rectoplan.interop.fhir_coverage import mapped_view

runner = CliRunner()

REQUIRED_SETS = [
    "--set",
    "case_id=mef-1",
    "--set",
    "patient.age_years=61",
    "--set",
    "patient.sex=female",
    "--set",
    "tumour.distance_from_anal_verge_cm=6",
    "--set",
    "tumour.longest_diameter_cm=4.5",
]


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_export_prints_a_bundle_and_import_gives_the_case_back(tmp_path):
    name = "seed001_3_after_eftr.json"
    exported = _run("fhir", "export", EXAMPLES / name)
    assert exported.exit_code == 0, exported.output
    bundle = Bundle.model_validate_json(exported.stdout)
    assert bundle.type == "collection" and len(bundle.entry) == 20
    path = tmp_path / "bundle.json"
    path.write_text(exported.stdout)
    imported = _run("fhir", "import", path, "-o", tmp_path / "case.json")
    assert imported.exit_code == 0, imported.output
    case = Case.model_validate_json((tmp_path / "case.json").read_text())
    assert case == mapped_view(example_case(name))
    assert "pathology.t" in imported.stderr and "resource(Observation)" in imported.stderr


def test_export_to_a_file_says_so(tmp_path):
    result = _run(
        "fhir", "export", EXAMPLES / "seed000_anastomotic_stenosis.json", "-o", tmp_path / "b.json"
    )
    assert result.exit_code == 0, result.output
    assert "mCODE rules: no violations" in result.stderr
    Bundle.model_validate_json((tmp_path / "b.json").read_text())


def test_import_without_output_prints_the_case_json_on_stdout(tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text(_run("fhir", "export", EXAMPLES / "seed001_1_diagnosis.json").stdout)
    result = _run("fhir", "import", path)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["case_id"] == "seed001-diagnosis"


def test_the_placeholder_date_exits_2_naming_the_element():
    result = _run("fhir", "import", MEF / "csv-condition-bundle.json", *REQUIRED_SETS)
    assert result.exit_code == 2
    assert "Bundle.entry[0].resource(Condition).extension[0].valueDateTime" in result.output
    assert "placeholder" in result.output and "Traceback" not in result.output


def test_missing_required_fields_exit_2_naming_field_and_element():
    result = _run("fhir", "import", MEF / "csv-procedure-bundle.json")
    assert result.exit_code == 2
    assert "tumour.distance_from_anal_verge_cm: missing" in result.output
    assert "LOINC 33748-5" in result.output and "Traceback" not in result.output


def test_set_supplies_what_the_external_bundle_lacks():
    result = _run(
        "fhir", "import", MEF / "csv-staging-bundle.json", *REQUIRED_SETS, "--set", "mri.cn=N1"
    )
    assert result.exit_code == 0, result.output
    case = json.loads(result.stdout)
    assert case["mri"] == {"ct": "T3", "cn": "N1", "mesorectal_nodes": [], "lateral_nodes": []}
    assert "from --set" in result.stderr and "note:" in result.stderr
    assert "mCODE rule:" in result.stderr  # the references to absent resources are reported


def test_strict_refuses_a_bundle_that_breaks_mcode_rules():
    result = _run(
        "fhir",
        "import",
        MEF / "csv-staging-bundle.json",
        *REQUIRED_SETS,
        "--set",
        "mri.cn=N1",
        "--strict",
    )
    assert result.exit_code == 2
    assert "mCODE rule: Bundle.entry[" in result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--set", "tumour.colour=red"], "--set tumour.colour"),
        (["--set", "patient.age_years"], "--set 'patient.age_years'"),
    ],
)
def test_bad_set_exits_2_naming_it(tmp_path, args, named):
    path = tmp_path / "bundle.json"
    path.write_text(_run("fhir", "export", EXAMPLES / "seed001_1_diagnosis.json").stdout)
    result = _run("fhir", "import", path, *args)
    assert result.exit_code == 2
    assert named in result.output and "Traceback" not in result.output


def test_unreadable_inputs_exit_2(tmp_path):
    missing = _run("fhir", "import", tmp_path / "nope.json")
    assert missing.exit_code == 2 and "BUNDLE" in missing.output
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = _run("fhir", "import", bad)
    assert result.exit_code == 2 and "not valid JSON" in result.output
    case = example("seed001_1_diagnosis.json")
    case["tumour"]["longest_diameter_cm"] = -1
    (tmp_path / "case.json").write_text(json.dumps(case))
    export = _run("fhir", "export", tmp_path / "case.json")
    assert export.exit_code == 2 and "tumour.longest_diameter_cm" in export.output
    assert "Traceback" not in export.output

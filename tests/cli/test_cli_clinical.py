"""The assess / schema / evidence / demo commands: exit codes, fields named, no tracebacks."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rectoplan.cli import app
from rectoplan.evidence import SOURCES

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def _write(tmp_path, data) -> str:
    path = tmp_path / "case.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_assess_json_is_an_assessment(tmp_path, seed_diagnosis):
    result = _run("assess", _write(tmp_path, seed_diagnosis), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["stage"]["group"] == "IIIB"
    assert payload["engine_version"]
    assert all(r["evidence"] for r in payload["recommendations"])


def test_assess_summary_is_readable(tmp_path, seed_restaging):
    result = _run("assess", _write(tmp_path, seed_restaging))
    assert result.exit_code == 0
    assert "near-complete" in result.output and "primary.restaging.local_excision" in result.output


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["tumour"].update(longest_diameter_cm=-1), "tumour.longest_diameter_cm"),
        (lambda d: d.update(pathology={"specimen": "lar", "t": "ypT2"}), "pathology.t"),
        (lambda d: d["mri"].update(ct="T9"), "mri.ct"),
        (lambda d: d["tumour"].update(cea_ng_ml="high"), "tumour.cea_ng_ml"),
        (lambda d: d.pop("patient"), "patient"),
    ],
)
def test_bad_input_exits_2_naming_the_field(tmp_path, seed_diagnosis, mutate, field):
    mutate(seed_diagnosis)
    result = _run("assess", _write(tmp_path, seed_diagnosis))
    assert result.exit_code == 2
    assert field in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", "", "null"])
def test_unreadable_files_exit_2(tmp_path, text):
    result = _run("assess", _write(tmp_path, text))
    assert result.exit_code == 2 and "CASE" in result.output


def test_missing_file_exits_2(tmp_path):
    result = _run("assess", str(tmp_path / "nope.json"))
    assert result.exit_code == 2 and "no such file" in result.output


def test_schema_is_json_schema():
    result = _run("schema")
    schema = json.loads(result.output)
    assert schema["title"] == "Case" and "patient" in schema["required"]


def test_evidence_lists_every_source():
    result = _run("evidence", "--json")
    assert {s["id"] for s in json.loads(result.output)} == set(SOURCES)


def test_demo_assesses_every_example():
    result = _run("demo")
    assert result.exit_code == 0, result.output
    assert "Assessed" in result.output and "rectoplan assess" in result.output


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))


def _replace(data, path, value):
    if not path:
        return value
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_json_never_gives_a_traceback(tmp_path, seed_after_eftr, data):
    """Random JSON, and the seed case with one field replaced by random JSON: exit 0 or 2."""
    import copy

    case = copy.deepcopy(seed_after_eftr)
    if data.draw(st.booleans()):
        document = data.draw(json_values)
    else:
        paths = list(_paths(case))
        document = _replace(case, data.draw(st.sampled_from(paths)), data.draw(json_values))
    text = json.dumps(document, allow_nan=True)
    result = _run("assess", _write(tmp_path, text), "--json")
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output

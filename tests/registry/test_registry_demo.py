"""``rectoplan registry demo`` and ``reassess`` on a fresh SQLite file."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rectoplan.cli import app
from rectoplan.registry.demo import example_records

runner = CliRunner()


def test_demo_loads_examples_and_cohort_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    first = runner.invoke(app, ["registry", "demo", "--n", "60", "-q", "--db", url])
    assert first.exit_code == 0, first.output
    assert f"loaded {len(example_records()) + 60} demo episodes" in first.output
    again = runner.invoke(app, ["registry", "demo", "--n", "60", "-q", "--db", url])
    assert "nothing loaded" in again.output
    stats = json.loads(runner.invoke(app, ["registry", "stats", "--json", "--db", url]).output)
    assert stats["counts"]["episodes"] == len(example_records()) + 60
    audit = json.loads(runner.invoke(app, ["registry", "reassess", "--json", "--db", url]).output)
    assert audit["cases"] == len(example_records()) + 60
    assert audit["decisions"] == 60 and audit["drifted"] == 0 and audit["invalid"] == 0
    assert 0.0 <= audit["concordance_now"] <= 1.0


def test_reassess_refuses_an_uninitialised_registry(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = runner.invoke(app, ["registry", "reassess", "--db", url])
    assert result.exit_code == 2 and "registry init" in result.output

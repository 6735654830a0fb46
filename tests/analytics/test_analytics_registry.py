"""``rectoplan analytics`` on a real SQLite registry filled by the demo generator.

Expected values are counted from the generated import records themselves (deaths, coded
deviations), independently of the registry's cohort queries and of the statistics.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from rectoplan.cli import app

cohort = pytest.importorskip("rectoplan.registry.cohort")
importing = pytest.importorskip("rectoplan.registry.importing")

PATIENTS = 150
runner = CliRunner()


@pytest.fixture(scope="module")
def records() -> list[dict]:
    from rectoplan.registry.synthetic import generate_cohort

    return list(generate_cohort(PATIENTS, seed=11))


@pytest.fixture(scope="module")
def registry_url(records, tmp_path_factory) -> str:
    from rectoplan.registry import db, migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('registry') / 'demo.sqlite3'}"
    migrate.upgrade_to_head(url)
    engine = db.make_engine(url)
    with db.transaction(db.session_factory(engine), "analytics-tests") as session:
        importing.import_records(session, list(enumerate(records, start=1)))
    engine.dispose()
    return url


def run(*args: str) -> dict:
    result = runner.invoke(app, ["analytics", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_overall_survival_counts_every_recorded_death(records, registry_url):
    deaths = sum(any(e["kind"] == "death" for e in r["case"]["follow_up"]) for r in records)
    (curve,) = run("km", "--db", registry_url)["curves"]
    assert curve["events"] == deaths
    assert curve["n"] <= PATIENTS


def _category(record: dict, decision: dict) -> str:
    """The decision's category worked out here from the engine's options for the case as it
    stood when the decision was made (without its recurrence, if the decision came first)."""
    from rectoplan.clinical.case import Case
    from rectoplan.pathways import assess

    case = dict(record["case"])
    recurred = (case.get("recurrence") or {}).get("date")
    if recurred and decision["decided_at"][:10] < recurred:
        case.pop("recurrence")
    chosen = decision["chosen_option_id"]
    options = assess(Case.model_validate(case)).recommendations
    strengths = {r.id: r.strength.value for r in options}
    if strengths.get(chosen) == "preferred":
        return "concordant"
    return "alternative" if strengths.get(chosen) in ("alternative", "consider") else "deviation"


def test_concordance_matches_the_coded_deviations(records, registry_url):
    decided = [(r, d) for r in records for d in r["decisions"]]
    categories = Counter(_category(r, d) for r, d in decided)
    codes = Counter(
        d["deviation_code"]
        for r, d in decided
        if d["deviation_code"] and _category(r, d) == "deviation"
    )
    payload = run("concordance", "--db", registry_url)
    assert payload["overall"]["n"] == len(decided)
    assert payload["overall"]["k"] == categories["concordant"]
    assert payload["alternatives"] == categories["alternative"] > 0
    assert payload["deviations"] == categories["deviation"] > 0
    assert {r["code"]: r["count"] for r in payload["reasons"]} == dict(codes)


def test_benchmark_compares_registry_r0_with_every_r0_reference(registry_url):
    payload = run("benchmark", "--db", registry_url)
    ids = {c["reference"]["id"] for c in payload["comparisons"]}
    assert {"seed002.r0", "pelvex_2018.r0", "exenteration_benchmarks_2024.lrrc.r0"} <= ids
    r0 = payload["cohort"]["r0"]
    assert 0 <= r0["lower"] <= r0["estimate"] <= r0["upper"] <= 1

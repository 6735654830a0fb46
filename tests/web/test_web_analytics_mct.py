"""Analytics of the demo registry as JSON and as figures, and the magnet planner over HTTP."""

from __future__ import annotations

import pytest
from web_support import bearer, client_for

from rectoplan.registry.users import Role


@pytest.fixture(scope="module")
def demo_client(demo_template, tmp_path_factory):
    # read-only use, so one copy serves the module
    path = tmp_path_factory.mktemp("analytics") / "demo.sqlite3"
    path.write_bytes(demo_template.read_bytes())
    with client_for(f"sqlite:///{path}") as client:
        yield client


def test_kaplan_meier_json_by_group(demo_client):
    answer = demo_client.get(
        "/api/analytics/km",
        params={"endpoint": "overall", "group_by": "risk_group", "times": [365, 730]},
        headers=bearer(Role.viewer),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["curves"]) >= 2 and body["logrank"]["df"] == len(body["curves"]) - 1
    assert [row["time"] for row in body["curves"][0]["at_times"]] == [365, 730]


@pytest.mark.parametrize(
    ("path", "format_", "magic"),
    [
        ("/api/analytics/km", "png", b"\x89PNG"),
        ("/api/analytics/concordance", "svg", b"<?xml"),
        ("/api/analytics/benchmark", "png", b"\x89PNG"),
    ],
)
def test_figures(demo_client, path, format_, magic):
    answer = demo_client.get(path, params={"format": format_}, headers=bearer(Role.viewer))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(f"image/{format_}")
    assert answer.content.startswith(magic)


def test_benchmark_and_concordance_json(demo_client):
    viewer = bearer(Role.viewer)
    benchmark = demo_client.get("/api/analytics/benchmark", headers=viewer).json()
    assert benchmark["comparisons"] and "concordance" in benchmark["cohort"]
    report = demo_client.get(
        "/api/analytics/concordance", params={"period": "month"}, headers=viewer
    ).json()
    assert report["periods"] and report["overall"]["n"] >= 100


def test_analytics_of_an_empty_registry_is_422_not_500(client):
    answer = client.get("/api/analytics/concordance", headers=bearer(Role.viewer))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "period"


SEED000_RING = {"od_mm": 20, "id_mm": 8, "height_mm": 5, "grade": "N45"}


def test_mct_force_plan_and_design(client):
    viewer = bearer(Role.viewer)
    force = client.post(
        "/api/mct/force", json={"lower": SEED000_RING, "gaps_mm": [0, 5, 25]}, headers=viewer
    )
    assert force.status_code == 200, force.text
    rows = force.json()["rows"]
    assert [r["gap_mm"] for r in rows] == [0, 5, 25]
    assert rows[0]["force_n"] > rows[1]["force_n"] > rows[2]["force_n"] > 0
    plan = client.post(
        "/api/mct/plan", json={"lower": SEED000_RING, "stenosis_length_mm": 25}, headers=viewer
    )
    assert plan.status_code == 200, plan.text
    assert plan.json()["verdict"] in {"couples_directly", "needs_guidewire_rail", "cannot_couple"}
    design = client.post(
        "/api/mct/design",
        json={"max_od_mm": 20, "max_height_mm": 8, "min_id_mm": 3, "step_mm": 1},
        headers=viewer,
    )
    assert design.status_code == 200, design.text
    assert design.json()["n_pareto"] == len(design.json()["designs"]) > 0


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/mct/force", {"lower": {**SEED000_RING, "id_mm": 25}}, "lower.id_mm"),
        ("/api/mct/force", {"lower": {**SEED000_RING, "grade": "N99"}}, "lower.grade"),
        ("/api/mct/force", {"lower": SEED000_RING, "gaps_mm": [-1]}, "gaps_mm[0]"),
        (
            "/api/mct/plan",
            {"lower": SEED000_RING, "stenosis_length_mm": 25, "settings": {"rail_force_n": 5}},
            "settings.direct_force_n",
        ),
        ("/api/mct/design", {"max_od_mm": 20, "max_height_mm": 8, "min_id_mm": 30}, "min_id_mm"),
        ("/api/mct/design", {"max_od_mm": 90, "max_height_mm": 40, "step_mm": 0.1}, "step_mm"),
    ],
)
def test_mct_bad_input_is_422_naming_the_field(client, path, body, field):
    answer = client.post(path, json=body, headers=bearer(Role.viewer))
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == field


def test_benchmark_reports_each_references_subset_and_criteria(demo_client, demo_template):
    """The demo holds primary cancers and five recurrence examples, none resected: every
    recurrence reference is compared with recurrence episodes only, and is too few. The CLI
    on the same registry reports the same subsets."""
    import json

    from typer.testing import CliRunner

    from rectoplan.analytics.benchmarks import reference
    from rectoplan.cli import app

    body = demo_client.get("/api/analytics/benchmark", headers=bearer(Role.viewer)).json()
    for comparison in body["comparisons"]:
        cohort = comparison["cohort"]
        assert cohort["criteria"] and isinstance(cohort["subset_n"], int)
        setting = reference(comparison["reference"]["id"]).population.setting
        if setting == "recurrence":
            assert cohort["criteria"][0].startswith("recurrence episodes")
            assert cohort["subset_n"] <= 5
            assert comparison["verdict"] == "too few to compare"
    by_id = {c["reference"]["id"]: c for c in body["comparisons"]}
    assert by_id["seed002.r0"]["cohort"]["subset_n"] == 0
    result = CliRunner().invoke(
        app, ["analytics", "benchmark", "--db", f"sqlite:///{demo_template}", "--json"]
    )
    assert result.exit_code == 0, result.output
    cli = {c["reference"]["id"]: c["cohort"] for c in json.loads(result.output)["comparisons"]}
    assert cli == {ref_id: c["cohort"] for ref_id, c in by_id.items()}


def test_analytics_answers_are_kept_until_the_registry_changes(demo_template, tmp_path):
    """A repeated question is answered from the cache; different parameters, formats or
    languages are different answers; the first request after a write sees the write."""
    from rectoplan.reports.cache import OUTCOMES

    path = tmp_path / "demo.sqlite3"
    path.write_bytes(demo_template.read_bytes())
    viewer = bearer(Role.viewer)
    km = {"endpoint": "overall", "times": [365]}
    with client_for(f"sqlite:///{path}") as client:
        OUTCOMES.clear()
        first = client.get("/api/analytics/km", params=km, headers=viewer).json()
        hits = OUTCOMES.hits
        again = client.get("/api/analytics/km", params=km, headers=viewer).json()
        assert OUTCOMES.hits == hits + 1 and again == first
        other = client.get(
            "/api/analytics/km", params={**km, "times": [730]}, headers=viewer
        ).json()
        assert [row["time"] for row in other["curves"][0]["at_times"]] == [730]
        figure = client.get("/api/analytics/km", params={**km, "format": "png"}, headers=viewer)
        assert figure.content.startswith(b"\x89PNG")
        misses = OUTCOMES.misses
        chinese = client.get(
            "/api/analytics/km", params={**km, "format": "png"},
            headers={**viewer, "Accept-Language": "zh-CN"},
        )  # fmt: skip
        # the figure's labels are in the request's language: its own entry, not the English one
        assert chinese.content.startswith(b"\x89PNG") and OUTCOMES.misses == misses + 1

        cases = client.get("/api/cases", params={"limit": 200}, headers=viewer).json()["items"]
        deaths = sum(curve["events"] for curve in first["curves"])
        for case in cases:
            added = client.post(
                f"/api/cases/{case['case_id']}/events",
                json={"kind": "death", "occurred_on": "2026-06-01"},
                headers=bearer(Role.clinician),
            )
            if added.status_code == 201:
                break
        else:
            pytest.fail("no demo case could take a death on 2026-06-01")
        after = client.get("/api/analytics/km", params=km, headers=viewer).json()
    assert sum(curve["events"] for curve in after["curves"]) == deaths + 1

"""The dashboard's filters, CSV exports and per-version cache, on the demo registry.

Expected values come from outside the dashboard: lifelines refits the exported rows, SQL
counts the filtered episodes, and a write to the registry must show on the next request.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from sqlalchemy import create_engine, text
from web_support import bearer, client_for, sign_in

from rectoplan.registry.users import Role
from rectoplan.reports.cache import OUTCOMES


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("exports") / "demo.sqlite3"
    path.write_bytes(demo_template.read_bytes())
    url = f"sqlite:///{path}"
    with client_for(url) as client:
        sign_in(client, Role.viewer)
        yield client, url


def csv_of(client, name: str, **params) -> pd.DataFrame:
    response = client.get(f"/outcomes/export/{name}.csv", params=params)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    assert f"rectoplan-{name}.csv" in response.headers["content-disposition"]
    return pd.read_csv(io.StringIO(response.text), keep_default_na=False)


@pytest.mark.parametrize("group_by", ["risk_group", ""])
def test_the_km_csv_refitted_with_lifelines_gives_the_dashboards_curves(demo, group_by):
    client, _ = demo
    rows = csv_of(client, "km-patients", group_by=group_by)
    assert list(rows.columns) == ["patient", "group", "duration_days", "event"]
    assert rows["patient"].is_unique and rows["patient"].str.fullmatch(r"P\d{4}").all()
    params = {"times": [0, 365.25, 730.5, 1826.25]}
    if group_by:
        params["group_by"] = group_by
    api = client.get("/api/analytics/km", params=params, headers=bearer(Role.viewer)).json()
    curves = {curve["label"]: curve for curve in api["curves"]}
    assert set(rows["group"]) == set(curves)
    for label, curve in curves.items():
        mine = rows[rows["group"] == label]
        fitter = KaplanMeierFitter().fit(mine["duration_days"], mine["event"].astype(bool))
        assert len(mine) == curve["n"] and int(mine["event"].sum()) == curve["events"]
        for row in curve["at_times"]:
            refit = float(fitter.survival_function_at_times(row["time"]).iloc[0])
            assert refit == pytest.approx(row["survival"], abs=1e-12), (label, row["time"])


def test_groups_are_in_clinical_order_under_clinical_labels(demo):
    client, _ = demo
    rates = csv_of(client, "survival-rates", group_by="risk_group")
    groups = list(dict.fromkeys(rates["group"]))
    order = ["Very early", "Early", "Intermediate", "Locally advanced", "Advanced", "Metastatic"]
    assert groups == [g for g in order if g in groups] and len(groups) >= 3
    assert set(rates["years"]) == {1, 3, 5}
    shown = rates[rates["survival"] != ""]
    for _, r in shown.iterrows():
        assert float(r["lower"]) <= float(r["survival"]) <= float(r["upper"])


def _episodes_by_sql(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar())
    finally:
        engine.dispose()


def test_filtering_by_procedure_approach_and_years_counts_what_sql_counts(demo):
    client, url = demo
    expected = _episodes_by_sql(
        url,
        "SELECT count(DISTINCT e.id) FROM episodes e JOIN treatments t ON t.episode_id = e.id "
        "WHERE t.kind = 'operation' AND t.operation_type = 'apr' "
        "AND t.approach = 'laparoscopic' AND e.diagnosis_date >= '2019-01-01' "
        "AND e.diagnosis_date < '2024-01-01'",
    )
    assert expected >= 2  # the 120-episode demo holds a few
    params = {
        "procedure": "apr",
        "approach": "laparoscopic",
        "from_year": "2019",
        "to_year": "2023",
    }
    page = client.get("/outcomes", params=params)
    assert page.status_code == 200
    counted = re.search(r'id="counted".*?<strong>([\d,]+)</strong>', page.text, re.S)
    assert counted and int(counted.group(1).replace(",", "")) == expected
    km = csv_of(client, "km-patients", group_by="", **params)
    assert 0 < len(km) <= expected
    decisions = csv_of(client, "decisions", **params)
    assert len(decisions) == _episodes_by_sql(
        url,
        "SELECT count(*) FROM mdt_decisions d WHERE d.episode_id IN (SELECT e.id FROM episodes e "
        "JOIN treatments t ON t.episode_id = e.id WHERE t.operation_type = 'apr' AND "
        "t.approach = 'laparoscopic' AND e.diagnosis_date >= '2019-01-01' AND "
        "e.diagnosis_date < '2024-01-01')",
    )
    assert set(decisions["category"]) <= {"concordant", "alternative", "deviation"}


def test_every_table_on_the_page_has_its_csv(demo):
    client, _ = demo
    html = client.get("/outcomes").text
    links = set(re.findall(r'href="/outcomes/export/([a-z-]+)\.csv', html))
    assert links == {
        "km-patients", "survival-rates", "at-risk", "medians", "benchmarks", "concordance",
        "decisions", "deviation-reasons", "procedures",
    }  # fmt: skip
    benchmarks = csv_of(client, "benchmarks")
    assert len(benchmarks) == html.count("<tr data-reference=")
    assert (benchmarks["patients_compared"].astype(int) >= 0).all()
    assert benchmarks["criteria"].str.len().gt(0).all()
    reasons = csv_of(client, "deviation-reasons")
    assert reasons["deviations"].astype(int).is_monotonic_decreasing


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"procedure": "teleportation"}, "procedure"),
        ({"from_year": "2024", "to_year": "2019"}, "to_year"),
    ],
)
def test_a_bad_patient_filter_is_named(demo, params, field):
    client, _ = demo
    page = client.get("/outcomes", params=params)
    assert page.status_code == 422
    assert f'id="f-{field}-error"' in page.text
    export = client.get("/outcomes/export/benchmarks.csv", params=params)
    assert export.status_code == 422


def test_a_write_to_the_registry_shows_on_the_next_request(demo_url):
    """The cache is per registry version: a new follow-up event changes the next page."""
    OUTCOMES.clear()
    with client_for(demo_url) as client:
        sign_in(client, Role.viewer)
        before = csv_of(client, "medians", group_by="")
        hits = OUTCOMES.hits
        again = csv_of(client, "medians", group_by="")
        assert OUTCOMES.hits > hits and again.equals(before)  # served from the cache
        alive = _followed_alive(client)
        added = client.post(
            f"/api/cases/{alive}/events",
            json={"kind": "death", "occurred_on": "2026-06-01"},
            headers=bearer(Role.clinician),
        )
        assert added.status_code == 201, added.text
        after = csv_of(client, "medians", group_by="")
    assert int(after["events"].iloc[0]) == int(before["events"].iloc[0]) + 1
    assert int(after["patients"].iloc[0]) == int(before["patients"].iloc[0])


def _followed_alive(client) -> str:
    """A demo case last seen alive before 2026-06-01 (so a death then is a new event)."""
    cases = client.get("/api/cases", params={"limit": 100}, headers=bearer(Role.viewer)).json()
    for case in cases["items"]:
        events = client.get(
            f"/api/cases/{case['case_id']}/events", headers=bearer(Role.viewer)
        ).json()
        kinds = {e["kind"] for e in events}
        last = max((e["occurred_on"] for e in events), default="9999")
        if "last_contact" in kinds and "death" not in kinds and last < "2026-06-01":
            return case["case_id"]
    raise AssertionError("no demo case followed and alive")

"""One record, whatever the door: random sequences of writes through the web form, the REST
API, the CLI import and the FHIR import, after which the analytics must count exactly what the
episodes say (operations, complications by grade, recurrences, deaths).

The analytics read the registry's tables, the episodes are read back as case documents over
the API; the tables are a projection of the cases, so the two counts must agree after every
sequence, including writes the registry refused (a death twice, an event after the death).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner
from web_support import bearer, example_case, sign_in

from rectoplan.cli import app as cli_app
from rectoplan.clinical.case import Case
from rectoplan.interop.fhir_export import bundle_json
from rectoplan.registry import cohort, models
from rectoplan.registry.db import make_engine, session_factory
from rectoplan.registry.users import Role
from rectoplan.web.pages.case_form import to_values

GRADES = ("I", "II", "IIIa", "IIIb", "IVa")
BASE = example_case("seed001_2_restaging")
AFTER = dt.date.fromisoformat(BASE["restaging"]["date"]) + dt.timedelta(days=10)
_ids = itertools.count()

write = st.one_of(
    st.tuples(st.just("api_operation"), st.integers(0, 3)),
    st.tuples(st.just("api_complication"), st.sampled_from(GRADES)),
    st.tuples(st.just("api_event"), st.sampled_from(["death", "recurrence", "last_contact"])),
    st.tuples(st.just("web_operation"), st.sampled_from(GRADES)),
    st.tuples(st.just("cli_import"), st.sampled_from(GRADES)),
    st.tuples(st.just("fhir_import"), st.sampled_from(GRADES)),
)


def _day(offset: int) -> str:
    return (AFTER + dt.timedelta(days=offset * 30)).isoformat()


def _new_case(complication: str | None = None, recurrence: bool = False) -> dict:
    case = json.loads(json.dumps(BASE))
    case["case_id"] = f"prop-{next(_ids)}"
    case["operations"] = [{"type": "lar", "date": _day(0), "approach": "laparoscopic"}]
    if complication:
        case["complications"] = [
            {"description": "leak", "clavien_dindo": complication, "operation": 0}
        ]
    if recurrence:
        case["recurrence"] = {"date": _day(6), "compartments": ["central"]}
    return case


class Doors:
    """Each way into the registry, on one app and one database."""

    def __init__(self, client, url, tmp_path):
        self.client, self.url, self.tmp_path = client, url, tmp_path
        self.clinician = bearer(Role.clinician)
        self.token = sign_in(client, Role.clinician)
        self.case_id = None

    def _case(self) -> str:
        if self.case_id is None:
            case = _new_case()
            created = self.client.post("/api/cases", json={"case": case}, headers=self.clinician)
            assert created.status_code == 201, created.text
            self.case_id = case["case_id"]
        return self.case_id

    def api_operation(self, offset: int) -> None:
        body = {"kind": "operation", "operation_type": "apr", "started_on": _day(offset)}
        self._answer(self.client.post(f"/api/cases/{self._case()}/treatments", json=body,
                                      headers=self.clinician))  # fmt: skip

    def api_complication(self, grade: str) -> None:
        body = {"clavien_dindo": grade, "description": f"complication {next(_ids)}"}
        self._answer(self.client.post(f"/api/cases/{self._case()}/complications", json=body,
                                      headers=self.clinician))  # fmt: skip

    def api_event(self, kind: str) -> None:
        body = {"kind": kind, "occurred_on": _day(4 if kind == "recurrence" else 5)}
        self._answer(self.client.post(f"/api/cases/{self._case()}/events", json=body,
                                      headers=self.clinician))  # fmt: skip

    def web_operation(self, grade: str) -> None:
        """The case form: add an operation and its complication to the stored case."""
        stored = self.client.get(f"/api/cases/{self._case()}", headers=self.clinician).json()
        case = stored["case"]
        case["operations"] = [*case["operations"], {"type": "hartmann", "date": _day(1)}]
        complication = {"description": "web", "clavien_dindo": grade, "date": _day(1)}
        case["complications"] = [*case["complications"], complication]
        values = {
            k: "" if v is None else v for k, v in to_values(Case.model_validate(case)).items()
        }
        form = {k: v for k, v in values.items() if v is not False}
        form |= {"expected_version": str(stored["version"]), "csrf_token": self.token}
        answer = self.client.post(f"/cases/{self.case_id}/edit", data=form, follow_redirects=False)
        assert answer.status_code in (303, 409, 422), answer.text[:500]

    def cli_import(self, grade: str) -> None:
        case = _new_case(grade, recurrence=True)
        record = {"patient": {"pseudonym": case["case_id"], "sex": "male"}, "case": case,
                  "events": [{"kind": "death", "occurred_on": _day(8)}]}  # fmt: skip
        path = self.tmp_path / f"{case['case_id']}.json"
        path.write_text(json.dumps([record]))
        result = CliRunner().invoke(
            cli_app, ["registry", "import", str(path), "--db", self.url, "--quiet", "--actor", "t"]
        )
        assert result.exit_code == 0, result.output

    def fhir_import(self, grade: str) -> None:
        bundle = bundle_json(Case.model_validate(_new_case(grade)))
        answer = self.client.post("/api/fhir/Bundle", json=bundle, headers=self.clinician)
        assert answer.status_code == 201, answer.text[:500]

    def _answer(self, response) -> None:
        assert response.status_code in (201, 409, 422), response.text[:500]


def _read_back(client) -> tuple[int, Counter, int, int]:
    """Operations, complications by grade, recurrences and deaths in the case documents."""
    viewer = bearer(Role.viewer)
    listed = client.get("/api/cases", params={"limit": 200}, headers=viewer).json()["items"]
    operations, grades, recurrences, deaths = 0, Counter(), 0, 0
    for item in listed:
        case = client.get(f"/api/cases/{item['case_id']}", headers=viewer).json()["case"]
        operations += len(case["operations"])
        grades.update(c["clavien_dindo"] for c in case["complications"])
        recurrences += bool(case["recurrence"] and case["recurrence"]["date"])
        deaths += sum(e["kind"] == "death" for e in case["follow_up"])
    return operations, grades, recurrences, deaths


def _analytics(url: str) -> tuple[int, Counter, int, int]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            operations = len(cohort.operation_cci(session))
            grades = Counter(
                g.rstrip("-d") for g in session.scalars(select(models.Complication.clavien_dindo))
            )
            overall = cohort.survival_frame(session, "overall")
            disease_free = session.scalars(
                select(models.FollowUpEvent.kind).where(models.FollowUpEvent.kind == "recurrence")
            ).all()
            return operations, grades, len(disease_free), int(overall["event"].sum())
    finally:
        engine.dispose()


@pytest.fixture
def doors(client, sqlite_url, tmp_path):
    return Doors(client, sqlite_url, tmp_path)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=st.lists(write, min_size=1, max_size=5))
def test_the_analytics_count_what_the_episodes_say(doors, writes):
    doors.case_id = None  # each sequence works on a case of its own
    for name, argument in writes:
        getattr(doors, name)(argument)
    assert _analytics(doors.url) == _read_back(doors.client)

"""The case routes on mutated JSON (issue 12): whatever the body holds, the answer is a
success or a 4xx naming what is wrong, never a 5xx and never a traceback.

The bodies are the example cases with a few values mutated (`case_mutations`), sent as text so
that NaN and Infinity arrive as Python's JSON writer spells them. ``RECTOPLAN_FUZZ_EXAMPLES``
sets how many per route (40 by default, derandomized so a failure reproduces).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from web_support import bearer, example_case

from case_mutations import FUZZ_EXAMPLES, dumps, mutated_cases
from rectoplan.registry.users import Role

FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
JSON = {"Content-Type": "application/json"}


def _checked(answer, what: str) -> None:
    assert answer.status_code < 500, f"{what}: {answer.status_code} {answer.text[:500]}"
    assert "Traceback" not in answer.text and 'File "' not in answer.text, what
    if answer.status_code == 422:
        detail = answer.json()["detail"]
        assert detail and all(item.get("field") and item.get("msg") for item in detail), detail


@FUZZ
@given(mutated=mutated_cases())
def test_post_api_assess_never_answers_5xx(client, mutated):
    what, case = mutated
    answer = client.post("/api/assess", content=dumps(case), headers=bearer(Role.clinician) | JSON)
    _checked(answer, what)


@FUZZ
@given(mutated=mutated_cases(names=("seed000_anastomotic_stenosis",)))
def test_put_api_cases_never_answers_5xx_and_a_refused_write_changes_nothing(client, mutated):
    what, case = mutated
    case_id = "seed000-stenosis"
    url = f"/api/cases/{case_id}"
    before = client.get(url, headers=bearer(Role.viewer))
    if before.status_code == 404:
        stored = client.post(
            "/api/cases",
            json={"case": example_case("seed000_anastomotic_stenosis")},
            headers=bearer(Role.clinician),
        )
        assert stored.status_code == 201, stored.text
        before = client.get(url, headers=bearer(Role.viewer))
    version = before.json()["version"]
    body = dumps({"expected_version": version, "case": case})
    answer = client.put(url, content=body, headers=bearer(Role.clinician) | JSON)
    _checked(answer, what)
    after = client.get(url, headers=bearer(Role.viewer)).json()
    if answer.status_code != 200:
        assert after == before.json(), what

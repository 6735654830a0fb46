"""Issue 12's 229 responses of 500, entry point by entry point: delivery limits no magnetic ring
can pass and rings too small to exist, sent to every place a case or a ring plan comes in.

The seed-000 stenosis case with ``"max_od_anus_mm": 2`` (its lumen is 3 mm) or a ring of
``5e-324`` mm used to reach the magnet engine and fail there as ``ValueError`` (500 on the API,
500 as plain text on the edit page with the input lost). Each must now be refused where it
enters: 422 naming the field under ``stenosis`` in the API's ``detail``, or the form again with
the message beside the input and everything typed kept; nothing stored, never a traceback.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest
from web_support import bearer, example_case, sign_in

from rectoplan.clinical.case import Case
from rectoplan.registry.users import Role

SEED000 = "seed000_anastomotic_stenosis"
CASE_ID = "seed000-stenosis"


def _narrow_passages(stenosis: dict) -> None:
    stenosis["delivery_limits"].update(max_od_anus_mm=2, max_od_stoma_mm=2)


def _vanishing_passage(stenosis: dict) -> None:
    stenosis["delivery_limits"].update(max_od_anus_mm=5e-324, min_id_mm=0)  # 0 m to the physics


def _vanishing_ring(stenosis: dict) -> None:
    stenosis["rings"] = [{"od_mm": 5e-324, "id_mm": 0, "height_mm": 5, "grade": "N45"}]


UNUSABLE = [
    pytest.param(
        _narrow_passages,
        "stenosis.delivery_limits.max_od_anus_mm",
        "no magnetic ring fits through an anus of 2 mm",
        id="max_od_2mm",
    ),
    pytest.param(
        _vanishing_passage,
        "stenosis.delivery_limits.max_od_anus_mm",
        "greater than or equal to 1",
        id="max_od_5e-324",
    ),
    pytest.param(
        _vanishing_ring,
        "stenosis.rings[0].od_mm",
        "greater than or equal to 1",
        id="ring_od_5e-324",
    ),
]


def _seed000(change=None) -> dict:
    case = example_case(SEED000)
    if change is not None:
        change(case["stenosis"])
    return case


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text and "ValueError" not in text and "internal error" not in text


def _detail(answer, field: str) -> str:
    assert answer.status_code == 422, answer.text
    items = answer.json()["detail"]
    messages = [item["msg"] for item in items if item["field"] == field]
    assert messages, items
    _no_traceback(answer.text)
    return messages[0]


@pytest.mark.parametrize(("change", "field", "message"), UNUSABLE)
def test_post_api_assess_is_422_naming_the_field(client, change, field, message):
    answer = client.post("/api/assess", json=_seed000(change), headers=bearer(Role.clinician))
    assert message in _detail(answer, field)


@pytest.mark.parametrize(("change", "field", "message"), UNUSABLE)
def test_post_api_cases_is_422_naming_the_field_and_stores_nothing(client, change, field, message):
    answer = client.post(
        "/api/cases", json={"case": _seed000(change)}, headers=bearer(Role.clinician)
    )
    assert message in _detail(answer, f"case.{field}")
    assert client.get("/api/cases", headers=bearer(Role.viewer)).json()["total"] == 0


def _store_seed000(client) -> None:
    stored = client.post("/api/cases", json={"case": _seed000()}, headers=bearer(Role.clinician))
    assert stored.status_code == 201, stored.text


def _unchanged(client) -> None:
    """The stored case is still the seed-000 case at version 1, with one assessment."""
    url = f"/api/cases/{CASE_ID}"
    now = client.get(url, headers=bearer(Role.viewer)).json()
    assert now["version"] == 1
    assert Case.model_validate(now["case"]) == Case.model_validate(_seed000())
    assessments = client.get(f"{url}/assessments", headers=bearer(Role.viewer)).json()
    assert len(assessments) == 1


@pytest.mark.parametrize(("change", "field", "message"), UNUSABLE)
def test_put_api_cases_is_422_naming_the_field_and_changes_nothing(
    any_client, change, field, message
):
    _store_seed000(any_client)
    answer = any_client.put(
        f"/api/cases/{CASE_ID}",
        json={"case": _seed000(change), "expected_version": 1},
        headers=bearer(Role.clinician),
    )
    assert message in _detail(answer, f"case.{field}")
    _unchanged(any_client)


EDITOR = f"/cases/{CASE_ID}/record/stenosis"

TYPED = {  # what a user types into the stenosis editor for each unusable case
    "max_od_2mm": {
        "stenosis.delivery_limits.max_od_anus_mm": "2",
        "stenosis.delivery_limits.max_od_stoma_mm": "2",
    },
    "max_od_5e-324": {
        "stenosis.delivery_limits.max_od_anus_mm": "5e-324",
        "stenosis.delivery_limits.min_id_mm": "0",
    },
    "ring_od_5e-324": {"stenosis.rings[0].od_mm": "5e-324", "stenosis.rings[0].id_mm": "0"},
}


def _editor_values(page: str) -> dict[str, str]:
    """The stenosis editor's inputs as the browser would post them, from its one form."""
    form = re.search(r'<form id="f-form".*?</form>', page, re.S)
    assert form, "no part editor form"
    values = {}
    for tag in re.finditer(r"<input[^>]*>", form.group(0)):
        name = re.search(r'name="([^"]+)"', tag.group(0))
        value = re.search(r'value="([^"]*)"', tag.group(0))
        if name and 'type="checkbox"' not in tag.group(0):
            values[name.group(1)] = html.unescape(value.group(1)) if value else ""
        elif name and "checked" in tag.group(0):
            values[name.group(1)] = html.unescape(value.group(1)) if value else "on"
    for select in re.finditer(
        r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form.group(0), re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected', select.group(2))
        values[select.group(1)] = html.unescape(chosen.group(1)) if chosen else ""
    return values


def _beside(page: str, field: str) -> str:
    element = "f-" + re.sub(r"\[(\d+)\]", r"-\1", field).replace(".", "-")
    found = re.search(rf'id="{re.escape(element)}-error">([^<]*)<', page)
    assert found, f"no message beside {field}"
    return html.unescape(found.group(1))


@pytest.mark.parametrize(("change", "field", "message"), UNUSABLE)
def test_the_stenosis_editor_shows_the_message_beside_the_input_and_keeps_it(
    client, change, field, message, request
):
    """The case page's stenosis editor (the one place the web edits a stenosis) refuses each
    unusable value beside its input, keeps what was typed, and stores nothing."""
    _store_seed000(client)
    token = sign_in(client, Role.clinician)
    typed = TYPED[request.node.callspec.id]
    form = _editor_values(client.get(EDITOR).text) | typed | {"csrf_token": token}
    answer = client.post(EDITOR, data=form, follow_redirects=False)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    # the form reads plain numbers only, so "5e-324" is refused before the range is checked
    expected = "is not a number" if "e-324" in " ".join(typed.values()) else message
    assert expected in _beside(answer.text, field)
    kept = _editor_values(answer.text)
    assert {name: kept[name] for name in typed} == typed
    _no_traceback(answer.text)
    _unchanged(client)


PLANNER = {
    "stenosis_length_mm": "30",
    "lower.od_mm": "20",
    "lower.id_mm": "3",
    "lower.height_mm": "8",
    "lower.grade": "N50",
    "max_od_mm": "20",
    "min_id_mm": "3",
    "max_height_mm": "8",
    "step_mm": "0.5",
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"max_od_mm": "2"}, "min_id_mm", "the bore to keep (3 mm) must be narrower than the "),
        ({"max_od_mm": "5e-324"}, "max_od_mm", "greater than or equal to 1"),
        ({"lower.od_mm": "5e-324"}, "lower.od_mm", "greater than or equal to 1"),
    ],
)
def test_the_planner_page_names_the_field_and_keeps_what_was_typed(client, changes, field, message):
    sign_in(client, Role.viewer)
    query = PLANNER | changes
    answer = client.get("/planner/stenosis?" + urlencode(query))
    assert answer.status_code == 422
    element = "f-" + field.replace(".", "-")
    found = re.search(rf'id="{re.escape(element)}-error">([^<]*)<', answer.text)
    assert found and message in html.unescape(found.group(1))
    for name, typed in changes.items():
        assert f'value="{typed}"' in answer.text, name
    _no_traceback(answer.text)


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        (
            "/api/mct/design",
            {"max_od_mm": 2, "min_id_mm": 3, "max_height_mm": 8},
            "min_id_mm",
            "the bore to keep (3 mm) must be narrower than the widest ring the route passes (2 mm)",
        ),
        (
            "/api/mct/plan",
            {
                "stenosis_length_mm": 30,
                "lower": {"od_mm": 5e-324, "id_mm": 0, "height_mm": 5},
                "upper": {"od_mm": 20, "id_mm": 3, "height_mm": 8},
            },
            "lower.od_mm",
            "greater than or equal to 1",
        ),
    ],
)
def test_the_mct_api_is_422_naming_the_field(client, path, body, field, message):
    answer = client.post(path, json=body, headers=bearer(Role.viewer))
    assert message in _detail(answer, field)

"""The MDT meeting pages: scheduling, the agenda (add, move, remove), attendance under optimistic
locking, minutes written from exactly the decisions recorded at the meeting, the printable
summary and its PDF, and the case list filtered to a meeting's cases.

Expected values are read from the API (snapshots, deviation reasons, the stored meeting) or
computed here, never copied from the page under test.
"""

from __future__ import annotations

import copy
import html
import re

import pytest
from web_support import bearer, sign_in

from rectoplan.registry.users import Role

PREFERRED = "primary.organ_preservation.crt_local_excision"
DAY, TITLE = "2025-03-10", "Colorectal MDT"


# --- helpers ---------------------------------------------------------------------------------


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def _section(page: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def _agenda(page: str) -> list[str]:
    """The case ids on the meeting page's agenda, in order."""
    listed = re.search(r'<ol class="agenda">(.*?)</ol>', page, re.S)
    if listed is None:
        return []
    return [html.unescape(c) for c in re.findall(r"<strong>([^<]+)</strong>", listed.group(1))]


def _minutes(page: str) -> list[str]:
    """The decisions the minutes state, in their order."""
    found = re.findall(r'<div class="minute-decision">(.*?)</div>', page, re.S)
    return [_text(minute) for minute in found]


def _field_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert match, name
    return html.unescape(match.group(1))


def _textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, name
    return html.unescape(match.group(1))


def _error(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert match, f"no error beside {field_id}"
    return _text(match.group(1))


def _store(client, case_id: str, case: dict) -> str:
    body = copy.deepcopy(case)
    body["case_id"] = case_id
    created = client.post("/api/cases", json={"case": body}, headers=bearer(Role.clinician))
    assert created.status_code == 201, created.text
    return case_id


def _meeting(client, title: str = TITLE, day: str = DAY) -> dict:
    made = client.post(
        "/api/meetings", json={"held_on": day, "title": title}, headers=bearer(Role.coordinator)
    )
    assert made.status_code == 201, made.text
    return made.json()


def _post(client, url: str, token: str, **data):
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def _snapshot(client, case_id: str) -> dict:
    snapshots = client.get(f"/api/cases/{case_id}/assessments", headers=bearer(Role.viewer))
    return snapshots.json()[-1]["assessment"]


URGENT = "obstructing tumour: decided before the next MDT"


def _decide(client, case_id: str, **body) -> dict:
    """Record a decision: at a meeting (put on its agenda if it is not), else as urgent."""
    if body.get("meeting_id") is None:
        body.setdefault("urgency_reason", URGENT)
    else:
        body.setdefault("add_to_agenda", True)
    answer = client.post(
        f"/api/cases/{case_id}/decisions", json=body, headers=bearer(Role.clinician)
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def cases(client, case) -> list[str]:
    return [_store(client, f"mdt-{n}", case) for n in range(4)]


@pytest.fixture
def meeting(client) -> dict:
    return _meeting(client)


# --- the list and scheduling -----------------------------------------------------------------


def test_a_coordinator_schedules_a_meeting_and_the_list_counts_its_cases(client, cases):
    token = sign_in(client, Role.coordinator)
    page = client.get("/meetings")
    assert "<h1>MDT meetings</h1>" in page.text and "Schedule a meeting" in page.text
    made = _post(client, "/meetings", token, held_on=DAY, title=f"  {TITLE} ")
    assert made.status_code == 303
    meeting_id = int(made.headers["location"].rsplit("/", 1)[1])
    stored = client.get(f"/api/meetings/{meeting_id}", headers=bearer(Role.viewer)).json()
    assert (stored["held_on"], stored["title"]) == (DAY, TITLE)
    for case_id in cases[:3]:
        added = _post(client, f"/meetings/{meeting_id}/agenda", token, case_id=case_id)
        assert added.status_code == 303
    _decide(client, cases[3], chosen_option_id=PREFERRED, meeting_id=meeting_id)
    older = _meeting(client, "Older MDT", "2025-01-06")
    body = re.search(r"<tbody>(.*?)</tbody>", client.get("/meetings").text, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    cells = [[_text(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    # the decided case was discussed on the spot: it joined the agenda
    assert cells == [[DAY, "", TITLE, "4", "1"], ["2025-01-06", "", older["title"], "0", "0"]]


def test_scheduling_errors_are_beside_the_field_and_the_typed_values_stay(client, meeting):
    token = sign_in(client, Role.coordinator)
    blank = _post(client, "/meetings", token, held_on="2025-04-01", title="   ")
    assert blank.status_code == 422
    assert "title" in _error(blank.text, "f-title")
    assert _field_value(blank.text, "held_on") == "2025-04-01"
    duplicate = _post(client, "/meetings", token, held_on=DAY, title=TITLE)
    assert duplicate.status_code == 422
    message = _error(duplicate.text, "f-title")
    assert "already" in message and TITLE in message and DAY in message
    assert (_field_value(duplicate.text, "held_on"), _field_value(duplicate.text, "title")) == (
        DAY,
        TITLE,
    )
    bad_day = _post(client, "/meetings", token, held_on="2025-02-30", title="Later MDT")
    assert bad_day.status_code == 422
    assert _error(bad_day.text, "f-held_on") and _field_value(bad_day.text, "title") == "Later MDT"
    both = _post(client, "/meetings", token, held_on="", title="x" * 201)
    assert both.status_code == 422
    assert _error(both.text, "f-held_on") and "200" in _error(both.text, "f-title")
    assert _field_value(both.text, "title") == "x" * 201
    listed = client.get("/api/meetings", headers=bearer(Role.viewer)).json()
    assert [m["id"] for m in listed] == [meeting["id"]]


def test_viewers_and_clinicians_see_no_forms_and_their_writes_are_403(client, cases, meeting):
    url = f"/meetings/{meeting['id']}"
    for role in (Role.viewer, Role.clinician):
        token = sign_in(client, role)
        assert "Schedule a meeting" not in client.get("/meetings").text
        page = client.get(url).text
        assert "Add to agenda" not in page and "Save attendance" not in page
    token = sign_in(client, Role.clinician)
    writes = [
        ("/meetings", {"held_on": DAY, "title": "Another"}),
        (f"{url}/agenda", {"case_id": cases[0]}),
        (f"{url}/agenda/{cases[0]}/remove", {}),
        (f"{url}/agenda/{cases[0]}/up", {}),
        (f"{url}/agenda/{cases[0]}/down", {}),
        (f"{url}/attendance", {"attendees": "Eve", "expected_version": "1"}),
    ]
    for path, data in writes:
        refused = _post(client, path, token, **data)
        assert refused.status_code == 403, path
        assert "coordinator" in refused.text
    stored = client.get(f"/api/meetings/{meeting['id']}", headers=bearer(Role.viewer)).json()
    assert stored["attendees"] == [] and stored["version"] == 1
    assert len(client.get("/api/meetings", headers=bearer(Role.viewer)).json()) == 1


# --- the agenda ------------------------------------------------------------------------------


def test_agenda_add_move_and_remove_keep_one_ordered_list(client, cases, meeting):
    token = sign_in(client, Role.coordinator)
    url = f"/meetings/{meeting['id']}"
    expected: list[str] = []
    for case_id in cases[:3]:
        added = _post(client, f"{url}/agenda", token, case_id=case_id)
        assert added.status_code == 303 and added.headers["location"] == f"{url}#agenda"
        expected.append(case_id)
        assert _agenda(client.get(url).text) == expected
    a, b, c = cases[:3]
    moves = [
        ("up", c, [a, c, b]),
        ("up", c, [c, a, b]),
        ("up", c, [c, a, b]),  # already first: nothing moves
        ("down", a, [c, b, a]),
        ("down", a, [c, b, a]),  # already last
        ("remove", b, [c, a]),
    ]
    for action, case_id, order in moves:
        assert _post(client, f"{url}/agenda/{case_id}/{action}", token).status_code == 303
        page = client.get(url).text
        assert _agenda(page) == order, (action, case_id)
        places = re.findall(r'<td class="num">(\d+)</td>', client.get(f"{url}/summary").text)
        assert places == [str(n) for n in range(1, len(order) + 1)]
    gone = _post(client, f"{url}/agenda/{b}/remove", token)
    assert gone.status_code == 409 and b in _text(gone.text)
    assert _agenda(gone.text) == [c, a]


def test_adding_an_unknown_or_repeated_case_is_422_beside_the_field(client, cases, meeting):
    token = sign_in(client, Role.coordinator)
    url = f"/meetings/{meeting['id']}"
    unknown = _post(client, f"{url}/agenda", token, q="no-such-case")
    assert unknown.status_code == 422
    assert "no-such-case" in _error(unknown.text, "f-q")
    assert _field_value(unknown.text, "q") == "no-such-case"
    assert 'aria-invalid="true"' in unknown.text
    assert _post(client, f"{url}/agenda", token, case_id=cases[0]).status_code == 303
    again = _post(client, f"{url}/agenda", token, case_id=cases[0])
    assert again.status_code == 422 and "already" in _error(again.text, "f-q")
    assert _agenda(client.get(url).text) == [cases[0]]


def test_the_agenda_shows_stage_phase_and_preferred_option_of_the_latest_snapshot(
    client, cases, meeting
):
    token = sign_in(client, Role.coordinator)
    _post(client, f"/meetings/{meeting['id']}/agenda", token, case_id=cases[0])
    snapshot = _snapshot(client, cases[0])
    titles = {r["id"]: r["title"] for r in snapshot["recommendations"]}
    preferred = [r["id"] for r in snapshot["recommendations"] if r["strength"] == "preferred"]
    agenda = _text(_section(client.get(f"/meetings/{meeting['id']}").text, "agenda"))
    assert f"Stage {snapshot['stage']['group']}" in agenda
    assert f"phase {snapshot['phase']}" in agenda
    assert all(titles[p] in agenda for p in preferred) and preferred


# --- attendance ------------------------------------------------------------------------------


def test_attendance_round_trips_cleaned(client, meeting):
    token = sign_in(client, Role.coordinator)
    url = f"/meetings/{meeting['id']}"
    typed = "  Dr A Smith \n\nDr B  Jones\ndr a smith\nNurse C\n"
    saved = _post(client, f"{url}/attendance", token, attendees=typed, expected_version="1")
    assert saved.status_code == 303
    stored = client.get(f"/api/meetings/{meeting['id']}", headers=bearer(Role.viewer)).json()
    assert stored["attendees"] == ["Dr A Smith", "Dr B Jones", "Nurse C"]
    assert stored["version"] == 2
    page = client.get(url).text
    assert _textarea(page, "attendees").splitlines() == stored["attendees"]
    assert _field_value(page, "expected_version") == "2"
    listed = re.findall(r"<li>([^<]+)</li>", _section(page, "attendance"))
    assert listed == stored["attendees"]


def test_a_stale_attendance_is_409_and_keeps_the_typed_names(client, meeting):
    token = sign_in(client, Role.coordinator)
    url = f"/meetings/{meeting['id']}/attendance"
    assert _post(client, url, token, attendees="Ann", expected_version="1").status_code == 303
    typed = "Bob\nCarol"
    stale = _post(client, url, token, attendees=typed, expected_version="1")
    assert stale.status_code == 409
    assert "changed" in _text(stale.text) and 'role="alert"' in stale.text
    assert _textarea(stale.text, "attendees") == typed
    assert _field_value(stale.text, "expected_version") == "2"
    stored = client.get(f"/api/meetings/{meeting['id']}", headers=bearer(Role.viewer)).json()
    assert stored["attendees"] == ["Ann"]


def test_a_name_too_long_is_422_beside_the_box(client, meeting):
    token = sign_in(client, Role.coordinator)
    typed = "Ann\n" + "x" * 101
    answer = _post(
        client,
        f"/meetings/{meeting['id']}/attendance",
        token,
        attendees=typed,
        expected_version="1",
    )
    assert answer.status_code == 422
    assert "101" in _error(answer.text, "f-attendees")
    assert _textarea(answer.text, "attendees") == typed


# --- minutes ---------------------------------------------------------------------------------


def test_the_minutes_are_exactly_the_decisions_recorded_at_the_meeting(client, cases, meeting):
    token = sign_in(client, Role.coordinator)
    url = f"/meetings/{meeting['id']}"
    accepted, deviated, elsewhere = cases[:3]
    for case_id in (deviated, accepted):
        _post(client, f"{url}/agenda", token, case_id=case_id)
    snapshot = _snapshot(client, deviated)
    titles = {r["id"]: r["title"] for r in snapshot["recommendations"]}
    other = next(r["id"] for r in snapshot["recommendations"] if r["strength"] == "alternative")
    reasons = client.get("/api/deviation-reasons", headers=bearer(Role.viewer)).json()
    display = next(r["display"] for r in reasons if r["code"] == "patient-refuses")
    _decide(client, accepted, chosen_option_id=PREFERRED, meeting_id=meeting["id"])
    _decide(
        client,
        deviated,
        chosen_option_id=other,
        deviation_code="patient-refuses",
        deviation_note="declines radiotherapy",
        meeting_id=meeting["id"],
        decided_by="Dr Lee",
    )
    second = _meeting(client, "Another MDT")
    _decide(client, elsewhere, chosen_option_id=PREFERRED, meeting_id=second["id"])
    _decide(client, elsewhere, chosen_option_id=PREFERRED)  # at no meeting

    minutes = _minutes(client.get(url).text)
    assert len(minutes) == 2  # the agenda's order: the deviation was put first
    assert minutes[0].startswith(f"{deviated}:") and minutes[1].startswith(f"{accepted}:")
    assert titles[other] in minutes[0] and titles[PREFERRED] in minutes[0]
    assert display in minutes[0] and "declines radiotherapy" in minutes[0]
    assert "instead of the preferred option" in minutes[0] and "Dr Lee" in minutes[0]
    assert titles[PREFERRED] in minutes[1] and "the preferred option" in minutes[1]
    assert "Reason" not in minutes[1] and "clinician" in minutes[1]
    assert all(elsewhere not in m for m in minutes)
    agenda = _text(_section(client.get(url).text, "agenda"))
    assert "(alternative)" in agenda and "(preferred option)" in agenda  # a listed option
    assert "an alternative the assessment lists" in minutes[0]
    assert "Reason: Patient preference (" in minutes[0]  # patient-refuses in the MDT's words


# --- summary and PDF -------------------------------------------------------------------------


def test_the_summary_and_its_pdf(client, cases, meeting):
    token = sign_in(client, Role.coordinator)
    url = f"/meetings/{meeting['id']}"
    _post(client, f"{url}/agenda", token, case_id=cases[0])
    _post(client, f"{url}/attendance", token, attendees="Dr A\nDr B", expected_version="1")
    _decide(client, cases[0], chosen_option_id=PREFERRED, meeting_id=meeting["id"])
    sign_in(client, Role.viewer)
    summary = client.get(f"{url}/summary")
    assert summary.status_code == 200
    title = re.search(r"<title>(.*?)</title>", summary.text, re.S).group(1)
    assert TITLE in title and DAY in title
    text = _text(summary.text)
    assert "Dr A" in text and "Dr B" in text and cases[0] in text
    assert _minutes(summary.text) == _minutes(client.get(url).text) != []
    pdf = client.get(f"{url}/summary.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert f'filename="rectoplan-meeting-{DAY}.pdf"' in pdf.headers["content-disposition"]


@pytest.mark.parametrize(
    "path", ["/meetings/999", "/meetings/abc", "/meetings/999/summary", "/meetings/0/summary.pdf"]
)
def test_an_unknown_meeting_is_an_html_404(client, path):
    sign_in(client, Role.viewer)
    answer = client.get(path)
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"] and "<h1>Not found</h1>" in answer.text


def test_posting_to_an_unknown_meeting_is_an_html_404(client, cases):
    token = sign_in(client, Role.coordinator)
    answer = _post(client, "/meetings/999/agenda", token, case_id=cases[0])
    assert answer.status_code == 404 and "text/html" in answer.headers["content-type"]


# --- the case list, filtered to a meeting ----------------------------------------------------


def test_the_meeting_filter_gives_exactly_the_agenda_and_decided_cases(client, cases, meeting):
    token = sign_in(client, Role.coordinator)
    on_agenda, decided, both, unrelated = cases
    for case_id in (on_agenda, both):
        _post(client, f"/meetings/{meeting['id']}/agenda", token, case_id=case_id)
    for case_id in (decided, both):
        _decide(client, case_id, chosen_option_id=PREFERRED, meeting_id=meeting["id"])
    other = _meeting(client, "Another MDT")
    _decide(client, unrelated, chosen_option_id=PREFERRED, meeting_id=other["id"])

    found = client.get(
        "/api/cases", params={"meeting": meeting["id"]}, headers=bearer(Role.viewer)
    ).json()
    assert sorted(c["case_id"] for c in found["items"]) == sorted([on_agenda, decided, both])
    assert found["total"] == 3
    page = client.get("/cases", params={"meeting": str(meeting["id"])}).text
    linked = re.findall(r'<td><a href="/cases/([^"]+)">', page)
    assert sorted(linked) == sorted([on_agenda, decided, both])
    assert re.search(rf'<option value="{meeting["id"]}"\s+selected>', page)
    nobody = client.get("/api/cases", params={"meeting": 999}, headers=bearer(Role.viewer))
    assert nobody.json()["total"] == 0
    bad = client.get("/cases", params={"meeting": "999"}).text
    assert _error(bad, "f-meeting") and len(re.findall(r'<td><a href="/cases/', bad)) == 4


def test_the_api_meeting_filter_and_the_meeting_page_on_both_engines(any_client, case):
    token = sign_in(any_client, Role.coordinator)
    listed, decided, unrelated = (_store(any_client, f"pg-{n}", case) for n in range(3))
    held = _meeting(any_client)
    url = f"/meetings/{held['id']}"
    assert _post(any_client, f"{url}/agenda", token, case_id=listed).status_code == 303
    _decide(any_client, decided, chosen_option_id=PREFERRED, meeting_id=held["id"])
    found = any_client.get(
        "/api/cases", params={"meeting": held["id"]}, headers=bearer(Role.viewer)
    ).json()
    assert sorted(c["case_id"] for c in found["items"]) == sorted([decided, listed])
    assert unrelated not in {c["case_id"] for c in found["items"]}
    page = any_client.get(url).text
    assert _agenda(page) == [listed, decided] and len(_minutes(page)) == 1

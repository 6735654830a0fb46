"""The tumour board over HTTP: readiness per pathway, decisions refused before a meeting starts
or for a case off its agenda, quorum and sign-off, the roles that may do each, user management
on the admin page, and the meeting PDF read back (attendees, decisions, nothing off the page).

Expected values come from the API, the example cases or the settings, never from the page
under test.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from web_support import bearer, example_case, sign_in

from rectoplan.registry.users import Role

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pdf"
PREFERRED = "primary.organ_preservation.crt_local_excision"
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
PAST = "2025-03-10"


def _store(client, name: str, case_id: str, **changes) -> str:
    case = copy.deepcopy(example_case(name))
    case["case_id"] = case_id
    for path, value in changes.items():
        part, _, field = path.partition(".")
        if value is None:
            case[part].pop(field, None)
        else:
            case[part][field] = value
    created = client.post("/api/cases", json={"case": case}, headers=bearer(Role.clinician))
    assert created.status_code == 201, created.text
    return case_id


def _meeting(client, day: str = TOMORROW, **body) -> dict:
    made = client.post(
        "/api/meetings",
        json={"held_on": day, "title": "Colorectal MDT", **body},
        headers=bearer(Role.coordinator),
    )
    assert made.status_code == 201, made.text
    return made.json()


def _list(client, meeting_id: int, case_id: str, **body):
    return client.post(
        f"/api/meetings/{meeting_id}/agenda",
        json={"case_id": case_id, **body},
        headers=bearer(Role.coordinator),
    )


def _decide(client, case_id: str, **body):
    return client.post(f"/api/cases/{case_id}/decisions", json=body, headers=bearer(Role.clinician))


def _users(client, *people: tuple[str, str, str]) -> None:
    for name, full_name, specialty in people:
        made = client.post(
            "/api/users",
            json={
                "name": name,
                "full_name": full_name,
                "specialty": specialty,
                "role": "clinician",
                "password": "password-1234",
            },
            headers=bearer(Role.admin),
        )
        assert made.status_code == 201, made.text


# --- readiness -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "changes", "rule", "field", "provider"),
    [
        (
            "seed001_1_diagnosis",
            {"tumour.mmr_status": None},
            "mmr_status",
            "tumour.mmr_status",
            "pathologist",
        ),
        (
            "seed001_1_diagnosis",
            {"mri.date": "2025-01-01"},
            "imaging_age",
            "mri.date",
            "radiologist",
        ),
        (
            "seed001_2_restaging",
            {"restaging.mri_dwi": None},
            "response_assessments",
            "restaging",
            "colorectal_surgeon",
        ),
        (
            "seed002_posterior_recurrence",
            {"recurrence.ecog": None},
            "recurrence_performance_status",
            "recurrence.ecog",
            "colorectal_surgeon",
        ),
        (
            "seed000_anastomotic_stenosis",
            {"stenosis.delivery_limits": None},
            "delivery_limits",
            "stenosis.delivery_limits",
            "gastroenterologist",
        ),
    ],
)
def test_readiness_lists_what_is_missing_or_stale_per_pathway(
    client, example, changes, rule, field, provider
):
    case_id = _store(client, example, f"ready-{rule}", **changes)
    meeting = _meeting(client, day="2025-03-01")
    answer = client.get(
        f"/api/cases/{case_id}/readiness",
        params={"meeting": meeting["id"]},
        headers=bearer(Role.viewer),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["meeting_date"] == "2025-03-01" and body["ready"] is False
    found = {item["rule"]: item for item in body["items"]}
    assert rule in found, body["items"]
    assert found[rule]["field"] == field and found[rule]["provided_by"] == provider
    if rule == "imaging_age":  # 2025-01-01 to 2025-03-01 is 59 days, past the 42-day window
        assert found[rule]["status"] == "stale" and "59 days old" in found[rule]["detail"]


def test_a_complete_recent_case_is_ready(client):
    case_id = _store(client, "seed001_2_restaging", "ready-complete", **{"restaging.date": None})
    stored = client.get(f"/api/cases/{case_id}", headers=bearer(Role.viewer)).json()
    end = max(
        c["end_date"]
        for c in stored["case"]["neoadjuvant"].values()
        if isinstance(c, dict) and c.get("end_date")
    )
    restaged = (dt.date.fromisoformat(end) + dt.timedelta(days=50)).isoformat()
    changed = {**stored["case"], "restaging": {**stored["case"]["restaging"], "date": restaged}}
    update = client.put(
        f"/api/cases/{case_id}",
        json={"case": changed, "expected_version": stored["version"]},
        headers=bearer(Role.clinician),
    )
    assert update.status_code == 200, update.text
    meeting = _meeting(client, day=restaged)
    answer = client.get(
        f"/api/cases/{case_id}/readiness",
        params={"meeting": meeting["id"]},
        headers=bearer(Role.viewer),
    ).json()
    assert answer["ready"] is True and answer["items"] == []


# --- decisions belong to meetings ----------------------------------------------------------------


def test_a_decision_before_the_meeting_or_off_its_agenda_is_a_clear_422(client, case):
    listed = _store(client, "seed001_1_diagnosis", "dec-listed")
    off = _store(client, "seed001_1_diagnosis", "dec-off")
    upcoming = _meeting(client)
    assert _list(client, upcoming["id"], listed).status_code == 201
    early = _decide(client, listed, chosen_option_id=PREFERRED, meeting_id=upcoming["id"])
    assert early.status_code == 422
    [problem] = early.json()["detail"]
    assert problem["field"] == "meeting_id" and "has not started" in problem["msg"]

    started = client.post(f"/api/meetings/{upcoming['id']}/start", headers=bearer(Role.coordinator))
    assert started.status_code == 200 and started.json()["started"] is True
    assert (
        _decide(client, listed, chosen_option_id=PREFERRED, meeting_id=upcoming["id"]).status_code
        == 201
    )

    stray = _decide(client, off, chosen_option_id=PREFERRED, meeting_id=upcoming["id"])
    assert stray.status_code == 422
    [problem] = stray.json()["detail"]
    assert problem["field"] == "meeting_id" and "not on the agenda" in problem["msg"]
    on_the_spot = _decide(
        client, off, chosen_option_id=PREFERRED, meeting_id=upcoming["id"], add_to_agenda=True
    )
    assert on_the_spot.status_code == 201
    agenda = client.get(
        f"/api/meetings/{upcoming['id']}/agenda", headers=bearer(Role.viewer)
    ).json()
    assert [item["case_id"] for item in agenda] == [listed, off]

    no_meeting = _decide(client, off, chosen_option_id=PREFERRED)
    assert no_meeting.status_code == 422
    assert "urgency_reason" in no_meeting.json()["detail"][0]["msg"]
    urgent = _decide(client, off, chosen_option_id=PREFERRED, urgency_reason="bleeding")
    assert urgent.status_code == 201 and urgent.json()["urgency_reason"] == "bleeding"


def test_quorum_sign_off_and_amendments_over_the_api(client):
    _users(
        client,
        ("surgeon", "Dr Ann Surgeon", "colorectal_surgeon"),
        ("radiologist", "Dr Rad Ray", "radiologist"),
    )
    case_id = _store(client, "seed001_1_diagnosis", "signed")
    meeting = _meeting(client, day=PAST, chair="surgeon", place="Room 3")
    assert meeting["expected_specialties"] == [
        "colorectal_surgeon",
        "medical_oncologist",
        "radiation_oncologist",
        "radiologist",
        "pathologist",
    ]
    members = client.put(
        f"/api/meetings/{meeting['id']}/members",
        json={"members": ["surgeon", "radiologist"]},
        headers=bearer(Role.coordinator),
    ).json()
    assert members["quorum_missing"] == [
        "medical_oncologist",
        "radiation_oncologist",
        "pathologist",
    ]
    _list(client, meeting["id"], case_id, clinical_question="TNT or organ preservation?")
    decision = _decide(client, case_id, chosen_option_id=PREFERRED, meeting_id=meeting["id"])
    assert decision.status_code == 201
    by_other = client.post(
        f"/api/meetings/{meeting['id']}/sign-off", headers=bearer(Role.clinician)
    )
    assert by_other.status_code == 422 and by_other.json()["detail"][0]["field"] == "chair"


def test_only_admins_manage_users_and_coordinators_run_meetings(client):
    new_user = {"name": "x1", "role": "viewer", "password": "password-1234"}
    for role in (Role.viewer, Role.clinician, Role.coordinator):
        assert client.post("/api/users", json=new_user, headers=bearer(role)).status_code == 403
        sign_in(client, role)
        assert client.get("/admin/users").status_code == 403
        assert 'href="/admin/users"' not in client.get("/meetings").text
    for role in (Role.viewer, Role.clinician):
        refused = client.post(
            "/api/meetings",
            json={"held_on": TOMORROW, "title": "MDT"},
            headers=bearer(role),
        )
        assert refused.status_code == 403
    assert _meeting(client)["version"] == 1  # a coordinator schedules
    sign_in(client, Role.admin)
    page = client.get("/admin/users")
    assert page.status_code == 200 and "Create a user" in page.text


def test_a_viewer_is_not_offered_actions_it_cannot_take(client):
    case_id = _store(client, "seed001_1_diagnosis", "viewer-case")
    meeting = _meeting(client, day=PAST)
    _list(client, meeting["id"], case_id)
    sign_in(client, Role.viewer)
    page = client.get(f"/meetings/{meeting['id']}").text
    for offer in ("Find a case", "Members present", "Save details", "Start the meeting",
                  "Minute a case", "Sign off", 'href="/admin/users"'):  # fmt: skip
        assert offer not in page, offer
    shown = client.get(f"/meetings/{meeting['id']}/present/1").text
    assert "Record decision" not in shown and "Viewers cannot record decisions" in shown
    case_page = client.get(f"/cases/{case_id}").text
    assert "Add to the next meeting" not in case_page and "Record decision" not in case_page


def test_the_admin_page_creates_a_user_with_a_full_name_and_says_what_is_wrong(client):
    token = sign_in(client, Role.admin)
    made = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "name": "li.wei",
            "full_name": "Dr Li Wei",
            "specialty": "radiologist",
            "role": "clinician",
            "password": "password-1234",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    listed = client.get("/api/users", headers=bearer(Role.admin)).json()
    stored = next(u for u in listed if u["name"] == "li.wei")
    assert (stored["full_name"], stored["specialty"], stored["role"]) == (
        "Dr Li Wei",
        "radiologist",
        "clinician",
    )
    spaced = client.post(
        "/admin/users",
        data={"csrf_token": token, "name": "Li Wei", "role": "viewer", "password": "short"},
    )
    assert spaced.status_code == 422
    assert "no spaces" in spaced.text and "8" in spaced.text
    assert 'value="Li Wei"' in spaced.text  # what was typed stays


def _png(width: int, height: int) -> bytes:
    """A solid blue PNG (the hospital's logo in the test), written with the standard library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x0b\x5c\xad" * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(row * height)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --- the meeting PDF ------------------------------------------------------------------------------


def test_the_meeting_pdf_holds_attendees_and_decisions_and_stays_on_the_page(demo_url, tmp_path):
    import pdfplumber
    from web_support import client_for

    logo = tmp_path / "logo.png"
    logo.write_bytes(_png(40, 16))
    with client_for(demo_url, hospital_name="Test Hospital", hospital_logo=str(logo)) as client:
        _users(
            client,
            ("a.surgeon", "Dr Ann Long-Surname-Surgeon", "colorectal_surgeon"),
            ("p.path", "Dr Pat Pathologist", "pathologist"),
        )
        meeting = _meeting(client, day=PAST, chair="a.surgeon", place="Seminar room 4")
        client.put(
            f"/api/meetings/{meeting['id']}/members",
            json={"members": ["a.surgeon", "p.path"]},
            headers=bearer(Role.coordinator),
        )
        cases = client.get("/api/cases", params={"limit": 6}, headers=bearer(Role.viewer))
        decided = []
        for item in cases.json()["items"][:6]:
            case_id = item["case_id"]
            snapshot = client.get(
                f"/api/cases/{case_id}/assessments", headers=bearer(Role.viewer)
            ).json()[-1]
            preferred = snapshot["preferred_ids"]
            if not preferred:
                continue
            _list(client, meeting["id"], case_id, clinical_question="x" * 300)
            answer = _decide(
                client, case_id, chosen_option_id=preferred[0], meeting_id=meeting["id"]
            )
            assert answer.status_code == 201, answer.text
            decided.append(case_id)
        assert len(decided) >= 3
        sign_in(client, Role.viewer)
        pdf = client.get(f"/meetings/{meeting['id']}/summary.pdf")
        case_pdf = client.get(f"/cases/{decided[0]}/summary.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "meeting-summary.pdf").write_bytes(pdf.content)  # kept for a look
    with pdfplumber.open(io.BytesIO(pdf.content)) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
        flat = re.sub(r"\s+", " ", text)
        assert "Test Hospital" in flat
        assert "Dr Ann Long-Surname-Surgeon (Colorectal surgeon)" in flat
        assert "Dr Pat Pathologist (Pathologist)" in flat
        for case_id in decided:
            assert f"{case_id}: the MDT chose" in flat.replace("- ", "-"), case_id
        pages = len(document.pages)
        assert f"Page 1 of {pages}" in flat
        for page in document.pages:
            assert (round(page.width), round(page.height)) == (595, 842)  # A4 portrait, points
            outside = [
                c["text"]
                for c in page.chars
                if c["x0"] < 0 or c["x1"] > page.width or c["top"] < 0 or c["bottom"] > page.height
            ]
            assert outside == [], outside[:20]
        assert document.pages[0].images, "the hospital's logo heads the first page"
    with pdfplumber.open(io.BytesIO(case_pdf.content)) as document:
        flat = re.sub(r"\s+", " ", "\n".join(p.extract_text() or "" for p in document.pages))
        assert "Test Hospital" in flat and f"Page 1 of {len(document.pages)}" in flat
        for page in document.pages:
            assert (round(page.width), round(page.height)) == (595, 842)
            assert all(c["x0"] >= 0 and c["x1"] <= page.width for c in page.chars)


# --- the agenda's search and the settings ------------------------------------------------------


def test_the_case_search_offers_matching_cases_not_yet_on_the_agenda(client):
    for n in range(3):
        _store(client, "seed001_1_diagnosis", f"find-me_{n}")
    _store(client, "seed001_1_diagnosis", "findXme")
    meeting = _meeting(client)
    _list(client, meeting["id"], "find-me_0")
    sign_in(client, Role.coordinator)
    found = client.get(f"/meetings/{meeting['id']}/case-search", params={"q": "FIND-ME_"})
    offered = re.findall(r'name="case_id" value="([^"]+)"', found.text)
    assert offered == ["find-me_1", "find-me_2"]  # "_" is a character, not a wildcard
    nothing = client.get(f"/meetings/{meeting['id']}/case-search", params={"q": "%"})
    assert re.findall(r'name="case_id"', nothing.text) == [] and "No case found" in nothing.text
    sign_in(client, Role.clinician)
    assert (
        client.get(f"/meetings/{meeting['id']}/case-search", params={"q": "find"}).status_code
        == 403
    )


def test_the_tumour_board_settings_are_read_and_checked():
    from rectoplan.web.settings import Settings, SettingsError

    env = {"RECTOPLAN_SECRET_KEY": "k" * 40, "RECTOPLAN_DATABASE_URL": "sqlite://"}
    default = Settings.from_env(env)
    assert default.mdt_imaging_max_age_days == 42 and default.readiness.imaging_max_age_days == 42
    assert default.mdt_quorum[0] == "colorectal_surgeon" and len(default.mdt_quorum) == 5
    chosen = Settings.from_env(
        {
            **env,
            "RECTOPLAN_MDT_IMAGING_MAX_AGE_DAYS": "28",
            "RECTOPLAN_MDT_QUORUM": "colorectal_surgeon, radiologist,gastroenterologist",
            "RECTOPLAN_HOSPITAL_NAME": "St Elsewhere",
        }
    )
    assert chosen.readiness.imaging_max_age_days == 28
    assert chosen.mdt_quorum == ("colorectal_surgeon", "radiologist", "gastroenterologist")
    assert chosen.hospital_name == "St Elsewhere"
    with pytest.raises(SettingsError, match="RECTOPLAN_MDT_QUORUM"):
        Settings.from_env({**env, "RECTOPLAN_MDT_QUORUM": "surgeon"})


# --- the quorum and the locked agenda (issue 15) ---------------------------------------------


def _board_ready_to_sign(client) -> tuple[dict, str, str]:
    """A held meeting chaired by the test clinician, needing a surgeon and a radiologist, with
    one case on its agenda and one case off it."""
    _users(
        client,
        ("surgeon", "Dr Ann Surgeon", "colorectal_surgeon"),
        ("radiologist", "Dr Rad Ray", "radiologist"),
    )
    listed = _store(client, "seed001_1_diagnosis", "listed")
    late = _store(client, "seed001_1_diagnosis", "late")
    meeting = _meeting(
        client,
        day=PAST,
        chair=Role.clinician.value,
        expected_specialties=["colorectal_surgeon", "radiologist"],
    )
    assert _list(client, meeting["id"], listed, clinical_question="TNT?").status_code == 201
    return meeting, listed, late


def _members(client, meeting_id: int, *names: str) -> dict:
    answer = client.put(
        f"/api/meetings/{meeting_id}/members",
        json={"members": list(names)},
        headers=bearer(Role.coordinator),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_sign_off_needs_the_quorum_and_then_the_agenda_is_locked(any_client):
    client = any_client
    meeting, listed, late = _board_ready_to_sign(client)
    url = f"/api/meetings/{meeting['id']}"
    _members(client, meeting["id"], "surgeon")
    refused = client.post(f"{url}/sign-off", headers=bearer(Role.clinician))
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert problem["field"] == "quorum"
    assert "no Radiologist among the members recorded as present" in problem["msg"]
    assert client.get(url, headers=bearer(Role.viewer)).json()["signed_off_at"] is None

    _members(client, meeting["id"], "surgeon", "radiologist")
    signed = client.post(f"{url}/sign-off", headers=bearer(Role.clinician))
    assert signed.status_code == 200 and signed.json()["signed_off_at"] is not None

    item = client.get(f"{url}/agenda", headers=bearer(Role.viewer)).json()[0]
    for answer in (
        _list(client, meeting["id"], late),
        client.patch(
            f"{url}/agenda/{listed}",
            json={"clinical_question": "later?", "expected_version": item["version"]},
            headers=bearer(Role.coordinator),
        ),
    ):
        assert answer.status_code == 409, answer.text
        assert "so its agenda can no longer change" in answer.json()["detail"]
    agenda = client.get(f"{url}/agenda", headers=bearer(Role.viewer)).json()
    assert [(i["case_id"], i["clinical_question"]) for i in agenda] == [(listed, "TNT?")]

    # on the page: no agenda controls any more, and a form posted anyway gets the reason
    token = sign_in(client, Role.coordinator)
    page = client.get(f"/meetings/{meeting['id']}")
    assert "Edit the question and referrer" not in page.text and "Remove " not in page.text
    for action in ("remove", "up"):
        posted = client.post(
            f"/meetings/{meeting['id']}/agenda/{listed}/{action}",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert posted.status_code == 409
        assert "so its agenda can no longer change" in posted.text


def test_the_question_and_referrer_are_edited_over_the_api_at_the_version_read(any_client):
    client = any_client
    meeting, listed, _ = _board_ready_to_sign(client)
    url = f"/api/meetings/{meeting['id']}/agenda/{listed}"
    item = client.get(f"/api/meetings/{meeting['id']}/agenda", headers=bearer(Role.viewer)).json()[
        0
    ]
    body = {"clinical_question": "Watch and wait?", "referrer": "Dr B, GI clinic"}
    edited = client.patch(
        url, json={**body, "expected_version": item["version"]}, headers=bearer(Role.coordinator)
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["clinical_question"], edited.json()["referrer"]) == (
        "Watch and wait?",
        "Dr B, GI clinic",
    )
    assert edited.json()["version"] == item["version"] + 1
    stale = client.patch(
        url, json={**body, "expected_version": item["version"]}, headers=bearer(Role.coordinator)
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == item["version"] + 1
    too_long = client.patch(
        url,
        json={"referrer": "R" * 201, "expected_version": item["version"] + 1},
        headers=bearer(Role.coordinator),
    )
    assert too_long.status_code == 422 and "referrer" in too_long.text
    assert (
        client.patch(
            url, json=body | {"expected_version": 9}, headers=bearer(Role.clinician)
        ).status_code
        == 403
    )


def test_the_question_and_referrer_are_edited_on_the_meeting_page(client):
    meeting, listed, _ = _board_ready_to_sign(client)
    token = sign_in(client, Role.coordinator)
    page = client.get(f"/meetings/{meeting['id']}")
    version = re.search(
        rf'action="/meetings/{meeting["id"]}/agenda/{listed}/request".*?'
        r'name="expected_version" value="(\d+)"',
        page.text,
        re.S,
    ).group(1)
    form = f"/meetings/{meeting['id']}/agenda/{listed}/request"
    fields = {"csrf_token": token, "clinical_question": "Watch and wait?", "referrer": "Dr B"}
    saved = client.post(form, data={**fields, "expected_version": version}, follow_redirects=False)
    assert saved.status_code == 303
    shown = client.get(f"/meetings/{meeting['id']}").text
    assert "Question: Watch and wait?" in shown and "(referred by Dr B)" in shown
    # the same form sent again from the page as it was: someone changed it meanwhile
    fields["clinical_question"] = "Short-course RT?"
    stale = client.post(form, data={**fields, "expected_version": version}, follow_redirects=False)
    assert stale.status_code == 409
    assert "Someone else changed the question" in stale.text
    assert "Short-course RT?" in stale.text  # what was typed is kept
    long = client.post(
        form, data={**fields, "referrer": "R" * 201, "expected_version": int(version) + 1}
    )
    assert long.status_code == 422
    assert 'id="f-q' in long.text and "at most 200 characters" in long.text

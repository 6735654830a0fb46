"""The tumour board in the registry: decisions belong to started meetings and their agendas,
the quorum counts the attendees' specialties, signed-off minutes change only by amendment, and a
case's readiness lists what is missing or stale per pathway phase."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from rectoplan.clinical.case import Case
from rectoplan.errors import InvalidRecordError, SignedOffError, StaleWriteError
from rectoplan.pathways.engine import assess
from rectoplan.registry import agenda, audit, decisions, episodes, meetings, models, readiness
from rectoplan.registry.schemas import MeetingIn
from rectoplan.registry.users import Specialty, create_user

PREFERRED = "primary.organ_preservation.crt_local_excision"  # the engine's choice for seed 001
AT = "2025-03-10T15:00:00+00:00"
TOMORROW = dt.date.today() + dt.timedelta(days=1)


@pytest.fixture
def board(write, seed_record):
    """A meeting tomorrow with a chair, two cases (one on the agenda), five users, one of each
    specialty the quorum needs."""
    with write("coordinator") as session:
        for name, specialty in [
            ("surgeon", Specialty.colorectal_surgeon),
            ("oncologist", Specialty.medical_oncologist),
            ("radiotherapist", Specialty.radiation_oncologist),
            ("radiologist", Specialty.radiologist),
            ("pathologist", Specialty.pathologist),
        ]:
            create_user(session, name, "clinician", "password-1234", specialty=specialty)
        listed = episodes.create_episode(session, seed_record(case_id="on-agenda")).id
        other = episodes.create_episode(session, seed_record(case_id="off", pseudonym="P2")).id
        meeting = decisions.get_or_create_meeting(
            session, MeetingIn(held_on=TOMORROW, title="Colorectal MDT")
        )
        session.flush()
        meetings.plan_meeting(
            session,
            meeting.id,
            meetings.Plan(chair="surgeon", expected_specialties=meetings.QUORUM_SPECIALTIES),
        )
        agenda.add_to_agenda(session, meeting.id, listed)
        return meeting.id, listed, other


EVERYONE = ["surgeon", "oncologist", "radiotherapist", "radiologist", "pathologist"]


def _sign_off(session, meeting_id):
    """The whole quorum present, then the chair signs off."""
    meetings.set_members(session, meeting_id, EVERYONE)
    return meetings.sign_off(session, meeting_id, by="surgeon")


def _decide(session, episode_id, meeting_id, **kwargs):
    decision = {"decided_at": AT, "chosen_option_id": PREFERRED}
    return decisions.record_decision(session, episode_id, decision, meeting_id=meeting_id, **kwargs)


def test_a_decision_waits_for_the_meeting_to_start(write, board):
    meeting_id, listed, _ = board
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        _decide(session, listed, meeting_id)
    [error] = refused.value.errors
    assert error.field == "meeting_id" and "has not started" in error.message
    with write() as session:
        meetings.start_meeting(session, meeting_id)
        assert _decide(session, listed, meeting_id).meeting_id == meeting_id


def test_a_case_off_the_agenda_is_refused_unless_added_on_the_spot(write, board):
    meeting_id, listed, other = board
    with write() as session:
        meetings.start_meeting(session, meeting_id)
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        _decide(session, other, meeting_id)
    [error] = refused.value.errors
    assert error.field == "meeting_id" and "case off is not on the agenda" in error.message
    with write() as session:
        _decide(session, other, meeting_id, add_to_agenda=True)
    with write() as session:
        order = [item.episode_id for item in agenda.agenda(session, meeting_id)]
    assert order == [listed, other]


def test_outside_a_meeting_only_with_an_urgency_reason(write, board):
    _, listed, _ = board
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        _decide(session, listed, None)
    assert refused.value.errors[0].field == "meeting_id"
    assert "urgency_reason" in refused.value.errors[0].message
    with write() as session:
        decision = {"decided_at": AT, "chosen_option_id": PREFERRED, "urgency_reason": "bleeding"}
        row = decisions.record_decision(session, listed, decision)
        assert row.meeting_id is None and row.urgency_reason == "bleeding"


def test_the_quorum_counts_the_members_specialties(write, board):
    meeting_id, _, _ = board
    with write() as session:
        meetings.set_members(session, meeting_id, ["surgeon", "oncologist", "radiologist"])
        quorum = meetings.quorum(session.get(models.MdtMeeting, meeting_id))
    assert quorum.missing == (Specialty.radiation_oncologist, Specialty.pathologist)
    assert not quorum.met
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        meetings.set_members(session, meeting_id, ["surgeon", "nobody"])
    assert refused.value.errors[0].field == "attendees[1]"


def test_signed_off_minutes_change_only_by_an_audited_amendment(write, board):
    meeting_id, listed, _ = board
    with write() as session:
        meetings.start_meeting(session, meeting_id)
        decision_id = _decide(session, listed, meeting_id).id
    with pytest.raises(InvalidRecordError) as refused, write("oncologist") as session:
        meetings.sign_off(session, meeting_id, by="oncologist")
    assert refused.value.errors[0].field == "chair"
    with write("surgeon") as session:
        signed = _sign_off(session, meeting_id)
        assert signed.minutes_version == 1
        assert signed.signed_off_by == "surgeon (Colorectal surgeon)"
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        row = session.get(models.MdtDecision, decision_id)
        decisions.update_decision(
            session, decision_id, expected_version=row.version, deviation_note="typo"
        )
    assert refused.value.errors[0].field == "amendment_reason"
    with write("surgeon") as session:
        meetings.set_case_minutes(
            session,
            meeting_id,
            listed,
            rationale="organ preservation wished for",
            dissent=None,
            amendment_reason="rationale omitted at the meeting",
        )
    with write() as session:
        meeting = session.get(models.MdtMeeting, meeting_id)
        assert meeting.minutes_version == 2
        versions = [
            (row.before or {}).get("minutes_version")
            for row in audit.history(session, "mdt_meetings", meeting_id)
        ]
        assert versions[-2:] == [0, 1]  # the sign-off, then the amendment, each kept
        assert audit.history(session, "mdt_meetings", meeting_id)[-1].after["last_amendment"] == (
            "rationale omitted at the meeting"
        )


def test_sign_off_waits_for_the_quorum_and_says_who_is_missing(write, board):
    meeting_id, _, _ = board
    with write() as session:
        meetings.start_meeting(session, meeting_id)
        meetings.set_members(session, meeting_id, ["surgeon", "radiologist"])
    with pytest.raises(InvalidRecordError) as refused, write("surgeon") as session:
        meetings.sign_off(session, meeting_id, by="surgeon")
    [error] = refused.value.errors
    assert error.field == "quorum"
    assert "no Medical oncologist, Radiation oncologist, Pathologist among the members" in (
        error.message
    )
    with write() as session:
        assert session.get(models.MdtMeeting, meeting_id).signed_off_at is None
    with write("surgeon") as session:  # the three come in
        assert _sign_off(session, meeting_id).minutes_version == 1


def test_a_signed_off_agenda_changes_only_by_an_amendment(write, board, seed_record):
    meeting_id, listed, other = board
    with write() as session:
        meetings.start_meeting(session, meeting_id)
        agenda.add_to_agenda(session, meeting_id, other)
        late = episodes.create_episode(session, seed_record(case_id="late", pseudonym="P3")).id
        version = meetings.agenda_item(session, meeting_id, listed).version
    with write("surgeon") as session:
        _sign_off(session, meeting_id)
    changes = {
        "add": lambda s: agenda.add_to_agenda(s, meeting_id, late),
        "remove": lambda s: agenda.remove_from_agenda(s, meeting_id, other),
        "up": lambda s: agenda.move_up(s, meeting_id, other),
        "down": lambda s: agenda.move_down(s, meeting_id, listed),
        "question": lambda s: meetings.edit_case_request(
            s, meeting_id, listed, clinical_question="new?", referrer=None, expected_version=version
        ),
    }
    for name, change in changes.items():
        with pytest.raises(SignedOffError) as refused, write() as session:
            change(session)
        assert "signed off by surgeon (Colorectal surgeon)" in str(refused.value), name
        assert "agenda can no longer change" in str(refused.value), name
    with write() as session:
        assert [i.episode_id for i in agenda.agenda(session, meeting_id)] == [listed, other]
    # a decision taken on the spot for a case not on the agenda is an amendment: with its reason
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        _decide(session, late, meeting_id, add_to_agenda=True)
    assert refused.value.errors[0].field == "amendment_reason"
    with write() as session:
        _decide(session, late, meeting_id, add_to_agenda=True, amendment_reason="urgent case added")
        assert [i.episode_id for i in agenda.agenda(session, meeting_id)] == [listed, other, late]
        assert session.get(models.MdtMeeting, meeting_id).minutes_version == 2


def test_the_question_and_referrer_are_edited_at_the_version_read_and_audited(write, board):
    meeting_id, listed, _ = board
    with write() as session:
        item = meetings.set_case_request(
            session, meeting_id, listed, clinical_question="TNT?", referrer="Dr A"
        )
        item_id, version = item.id, item.version
    with write("coordinator") as session:
        row = meetings.edit_case_request(
            session,
            meeting_id,
            listed,
            clinical_question="Watch and wait?",
            referrer="Dr B, GI clinic",
            expected_version=version,
        )
        assert row.version == version + 1
    with pytest.raises(StaleWriteError), write() as session:  # read before the change
        meetings.edit_case_request(
            session,
            meeting_id,
            listed,
            clinical_question="x",
            referrer="y",
            expected_version=version,
        )
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        meetings.edit_case_request(
            session,
            meeting_id,
            listed,
            clinical_question="ok",
            referrer="R" * 201,
            expected_version=version + 1,
        )
    assert refused.value.errors[0].field == "referrer"
    with write() as session:
        item = meetings.agenda_item(session, meeting_id, listed)
        assert (item.clinical_question, item.referrer) == ("Watch and wait?", "Dr B, GI clinic")
        last = audit.history(session, "mdt_agenda_items", item_id)[-1]
        assert last.actor == "coordinator" and last.action == "update"
        assert (last.before["clinical_question"], last.after["clinical_question"]) == (
            "TNT?",
            "Watch and wait?",
        )


# --- readiness ---------------------------------------------------------------------------------


def _readiness(case: dict, on: dt.date, **settings):
    model = Case.model_validate(case)
    snapshot = assess(model).model_dump(mode="json")
    return readiness.check_case(model, snapshot, on, readiness.ReadinessSettings(**settings))


def test_an_mri_older_than_the_window_is_stale_and_a_recent_one_is_not(seed_record):
    case = seed_record()["case"]
    case["mri"]["date"] = "2025-01-01"
    case["distant"] = {**(case.get("distant") or {}), "date": "2025-02-20"}
    on = dt.date(2025, 1, 1) + dt.timedelta(days=43)  # 43 days later: one day past 42
    stale = {i.rule: i for i in _readiness(case, on).items}
    assert stale["imaging_age"].status == "stale"
    assert "43 days old" in stale["imaging_age"].detail
    assert stale["imaging_age"].provided_by is Specialty.radiologist
    assert "imaging_age" not in {
        i.rule for i in _readiness(case, on, imaging_max_age_days=43).items
    }


@pytest.mark.parametrize(
    ("stage", "blank", "rule", "provider"),
    [
        ("seed001_1_diagnosis", ("tumour", "mmr_status"), "mmr_status", Specialty.pathologist),
        ("seed001_1_diagnosis", ("tumour", "cea_ng_ml"), "cea", Specialty.medical_oncologist),
        ("seed001_2_restaging", ("restaging", "dre"), "response_assessments", None),
        (
            "seed002_posterior_recurrence",
            ("recurrence", "sacral_landmarks"),
            "sacral_imaging",
            None,
        ),
        ("seed000_anastomotic_stenosis", ("stenosis", "delivery_limits"), "delivery_limits", None),
    ],
)
def test_each_pathway_names_what_is_missing(seed_record, stage, blank, rule, provider):
    case = copy.deepcopy(seed_record(stage)["case"])
    part, name = blank
    case[part].pop(name, None)
    if name == "sacral_landmarks":
        case[part].pop("tumour_upper_extent", None)  # drawn on the landmarks
    found = {i.rule: i for i in _readiness(case, dt.date(2025, 3, 1)).items}
    assert rule in found, found
    assert found[rule].status == "missing"
    if provider is not None:
        assert found[rule].provided_by is provider


def test_the_engines_missing_data_warnings_join_the_list_once(seed_record):
    case = seed_record()["case"]
    case["tumour"].pop("mmr_status", None)
    case.pop("mri")
    items = _readiness(case, dt.date(2025, 3, 1)).items
    fields = [i.field for i in items]
    assert fields.count("tumour.mmr_status") == 1  # a rule and a warning: one item
    assert "mri" not in fields and "mri.date" in fields
    engine_fields = {w["field"] for w in assess(Case.model_validate(case)).model_dump()["warnings"]}
    assert "tumour.mmr_status" in engine_fields  # the engine did warn about it

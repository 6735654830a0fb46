"""MDT meetings and the decisions taken at them.

A decision records the option the MDT chose; when that is not a preferred option of the
assessment it was judged against, the reason is coded from the HL7 non-adherence CodeSystem
(``GET /api/deviation-reasons``), and an unknown code is a 422. Whether a decision followed
the preferred option is computed by the registry, never typed in. Scheduling meetings is the
coordinator's job; recording decisions, the clinicians'.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy.orm import Session

from rectoplan.registry import agenda, case_page, decisions, locking, meetings, models, readiness
from rectoplan.registry.codes import deviation_reasons
from rectoplan.registry.users import Role
from rectoplan.web.case_views import CaseId
from rectoplan.web.deps import Principal, reader, require, writer
from rectoplan.web.routes.cases import STALE, episode_of
from rectoplan.web.schemas import (
    ActionIn,
    ActionOut,
    AgendaCaseIn,
    AgendaItemOut,
    AgendaRequestIn,
    CaseMinutesIn,
    DecisionCreate,
    DecisionOut,
    DecisionUpdate,
    DeviationReasonOut,
    MeetingCreate,
    MeetingOut,
    MeetingPlanIn,
    MembersIn,
    PathId,
    ReadinessOut,
)

router = APIRouter(prefix="/api", tags=["meetings and decisions"])


def meeting_out(meeting: models.MdtMeeting) -> MeetingOut:
    quorum = meetings.quorum(meeting)
    return MeetingOut(
        id=meeting.id,
        held_on=meeting.held_on,
        title=meeting.title,
        attendees=list(meeting.attendees or ()),
        starts_at=meeting.starts_at,
        place=meeting.place,
        video_link=meeting.video_link,
        chair=meeting.chair,
        expected_specialties=[s.value for s in quorum.expected],
        members=[row.user.name for row in meeting.members],
        quorum_missing=[s.value for s in quorum.missing],
        started=meetings.has_started(meeting),
        signed_off_at=meeting.signed_off_at,
        signed_off_by=meeting.signed_off_by,
        minutes_version=meeting.minutes_version,
        version=meeting.version,
    )


def decision_out(decision: models.MdtDecision, case_id: str) -> DecisionOut:
    return DecisionOut.model_validate(
        {
            **{k: getattr(decision, k) for k in DecisionOut.model_fields if k != "case_id"},
            "case_id": case_id,
        }
    )


# --- meetings ------------------------------------------------------------------------------


@router.get("/meetings", response_model=list[MeetingOut])
def list_meetings(
    db: Session = reader(Role.viewer),
    held_from: dt.date | None = None,
    held_to: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[MeetingOut]:
    """Meetings, most recent first, optionally between two dates (inclusive)."""
    found = meetings.list_meetings(
        db, held_from=held_from, held_to=held_to, limit=limit, offset=offset
    )
    return [meeting_out(row) for row in found]


@router.post(
    "/meetings",
    response_model=MeetingOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "A meeting with that day and title exists"}},
)
def create_meeting(
    request: Request, body: MeetingCreate, db: Session = writer(Role.coordinator)
) -> MeetingOut:
    """Schedule a meeting; a meeting is identified by its day and title. Its quorum is the
    specialties given, else the hospital's setting."""
    plan = meetings.Plan(**body.model_dump(exclude={"held_on", "title"}))
    quorum = request.app.state.settings.mdt_quorum
    return meeting_out(meetings.create_meeting(db, body.held_on, body.title, plan, quorum))


@router.patch("/meetings/{meeting_id}", response_model=MeetingOut, responses=STALE)
def plan_meeting(
    meeting_id: PathId, body: MeetingPlanIn, db: Session = writer(Role.coordinator)
) -> MeetingOut:
    """Set the time, place or video link, chair and quorum of the version you read (fields
    left out are cleared, except the quorum, which stays)."""
    plan = meetings.Plan(
        starts_at=body.starts_at,
        place=body.place,
        video_link=body.video_link,
        chair=body.chair,
        expected_specialties=body.expected_specialties,
    )
    return meeting_out(
        meetings.plan_meeting(db, meeting_id, plan, expected_version=body.expected_version)
    )


@router.put("/meetings/{meeting_id}/members", response_model=MeetingOut)
def set_members(
    meeting_id: PathId, body: MembersIn, db: Session = writer(Role.coordinator)
) -> MeetingOut:
    """The registry users present (by user name); the quorum is counted from their
    specialties."""
    meetings.set_members(db, meeting_id, body.members)
    return meeting_out(meetings.get_meeting(db, meeting_id))


@router.post("/meetings/{meeting_id}/start", response_model=MeetingOut)
def start_meeting(meeting_id: PathId, db: Session = writer(Role.coordinator)) -> MeetingOut:
    """Open the meeting for decisions."""
    return meeting_out(meetings.start_meeting(db, meeting_id))


@router.post("/meetings/{meeting_id}/sign-off", response_model=MeetingOut)
def sign_off(
    meeting_id: PathId,
    db: Session = writer(Role.clinician),
    user: Principal = Depends(require(Role.clinician)),
) -> MeetingOut:
    """The chair signs the minutes off; they are locked from then on (changes are
    amendments)."""
    return meeting_out(meetings.sign_off(db, meeting_id, by=user.name))


def agenda_item_out(item: models.MdtAgendaItem) -> AgendaItemOut:
    return AgendaItemOut(
        position=item.position,
        case_id=item.episode.case_id,
        clinical_question=item.clinical_question,
        referrer=item.referrer,
        rationale=item.rationale,
        dissent=item.dissent,
        version=item.version,
    )


@router.get("/meetings/{meeting_id}/agenda", response_model=list[AgendaItemOut])
def read_agenda(meeting_id: PathId, db: Session = reader(Role.viewer)) -> list[AgendaItemOut]:
    return [agenda_item_out(item) for item in agenda.agenda(db, meeting_id)]


@router.post(
    "/meetings/{meeting_id}/agenda",
    response_model=AgendaItemOut,
    status_code=status.HTTP_201_CREATED,
)
def add_to_agenda(
    meeting_id: PathId, body: AgendaCaseIn, db: Session = writer(Role.coordinator)
) -> AgendaItemOut:
    """Put a case at the end of the agenda, with the referrer's question."""
    episode = episode_of(db, body.case_id)
    agenda.add_to_agenda(db, meeting_id, episode.id)
    item = meetings.set_case_request(
        db,
        meeting_id,
        episode.id,
        clinical_question=body.clinical_question,
        referrer=body.referrer,
    )
    return agenda_item_out(item)


@router.patch(
    "/meetings/{meeting_id}/agenda/{case_id}",
    response_model=AgendaItemOut,
    responses={
        409: {"description": "The item changed since you read it, or the minutes are signed off"}
    },
)
def edit_agenda_item(
    meeting_id: PathId,
    case_id: CaseId,
    body: AgendaRequestIn,
    db: Session = writer(Role.coordinator),
) -> AgendaItemOut:
    """Change the clinical question and referrer of a case on the agenda, at the version you
    read (409 if it changed since, or once the minutes are signed off)."""
    episode = episode_of(db, case_id)
    item = meetings.edit_case_request(
        db,
        meeting_id,
        episode.id,
        clinical_question=body.clinical_question,
        referrer=body.referrer,
        expected_version=body.expected_version,
    )
    return agenda_item_out(item)


@router.put("/meetings/{meeting_id}/agenda/{case_id}/minutes", response_model=AgendaItemOut)
def case_minutes(
    meeting_id: PathId, case_id: CaseId, body: CaseMinutesIn, db: Session = writer(Role.clinician)
) -> AgendaItemOut:
    """The rationale and dissent minuted for a case (an amendment once signed off)."""
    episode = episode_of(db, case_id)
    item = meetings.set_case_minutes(
        db,
        meeting_id,
        episode.id,
        rationale=body.rationale,
        dissent=body.dissent,
        amendment_reason=body.amendment_reason,
    )
    return agenda_item_out(item)


def action_out(action: models.MdtAction) -> ActionOut:
    return ActionOut(
        id=action.id,
        case_id=action.episode.case_id,
        description=action.description,
        owner=action.owner.name,
        owner_display=action.owner.display_name,
        due_on=action.due_on,
    )


@router.get("/meetings/{meeting_id}/actions", response_model=list[ActionOut])
def list_actions(meeting_id: PathId, db: Session = reader(Role.viewer)) -> list[ActionOut]:
    meetings.get_meeting(db, meeting_id)
    return [action_out(a) for a in meetings.actions(db, meeting_id)]


@router.post(
    "/meetings/{meeting_id}/actions", response_model=ActionOut, status_code=status.HTTP_201_CREATED
)
def add_action(
    meeting_id: PathId, body: ActionIn, db: Session = writer(Role.clinician)
) -> ActionOut:
    """An action agreed for a case on the agenda, with its owner (an amendment once signed
    off)."""
    episode = episode_of(db, body.case_id)
    action = meetings.add_action(
        db,
        meeting_id,
        episode.id,
        description=body.description,
        owner=body.owner,
        due_on=body.due_on,
        amendment_reason=body.amendment_reason,
    )
    return action_out(action)


@router.get("/cases/{case_id}/readiness", response_model=ReadinessOut)
def case_readiness(
    request: Request,
    case_id: CaseId,
    meeting: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    db: Session = reader(Role.viewer),
) -> ReadinessOut:
    """What is missing or stale for the case to be decided at the meeting (its date; today
    without one), and who usually provides it."""
    episode = episode_of(db, case_id)
    on = meetings.get_meeting(db, meeting).held_on if meeting else dt.date.today()
    found = readiness.for_episode(db, episode.id, on, request.app.state.settings.readiness)
    return ReadinessOut.model_validate(found.to_dict())


@router.get("/meetings/{meeting_id}", response_model=MeetingOut)
def read_meeting(meeting_id: PathId, db: Session = reader(Role.viewer)) -> MeetingOut:
    return meeting_out(meetings.get_meeting(db, meeting_id))


@router.get("/meetings/{meeting_id}/decisions", response_model=list[DecisionOut])
def meeting_decisions(meeting_id: PathId, db: Session = reader(Role.viewer)) -> list[DecisionOut]:
    rows = decisions.decisions_at(db, meeting_id)
    return [decision_out(row, case_id) for row, case_id in rows]


# --- decisions -----------------------------------------------------------------------------


@router.get("/cases/{case_id}/decisions", response_model=list[DecisionOut])
def case_decisions(case_id: CaseId, db: Session = reader(Role.viewer)) -> list[DecisionOut]:
    episode = episode_of(db, case_id)
    return [decision_out(row, episode.case_id) for row in episode.decisions]


@router.post(
    "/cases/{case_id}/decisions", response_model=DecisionOut, status_code=status.HTTP_201_CREATED
)
def record_decision(
    case_id: CaseId,
    body: DecisionCreate,
    db: Session = writer(Role.clinician),
    user: Principal = Depends(require(Role.clinician)),
) -> DecisionOut:
    """Record the MDT's decision against the case's latest snapshot (or ``assessment_id``),
    at a meeting in progress or held for a case on its agenda (``add_to_agenda`` puts it
    there), or outside a meeting with an ``urgency_reason``; a 422 names the field otherwise."""
    # the schema's fields are exactly the service's keywords
    row = case_page.record_case_decision(db, case_id, **body.model_dump())
    return decision_out(row, case_id)


@router.patch("/decisions/{decision_id}", response_model=DecisionOut, responses=STALE)
def update_decision(
    decision_id: PathId, body: DecisionUpdate, db: Session = writer(Role.clinician)
) -> DecisionOut:
    """Correct a decision of the version you read; only the fields you send change."""
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version", "amendment_reason"})
    row = decisions.update_decision(
        db,
        decision_id,
        expected_version=body.expected_version,
        amendment_reason=body.amendment_reason,
        **changes,
    )
    episode = locking.get(db, models.Episode, row.episode_id)
    return decision_out(row, episode.case_id)


@router.get("/deviation-reasons", response_model=list[DeviationReasonOut])
def list_deviation_reasons(_user: Principal = Depends(require(Role.viewer))):
    """The codes a deviation may carry (HL7 CDS Hooks non-adherence CodeSystem)."""
    return [
        DeviationReasonOut(code=r.code, display=r.display, category=r.category)
        for r in deviation_reasons().values()
    ]

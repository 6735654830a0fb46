"""MDT meetings: the list, agenda, attendance, minutes from the decisions, and the printable
meeting summary (HTML and PDF).

The coordinator schedules a meeting, puts cases on its agenda in the order they will be
discussed and records who attended; the clinicians record decisions on the case pages. The
minutes are never typed: they are written from the decisions recorded at the meeting, so
they say exactly what the registry (and the concordance audit) will count, with the option
labels the team saw in the assessment snapshot and the deviation reasons in the words of the
non-adherence CodeSystem. Scheduling, the agenda and attendance are coordinator-only, as in
the API's route-guard policy.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from rectoplan.errors import (
    ConflictError,
    FieldError,
    InvalidRecordError,
    NotFoundError,
    SignedOffError,
    StaleWriteError,
)
from rectoplan.i18n import _
from rectoplan.mdt_reasons import reason_of
from rectoplan.pathways.recommendation import catalogue
from rectoplan.registry import agenda, episodes, readiness
from rectoplan.registry import case_page as case_services
from rectoplan.registry import decisions as decision_services
from rectoplan.registry import meetings as board
from rectoplan.registry.codes import deviation_reasons
from rectoplan.registry.enums import DecisionCategory
from rectoplan.registry.users import Role, Specialty, User, list_users
from rectoplan.web.deps import Principal
from rectoplan.web.pages.pdf import letterhead, pdf_response
from rectoplan.web.pages.render import messages_by_field, render
from rectoplan.web.pages.session import page_reader, page_role, page_writer
from rectoplan.web.schemas import MAX_ID, MeetingCreate

if TYPE_CHECKING:
    from rectoplan.registry import models

router = APIRouter(include_in_schema=False)

PRESENTATION = re.compile(r"/meetings/\d{1,10}/present/\d{1,4}")
"""Where a form posted from presentation mode may send the browser back to."""

PAGE_SIZE = 50
FORM_LIMIT = 20_000
"""Longest form value read at all; the registry's own limits give the messages below it."""


# --- what the pages show ---------------------------------------------------------------------


OUTCOME_WORDS = {
    DecisionCategory.concordant: "preferred option",
    DecisionCategory.alternative: "alternative",
    DecisionCategory.deviation: "deviation",
}


@dataclass(frozen=True)
class Minute:
    """One decision recorded at the meeting, in words."""

    case_id: str
    chosen: str | None
    followed: bool
    category: DecisionCategory
    preferred: tuple[str, ...]
    reason: str | None
    note: str | None
    decided_by: str | None

    @property
    def outcome(self) -> str:
        """The decision in a few words (the agenda's "Decision" column), by its category
        derived from the snapshot (`DecisionCategory`)."""
        chosen = f"“{self.chosen}”" if self.chosen else "No option chosen"
        return f"{chosen} ({OUTCOME_WORDS[self.category]})"

    @property
    def text(self) -> str:
        """The minute: the option chosen, whether it was the preferred one or a listed
        alternative, the reason (in the MDT's words) and note when not the preferred one, and
        who decided."""
        preferred = " or ".join(f"“{p}”" for p in self.preferred) or "none given"
        if self.followed:
            said = f"the MDT chose “{self.chosen}”, the preferred option."
        elif self.category is DecisionCategory.alternative:
            said = (
                f"the MDT chose “{self.chosen}”, an alternative the assessment lists, instead "
                f"of the preferred option ({preferred})."
            )
        elif self.chosen:
            said = f"the MDT chose “{self.chosen}” instead of the preferred option ({preferred})."
        else:
            said = f"the MDT chose no option (the preferred option was {preferred})."
        if not self.followed:
            said += f" Reason: {self.reason or 'not coded'}."
            if self.note:
                said += f" Note: {self.note}"
                said += "" if self.note.rstrip().endswith((".", "!", "?")) else "."
        return f"{self.case_id}: {said} Decided by {self.decided_by or 'an unnamed member'}."


@dataclass(frozen=True)
class AgendaRow:
    """A case on the agenda with the headline of its latest assessment snapshot, its
    readiness for the meeting's date, the referrer's question and the minutes about it."""

    position: int
    case_id: str
    stage: str | None
    phase: str | None
    preferred: tuple[str, ...]
    decision: Minute | None
    readiness: readiness.Readiness | None = None
    item: models.MdtAgendaItem | None = None
    actions: tuple[models.MdtAction, ...] = ()


@dataclass
class MeetingView:
    meeting: models.MdtMeeting
    rows: list[AgendaRow]
    minutes: list[Minute]
    chair: User | None = None
    quorum: board.Quorum | None = None
    heading: str = field(init=False)

    def __post_init__(self) -> None:
        self.heading = f"{self.meeting.title} — {self.meeting.held_on.isoformat()}"

    @property
    def members(self) -> list[User]:
        return [row.user for row in self.meeting.members]

    @property
    def started(self) -> bool:
        return board.has_started(self.meeting)

    @property
    def signed_off(self) -> bool:
        return board.is_signed_off(self.meeting)

    @property
    def state(self) -> str:
        """Where the meeting is, in words (the page's status line)."""
        m = self.meeting
        if m.signed_off_at:
            amended = f", amended (version {m.minutes_version})" if m.minutes_version > 1 else ""
            return (
                f"Minutes signed off by {m.signed_off_by} on {m.signed_off_at:%Y-%m-%d %H:%M} "
                f"UTC{amended}"
            )
        if m.started_at:
            return f"In progress since {m.started_at:%H:%M} UTC"
        return "Held" if self.started else "Scheduled"


def option_labels(snapshot: models.Assessment, option_ids: list[str] | tuple[str, ...]):
    """The titles the MDT saw for these options: from the snapshot's recommendations, else
    from the option catalogue, else the id itself."""
    shown = {
        r.get("id"): r.get("title") for r in snapshot.assessment_json.get("recommendations", ())
    }
    known = catalogue()
    return tuple(shown.get(i) or (known[i].title if i in known else None) or i for i in option_ids)


def _reason_words(code: str | None) -> str | None:
    """A deviation code as the MDT says it, with the HL7 reason it is stored as ("Patient
    preference (Patient refuses/declines ...)"); an unknown code as typed."""
    coded = deviation_reasons().get(code or "")
    if coded is None:
        return code
    said = reason_of(code, coded.category)
    return f"{said.label} ({coded.display})" if said else coded.display


def _minute(db: Session, decision: models.MdtDecision, case_id: str) -> Minute:
    snapshot = case_services.snapshot(db, decision.assessment_id)
    chosen = decision.chosen_option_id
    return Minute(
        case_id=case_id,
        chosen=option_labels(snapshot, [chosen])[0] if chosen else None,
        followed=decision.followed_preferred,
        category=DecisionCategory(decision.category),
        preferred=option_labels(snapshot, snapshot.preferred_ids),
        reason=_reason_words(decision.deviation_code),
        note=decision.deviation_note,
        decided_by=decision.decided_by,
    )


def _agenda_row(
    db: Session,
    item: models.MdtAgendaItem,
    decided: dict[str, Minute],
    on: dt.date,
    settings: readiness.ReadinessSettings | None,
    actions: dict[int, list[models.MdtAction]],
):
    snapshot = episodes.latest_assessment(db, item.episode_id)
    data = snapshot.assessment_json
    case_id = item.episode.case_id
    return AgendaRow(
        position=item.position,
        case_id=case_id,
        stage=(data.get("stage") or {}).get("group"),
        phase=data.get("phase"),
        preferred=option_labels(snapshot, snapshot.preferred_ids),
        decision=decided.get(case_id),
        readiness=readiness.for_episode(db, item.episode_id, on, settings),
        item=item,
        actions=tuple(actions.get(item.episode_id, ())),
    )


def meeting_view(
    db: Session, meeting_id: int, settings: readiness.ReadinessSettings | None = None
) -> MeetingView:
    """The meeting with its agenda (each case's readiness at the meeting's date) and its
    minutes, the minutes in agenda order (cases decided without being on the agenda last),
    each case's latest decision shown on the agenda."""
    meeting = board.get_meeting(db, meeting_id)
    items = agenda.agenda(db, meeting_id)
    place = {item.episode.case_id: item.position for item in items}
    decided = decision_services.decisions_at(db, meeting_id)
    decided.sort(key=lambda pair: (place.get(pair[1], math.inf), pair[0].id))
    minutes = [_minute(db, decision, case_id) for decision, case_id in decided]
    latest = {m.case_id: m for m in minutes}
    by_case: dict[int, list[models.MdtAction]] = {}
    for action in board.actions(db, meeting_id):
        by_case.setdefault(action.episode_id, []).append(action)
    rows = [_agenda_row(db, item, latest, meeting.held_on, settings, by_case) for item in items]
    return MeetingView(meeting, rows, minutes, board.chair_of(db, meeting), board.quorum(meeting))


def _meeting_id(raw: str) -> int:
    """A meeting id from the URL; anything else names no meeting (a 404 page, not a 422)."""
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise NotFoundError("MDT meeting", raw)
    return int(raw)


def _is_coordinator(user: Principal) -> bool:
    return user.role.allows(Role.coordinator)


def _see_meeting(meeting_id: int, anchor: str = "") -> RedirectResponse:
    url = f"/meetings/{meeting_id}" + (f"#{anchor}" if anchor else "")
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


# --- the list of meetings --------------------------------------------------------------------


def _list_page(
    request: Request,
    db: Session,
    user: Principal,
    page: int = 1,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = board.list_meetings(db, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    shown = found[:PAGE_SIZE]
    context = {
        "nav": "meetings",
        "meetings": shown,
        "counts": agenda.counts(db, [m.id for m in shown]),
        "page": page,
        "more": len(found) > PAGE_SIZE,
        "can_edit": _is_coordinator(user),
        "values": values or {},
        "errors": errors or {},
        "users": _user_choices(db),
    }
    return render(request, "meetings/list.html", context, user=user, status_code=status_code)


@router.get("/meetings")
def meeting_list(
    request: Request,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
    page: int = 1,
) -> Response:
    """Meetings, most recent first, with how many cases each has on its agenda and decided."""
    return _list_page(request, db, user, max(1, min(page, 100_000)))


def _meeting_errors(values: dict[str, str]) -> tuple[MeetingCreate | None, dict[str, str]]:
    """The meeting, or a message per bad field (every field checked, so one round trip shows
    every problem); a blank field gets a plainer message than the schema's."""
    given = {k: v for k, v in values.items() if v}
    try:
        return MeetingCreate.model_validate(given), {}
    except ValidationError as exc:
        errors = messages_by_field(exc)
    if not values["held_on"]:
        errors["held_on"] = "Give the day of the meeting."
    if not values["title"]:
        errors["title"] = "Give the meeting a title, e.g. Colorectal MDT."
    return None, errors


def _user_choices(db: Session) -> list[tuple[str, str]]:
    """Active users as (login name, "Full Name (Specialty)") for the chair, attendance and
    action-owner pickers."""
    return [(u.name, u.display_name) for u in list_users(db) if u.active]


@router.post("/meetings")
def schedule_meeting(
    request: Request,
    held_on: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    title: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    starts_at: Annotated[str, Form(max_length=20)] = "",
    place: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    video_link: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    chair: Annotated[str, Form(max_length=200)] = "",
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    """Schedule a meeting (a day and a title, which together name it; its time, place or
    video link and chair) and open its page."""
    values = {
        "held_on": held_on.strip(),
        "title": " ".join(title.split()),
        "starts_at": starts_at.strip(),
        "place": place.strip(),
        "video_link": video_link.strip(),
        "chair": chair.strip(),
    }
    meeting, errors = _meeting_errors(values)
    if meeting is not None:
        try:
            plan = board.Plan(**meeting.model_dump(exclude={"held_on", "title"}))
            quorum = request.app.state.settings.mdt_quorum
            created = board.create_meeting(db, meeting.held_on, meeting.title, plan, quorum)
            return _see_meeting(created.id)
        except ConflictError:
            db.rollback()
            errors = {
                "title": f"There is already a meeting “{meeting.title}” on "
                f"{meeting.held_on.isoformat()}; choose another title or day."
            }
        except InvalidRecordError as exc:
            db.rollback()
            errors = {e.field: e.message for e in exc.errors}
    return _list_page(request, db, user, values=values, errors=errors, status_code=422)


# --- one meeting -----------------------------------------------------------------------------


@dataclass
class Forms:
    """What the forms on the meeting page show: typed values kept, errors (by form field)."""

    case_id: str = ""
    case_error: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    def errors_of(self, form: str) -> dict[str, str]:
        """The messages of one form on the page (its fields without the form's prefix)."""
        return {k.split(".", 1)[1]: v for k, v in self.errors.items() if k.startswith(form + ".")}

    def values_of(self, form: str, **defaults: Any) -> dict[str, Any]:
        """What was typed into one form (else ``defaults``, the stored values)."""
        typed = {k.split(".", 1)[1]: v for k, v in self.values.items() if k.startswith(form + ".")}
        return {**defaults, **typed}

    attendees: str | None = None
    attendance_errors: list[str] = field(default_factory=list)
    expected_version: int | None = None
    notice: str | None = None


def _meeting_page(
    request: Request,
    db: Session,
    user: Principal,
    meeting_id: int,
    forms: Forms | None = None,
    status_code: int = 200,
) -> Response:
    view = meeting_view(db, meeting_id, request.app.state.settings.readiness)
    forms = forms or Forms()
    if forms.attendees is None:
        forms.attendees = "\n".join(view.meeting.attendees or ())
    if forms.expected_version is None:
        forms.expected_version = view.meeting.version
    context = {
        "nav": "meetings",
        "view": view,
        "forms": forms,
        "can_edit": _is_coordinator(user),
        "can_minute": user.role.allows(Role.clinician),
        "is_chair": view.chair is not None and view.chair.name == user.name,
        "users": _user_choices(db),
        "member_names": {u.name for u in view.members},
        "specialties": [(s.value, s.label) for s in Specialty],
    }
    return render(request, "meetings/meeting.html", context, user=user, status_code=status_code)


@router.get("/meetings/{meeting_id}")
def meeting_page(
    request: Request,
    meeting_id: str,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """The agenda with each case's stage, phase, preferred option and decision; attendance;
    the minutes."""
    return _meeting_page(request, db, user, _meeting_id(meeting_id))


@router.post("/meetings/{meeting_id}/agenda")
def add_case(
    request: Request,
    meeting_id: str,
    case_id: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    q: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    clinical_question: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    referrer: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    back_to_case: Annotated[str, Form(max_length=1)] = "",
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    """Append a case at the end of the agenda, with the referrer's question: the case picked
    from the search results (or, without JavaScript, the exact case id typed in the search
    box). From a case page ("add to the next meeting") it returns to the case."""
    number = _meeting_id(meeting_id)
    board.get_meeting(db, number)
    typed = (case_id or q).strip()
    episode = episodes.find_episode(db, typed) if typed else None
    if not typed:
        error = "Find the case to discuss and choose it from the results."
    elif episode is None:
        error = f"There is no case “{typed}” in the registry; check the case id."
    else:
        try:
            agenda.add_to_agenda(db, number, episode.id)
            board.set_case_request(
                db,
                number,
                episode.id,
                clinical_question=clinical_question,
                referrer=referrer,
            )
            if back_to_case:
                target = f"/cases/{quote(typed, safe='')}?added_to={number}"
                return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
            return _see_meeting(number, "agenda")
        except SignedOffError as exc:
            return _signed_off(request, db, user, number, exc)
        except InvalidRecordError as exc:
            duplicate = any(e.field == "episode_id" for e in exc.errors)
            error = (
                f"“{typed}” is already on this meeting's agenda."
                if duplicate
                else "; ".join(f"{e.field.replace('_', ' ')}: {e.message}" for e in exc.errors)
            )
    db.rollback()
    forms = Forms(
        case_id=typed,
        case_error=error,
        values={"clinical_question": clinical_question, "referrer": referrer},
    )
    return _meeting_page(request, db, user, number, forms, status_code=422)


CASE_RESULTS = 8
"""How many cases the agenda's search offers at once (type more to narrow it)."""


@router.get("/meetings/{meeting_id}/case-search")
def case_search(
    request: Request,
    meeting_id: str,
    q: str = "",
    db: Session = page_reader(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    """The agenda's search-as-you-type: cases whose id or patient pseudonym contains what was
    typed, not already on the agenda (an htmx fragment of buttons that add the case)."""
    number = _meeting_id(meeting_id)
    listed = {item.episode_id for item in agenda.agenda(db, number)}
    typed = q.strip()[:64]
    found = episodes.search_episodes(db, typed, CASE_RESULTS + len(listed)) if typed else []
    found = [e for e in found if e.id not in listed][:CASE_RESULTS]
    context = {"found": found, "typed": typed}
    return render(request, "meetings/_case_results.html", context, user=user)


def _form_page(request, db, user, number: int, exc: InvalidRecordError, anchor: str, values):
    """The meeting page again (422) with the registry's messages by field and what was typed."""
    db.rollback()
    errors = {f"{anchor}.{e.field}": e.message for e in exc.errors}
    forms = Forms(errors=errors, values={f"{anchor}.{k}": v for k, v in values.items()})
    return _meeting_page(request, db, user, number, forms, status_code=422)


@router.post("/meetings/{meeting_id}/details")
def save_details(
    request: Request,
    meeting_id: str,
    starts_at: Annotated[str, Form(max_length=20)] = "",
    place: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    video_link: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    chair: Annotated[str, Form(max_length=200)] = "",
    expected: Annotated[list[str] | None, Form(max_length=100)] = None,
    expected_version: Annotated[str, Form(max_length=12)] = "",
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    """The meeting's time, place or video link, chair and the specialties its quorum needs."""
    number = _meeting_id(meeting_id)
    values = {"starts_at": starts_at, "place": place, "video_link": video_link, "chair": chair}
    try:
        when = dt.time.fromisoformat(starts_at.strip()) if starts_at.strip() else None
    except ValueError:
        error = FieldError("starts_at", "give the start time as HH:MM, e.g. 14:30")
        return _form_page(request, db, user, number, InvalidRecordError([error]), "d", values)
    plan = board.Plan(
        starts_at=when,
        place=place,
        video_link=video_link,
        chair=chair,
        expected_specialties=expected or [],
    )
    version = int(expected_version) if expected_version.isdigit() else None
    try:
        board.plan_meeting(db, number, plan, expected_version=version)
    except InvalidRecordError as exc:
        return _form_page(request, db, user, number, exc, "d", values)
    return _see_meeting(number, "details")


@router.post("/meetings/{meeting_id}/members")
def save_members(
    request: Request,
    meeting_id: str,
    members: Annotated[list[str] | None, Form(max_length=100)] = None,
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    """The registry users present (ticked on the list of users with their specialty)."""
    number = _meeting_id(meeting_id)
    try:
        board.set_members(db, number, members or [])
    except InvalidRecordError as exc:
        return _form_page(request, db, user, number, exc, "m", {})
    return _see_meeting(number, "attendance")


@router.post("/meetings/{meeting_id}/start")
def start(
    meeting_id: str,
    db: Session = page_writer(Role.coordinator),
    _user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    """Open the meeting for decisions and go to its first case in presentation mode."""
    number = _meeting_id(meeting_id)
    board.start_meeting(db, number)
    return RedirectResponse(f"/meetings/{number}/present/1", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/meetings/{meeting_id}/sign-off")
def sign_off(
    request: Request,
    meeting_id: str,
    db: Session = page_writer(Role.clinician),
    user: Principal = Depends(page_role(Role.clinician)),
) -> Response:
    """The chair signs the minutes off (only the chair; the page offers it to no one else)."""
    number = _meeting_id(meeting_id)
    try:
        board.sign_off(db, number, by=user.name)
    except InvalidRecordError as exc:
        return _form_page(request, db, user, number, exc, "s", {})
    return _see_meeting(number, "minutes")


@router.post("/meetings/{meeting_id}/cases/{case_id}/minutes")
def save_case_minutes(
    request: Request,
    meeting_id: str,
    case_id: str,
    rationale: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    dissent: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    amendment_reason: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    back_to: Annotated[str, Form(max_length=200)] = "",
    db: Session = page_writer(Role.clinician),
    user: Principal = Depends(page_role(Role.clinician)),
) -> Response:
    """The rationale and dissent minuted for a case; after sign-off an amendment (with its
    reason)."""
    number = _meeting_id(meeting_id)
    episode = episodes.episode_by_case_id(db, case_id)
    values = {"rationale": rationale, "dissent": dissent, "amendment_reason": amendment_reason}
    try:
        board.set_case_minutes(
            db,
            number,
            episode.id,
            rationale=rationale,
            dissent=dissent,
            amendment_reason=amendment_reason,
        )
    except InvalidRecordError as exc:
        return _form_page(request, db, user, number, exc, f"c{episode.id}", values)
    if PRESENTATION.fullmatch(back_to):
        return RedirectResponse(back_to, status_code=status.HTTP_303_SEE_OTHER)
    return _see_meeting(number, f"minutes-{episode.id}")


@router.post("/meetings/{meeting_id}/cases/{case_id}/actions")
def add_action(
    request: Request,
    meeting_id: str,
    case_id: str,
    description: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    owner: Annotated[str, Form(max_length=200)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
    amendment_reason: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    back_to: Annotated[str, Form(max_length=200)] = "",
    db: Session = page_writer(Role.clinician),
    user: Principal = Depends(page_role(Role.clinician)),
) -> Response:
    """An action for the case with its owner (and due date); after sign-off an amendment."""
    number = _meeting_id(meeting_id)
    episode = episodes.episode_by_case_id(db, case_id)
    values = {"description": description, "owner": owner, "due_on": due_on}
    anchor = f"a{episode.id}"
    try:
        due = dt.date.fromisoformat(due_on.strip()) if due_on.strip() else None
    except ValueError:
        error = FieldError("due_on", "give the day as YYYY-MM-DD")
        return _form_page(request, db, user, number, InvalidRecordError([error]), anchor, values)
    try:
        board.add_action(
            db,
            number,
            episode.id,
            description=description,
            owner=owner,
            due_on=due,
            amendment_reason=amendment_reason,
        )
    except InvalidRecordError as exc:
        return _form_page(request, db, user, number, exc, anchor, values)
    if PRESENTATION.fullmatch(back_to):
        return RedirectResponse(back_to, status_code=status.HTTP_303_SEE_OTHER)
    return _see_meeting(number, f"minutes-{episode.id}")


def _change_agenda(request, db, user, meeting_id: str, case_id: str, change) -> Response:
    """Remove or move a case, then back to the agenda; a case no longer on it (another
    coordinator's change, or a second click) is a 409 notice over the current agenda."""
    number = _meeting_id(meeting_id)
    board.get_meeting(db, number)
    episode = episodes.episode_by_case_id(db, case_id)
    try:
        change(db, number, episode.id)
        return _see_meeting(number, "agenda")
    except SignedOffError as exc:
        return _signed_off(request, db, user, number, exc)
    except (InvalidRecordError, ConflictError):
        db.rollback()
    notice = f"The agenda changed meanwhile: “{case_id}” is not on it any more."
    return _meeting_page(request, db, user, number, Forms(notice=notice), status_code=409)


def _signed_off(request, db, user, number: int, exc: SignedOffError) -> Response:
    """The meeting page again (409) saying why the agenda no longer changes."""
    db.rollback()
    return _meeting_page(request, db, user, number, Forms(notice=str(exc)), status_code=409)


@router.post("/meetings/{meeting_id}/agenda/{case_id}/request")
def edit_case_request(
    request: Request,
    meeting_id: str,
    case_id: str,
    clinical_question: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    referrer: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    expected_version: Annotated[str, Form(max_length=12)] = "",
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    """Change the question and referrer of a case on the agenda, if nobody changed them since
    the page was opened (otherwise a 409 notice, what was typed kept in the form)."""
    number = _meeting_id(meeting_id)
    episode = episodes.episode_by_case_id(db, case_id)
    values = {"clinical_question": clinical_question, "referrer": referrer}
    anchor = f"q{episode.id}"
    version = int(expected_version) if expected_version.isdigit() else 0
    try:
        board.edit_case_request(
            db,
            number,
            episode.id,
            clinical_question=clinical_question,
            referrer=referrer,
            expected_version=version,
        )
    except SignedOffError as exc:
        return _signed_off(request, db, user, number, exc)
    except InvalidRecordError as exc:
        return _form_page(request, db, user, number, exc, anchor, values)
    except StaleWriteError:
        db.rollback()
        notice = _(
            "Someone else changed the question of “{case}” since you opened this page. The "
            "saved question is shown on the agenda and yours is kept in the form: check it and "
            "save again."
        ).format(case=case_id)
        typed = {f"{anchor}.{k}": v for k, v in values.items()}
        forms = Forms(notice=notice, values=typed, errors={f"{anchor}.stale": notice})
        return _meeting_page(request, db, user, number, forms, status_code=409)
    return _see_meeting(number, f"agenda-{episode.id}")


@router.post("/meetings/{meeting_id}/agenda/{case_id}/remove")
def remove_case(
    request: Request,
    meeting_id: str,
    case_id: str,
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    return _change_agenda(request, db, user, meeting_id, case_id, agenda.remove_from_agenda)


@router.post("/meetings/{meeting_id}/agenda/{case_id}/up")
def move_case_up(
    request: Request,
    meeting_id: str,
    case_id: str,
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    return _change_agenda(request, db, user, meeting_id, case_id, agenda.move_up)


@router.post("/meetings/{meeting_id}/agenda/{case_id}/down")
def move_case_down(
    request: Request,
    meeting_id: str,
    case_id: str,
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    return _change_agenda(request, db, user, meeting_id, case_id, agenda.move_down)


def _attendance_errors(typed: list[str], exc: InvalidRecordError) -> list[str]:
    """The registry names a bad name by its place among the non-blank lines; the form names
    it by its first words, which the user can find in the box."""
    messages = []
    for error in exc.errors:
        index = int(error.field.partition("[")[2].rstrip("]") or 0)
        name = typed[index] if index < len(typed) else ""
        short = name if len(name) <= 40 else name[:40] + "…"
        messages.append(f"The name “{short}” {error.message}.")
    return messages


@router.post("/meetings/{meeting_id}/attendance")
def save_attendance(
    request: Request,
    meeting_id: str,
    attendees: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    expected_version: Annotated[str, Form(max_length=12)] = "",
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    """Replace the attendance (one name per line, blank lines ignored) if nobody changed it
    since the form was opened; otherwise a 409 notice with the typed names kept."""
    number = _meeting_id(meeting_id)
    board.get_meeting(db, number)
    typed = [line.strip() for line in attendees.splitlines() if line.strip()]
    forms = Forms(attendees=attendees)
    version = int(expected_version) if expected_version.isdigit() else 0
    try:
        agenda.set_attendees(db, number, typed, expected_version=version)
        return _see_meeting(number, "attendance")
    except InvalidRecordError as exc:
        db.rollback()
        forms.attendance_errors = _attendance_errors(typed, exc)
        forms.expected_version = version
        return _meeting_page(request, db, user, number, forms, status_code=422)
    except StaleWriteError as exc:
        db.rollback()
        forms.notice = (
            "Someone else changed the attendance since you opened this page (it is now at "
            f"version {exc.actual}). The saved list is shown above and your list is kept in "
            "the box: check it and save again."
        )
        return _meeting_page(request, db, user, number, forms, status_code=409)


# --- the printable summary -------------------------------------------------------------------


def _summary(request: Request, db: Session, user: Principal, meeting_id: str, pdf: bool = False):
    """The summary page; for the PDF without the stylesheet link (the PDF writer reads the
    stylesheet from the package, and WeasyPrint would fail to fetch a site path)."""
    view = meeting_view(db, _meeting_id(meeting_id), request.app.state.settings.readiness)
    context: dict[str, Any] = {
        "nav": "meetings",
        "view": view,
        "pdf": pdf,
        "letterhead": letterhead(request.app.state.settings),
        "printed": dt.datetime.now(dt.UTC),
    }
    return view, render(request, "meetings/summary.html", context, user=user)


@router.get("/meetings/{meeting_id}/summary")
def meeting_summary(
    request: Request,
    meeting_id: str,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """Title and date, attendance, the agenda with each case's decision, and the minutes, for
    printing or filing."""
    return _summary(request, db, user, meeting_id)[1]


@router.get("/meetings/{meeting_id}/summary.pdf")
def meeting_summary_pdf(
    request: Request,
    meeting_id: str,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """The printable summary as a PDF (the same template, so the two cannot differ)."""
    view, html = _summary(request, db, user, meeting_id, pdf=True)
    held_on: dt.date = view.meeting.held_on
    return pdf_response(html, f"rectoplan-meeting-{held_on.isoformat()}.pdf")

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
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from rectoplan.errors import (
    ConflictError,
    InvalidRecordError,
    NotFoundError,
    StaleWriteError,
)
from rectoplan.pathways.recommendation import catalogue
from rectoplan.registry import agenda, episodes, locking, models
from rectoplan.registry.codes import deviation_reasons
from rectoplan.registry.schemas import MeetingIn
from rectoplan.registry.users import Role
from rectoplan.web.deps import Principal
from rectoplan.web.pages.pdf import pdf_response
from rectoplan.web.pages.render import messages_by_field, render
from rectoplan.web.pages.session import page_reader, page_role, page_writer
from rectoplan.web.routes.meetings import create_meeting, list_meetings, meeting_decisions
from rectoplan.web.schemas import MAX_ID, DecisionOut

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
FORM_LIMIT = 20_000
"""Longest form value read at all; the registry's own limits give the messages below it."""


# --- what the pages show ---------------------------------------------------------------------


@dataclass(frozen=True)
class Minute:
    """One decision recorded at the meeting, in words."""

    case_id: str
    chosen: str | None
    followed: bool
    preferred: tuple[str, ...]
    reason: str | None
    note: str | None
    decided_by: str | None

    @property
    def outcome(self) -> str:
        """The decision in a few words (the agenda's "Decision" column)."""
        chosen = f"“{self.chosen}”" if self.chosen else "No option chosen"
        return f"{chosen} ({'preferred option' if self.followed else 'deviation'})"

    @property
    def text(self) -> str:
        """The minute: the option chosen, whether it was the preferred one, the coded reason
        and note of a deviation, and who decided."""
        preferred = " or ".join(f"“{p}”" for p in self.preferred) or "none given"
        if self.followed:
            said = f"the MDT chose “{self.chosen}”, the preferred option."
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
    """A case on the agenda with the headline of its latest assessment snapshot."""

    position: int
    case_id: str
    stage: str | None
    phase: str | None
    preferred: tuple[str, ...]
    decision: Minute | None


@dataclass
class MeetingView:
    meeting: models.MdtMeeting
    rows: list[AgendaRow]
    minutes: list[Minute]
    heading: str = field(init=False)

    def __post_init__(self) -> None:
        self.heading = f"{self.meeting.title} — {self.meeting.held_on.isoformat()}"


def option_labels(snapshot: models.Assessment, option_ids: list[str] | tuple[str, ...]):
    """The titles the MDT saw for these options: from the snapshot's recommendations, else
    from the option catalogue, else the id itself."""
    shown = {
        r.get("id"): r.get("title") for r in snapshot.assessment_json.get("recommendations", ())
    }
    known = catalogue()
    return tuple(shown.get(i) or (known[i].title if i in known else None) or i for i in option_ids)


def _minute(db: Session, decision: DecisionOut) -> Minute:
    snapshot = locking.get(db, models.Assessment, decision.assessment_id)
    chosen = decision.chosen_option_id
    reason = deviation_reasons().get(decision.deviation_code or "")
    return Minute(
        case_id=decision.case_id,
        chosen=option_labels(snapshot, [chosen])[0] if chosen else None,
        followed=decision.followed_preferred,
        preferred=option_labels(snapshot, snapshot.preferred_ids),
        reason=reason.display if reason else decision.deviation_code,
        note=decision.deviation_note,
        decided_by=decision.decided_by,
    )


def _agenda_row(db: Session, item: models.MdtAgendaItem, decided: dict[str, Minute]):
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
    )


def meeting_view(db: Session, meeting_id: int) -> MeetingView:
    """The meeting with its agenda and its minutes, the minutes in agenda order (cases decided
    without being on the agenda last), each case's latest decision shown on the agenda."""
    meeting = locking.get(db, models.MdtMeeting, meeting_id)
    items = agenda.agenda(db, meeting_id)
    place = {item.episode.case_id: item.position for item in items}
    decided = meeting_decisions(meeting_id, db=db)
    decided.sort(key=lambda d: (place.get(d.case_id, math.inf), d.id))
    minutes = [_minute(db, d) for d in decided]
    latest = {m.case_id: m for m in minutes}
    rows = [_agenda_row(db, item, latest) for item in items]
    return MeetingView(meeting, rows, minutes)


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
    found = list_meetings(
        db=db, held_from=None, held_to=None, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
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


def _meeting_errors(held_on: str, title: str) -> tuple[MeetingIn | None, dict[str, str]]:
    """The meeting, or a message per bad field (every field checked, so one round trip shows
    every problem); a blank field gets a plainer message than the schema's."""
    try:
        return MeetingIn(held_on=held_on or None, title=title), {}
    except ValidationError as exc:
        errors = messages_by_field(exc)
    if not held_on:
        errors["held_on"] = "Give the day of the meeting."
    if not title:
        errors["title"] = "Give the meeting a title, e.g. Colorectal MDT."
    return None, errors


@router.post("/meetings")
def schedule_meeting(
    request: Request,
    held_on: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    title: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    """Schedule a meeting (a day and a title, which together name it) and open its page."""
    values = {"held_on": held_on.strip(), "title": " ".join(title.split())}
    meeting, errors = _meeting_errors(values["held_on"], values["title"])
    if meeting is not None:
        try:
            created = create_meeting(meeting, db=db)
            return _see_meeting(created.id)
        except ConflictError:
            db.rollback()
            errors = {
                "title": f"There is already a meeting “{meeting.title}” on "
                f"{meeting.held_on.isoformat()}; choose another title or day."
            }
    return _list_page(request, db, user, values=values, errors=errors, status_code=422)


# --- one meeting -----------------------------------------------------------------------------


@dataclass
class Forms:
    """What the coordinator's forms on the meeting page show: typed values kept, errors."""

    case_id: str = ""
    case_error: str | None = None
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
    view = meeting_view(db, meeting_id)
    forms = forms or Forms()
    if forms.attendees is None:
        forms.attendees = "\n".join(view.meeting.attendees or ())
    if forms.expected_version is None:
        forms.expected_version = view.meeting.version
    context = {"nav": "meetings", "view": view, "forms": forms, "can_edit": _is_coordinator(user)}
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
    db: Session = page_writer(Role.coordinator),
    user: Principal = Depends(page_role(Role.coordinator)),
) -> Response:
    """Append a case, named by its case id, at the end of the agenda."""
    number = _meeting_id(meeting_id)
    locking.get(db, models.MdtMeeting, number)
    typed = case_id.strip()
    episode = episodes.find_episode(db, typed) if typed else None
    if not typed:
        error = "Give the case id of the case to discuss."
    elif episode is None:
        error = f"There is no case “{typed}” in the registry; check the case id."
    else:
        try:
            agenda.add_to_agenda(db, number, episode.id)
            return _see_meeting(number, "agenda")
        except InvalidRecordError:
            error = f"“{typed}” is already on this meeting's agenda."
    db.rollback()
    forms = Forms(case_id=case_id, case_error=error)
    return _meeting_page(request, db, user, number, forms, status_code=422)


def _change_agenda(request, db, user, meeting_id: str, case_id: str, change) -> Response:
    """Remove or move a case, then back to the agenda; a case no longer on it (another
    coordinator's change, or a second click) is a 409 notice over the current agenda."""
    number = _meeting_id(meeting_id)
    locking.get(db, models.MdtMeeting, number)
    episode = episodes.episode_by_case_id(db, case_id)
    try:
        change(db, number, episode.id)
        return _see_meeting(number, "agenda")
    except (InvalidRecordError, ConflictError):
        db.rollback()
    notice = f"The agenda changed meanwhile: “{case_id}” is not on it any more."
    return _meeting_page(request, db, user, number, Forms(notice=notice), status_code=409)


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
    locking.get(db, models.MdtMeeting, number)
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
    view = meeting_view(db, _meeting_id(meeting_id))
    context: dict[str, Any] = {"nav": "meetings", "view": view, "pdf": pdf}
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

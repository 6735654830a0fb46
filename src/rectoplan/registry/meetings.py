"""Running a tumour board: scheduling, attendance and quorum, starting the meeting, the per-case
minutes and actions, the chair's sign-off and amendments after it.

The life of a meeting: the coordinator schedules it (day, time, place or video link, chair, the
specialties its quorum needs) and builds the agenda (`rectoplan.registry.agenda`); the meeting
is *started* when the team sits down (decisions are refused before: `decisions.record_decision`
asks `check_decidable`); a meeting whose day has passed counts as held. The chair signs the
minutes off, which locks them: from then on every change to the meeting's decisions, minutes,
actions or agenda is an *amendment*, which needs a reason, raises the minutes' version and is
kept, like every change, in the audit log (the meeting row's before and after).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rectoplan.errors import ConflictError, FieldError, InvalidRecordError, SignedOffError
from rectoplan.i18n import _, join_items
from rectoplan.registry import audit, locking, models
from rectoplan.registry.types import utcnow
from rectoplan.registry.users import Specialty, User, find_user

QUORUM_SPECIALTIES: tuple[Specialty, ...] = (
    Specialty.colorectal_surgeon,
    Specialty.medical_oncologist,
    Specialty.radiation_oncologist,
    Specialty.radiologist,
    Specialty.pathologist,
)
"""The specialties a rectal-cancer MDT needs present to decide (the core members every MDT
standard names: surgeon, medical and radiation oncologist, radiologist, pathologist). A named
setting (``RECTOPLAN_MDT_QUORUM``, comma-separated) and chosen per meeting, because boards
differ (some require a gastroenterologist or a specialist nurse)."""

MAX_TEXT = 4000
MAX_REASON = 2000


def _text(value: str | None, field: str, limit: int = MAX_TEXT) -> str | None:
    """Blank is none; longer than ``limit`` is an error naming the field."""
    value = (value or "").strip() or None
    if value is not None and len(value) > limit:
        raise InvalidRecordError([FieldError(field, f"at most {limit} characters")])
    return value


def specialties(values: Iterable[str | Specialty], field: str = "expected_specialties"):
    """The specialties named, each once, in the given order."""
    found: list[Specialty] = []
    for index, value in enumerate(values):
        try:
            specialty = Specialty(value)
        except ValueError:
            choices = ", ".join(s.label for s in Specialty)
            raise InvalidRecordError(
                [FieldError(f"{field}[{index}]", f"{value!r} is not a specialty ({choices})")]
            ) from None
        if specialty not in found:
            found.append(specialty)
    return found


def user_named(session: Session, name: str | None, field: str) -> User | None:
    """The active user with that login name (None for blank); an unknown or inactive name is
    an error naming the field."""
    name = (name or "").strip()
    if not name:
        return None
    user = find_user(session, name)
    if user is None or not user.active:
        raise InvalidRecordError([FieldError(field, f"{name!r} is not an active user")])
    return user


# --- scheduling -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The logistics of a meeting, as the coordinator gives them (None: unchanged)."""

    starts_at: dt.time | None = None
    place: str | None = None
    video_link: str | None = None
    chair: str | None = None
    expected_specialties: Sequence[str] | None = None


def _check_link(link: str | None) -> str | None:
    link = _text(link, "video_link", 500)
    if link is not None and not link.lower().startswith(("https://", "http://")):
        raise InvalidRecordError(
            [FieldError("video_link", "give the meeting's web address (https://...)")]
        )
    return link


def _apply(session: Session, row: models.MdtMeeting, plan: Plan) -> None:
    """Check the plan and put it on the meeting row (errors name the field)."""
    place = _text(plan.place, "place", 200)
    link = _check_link(plan.video_link)
    chair = user_named(session, plan.chair, "chair")
    expected = None if plan.expected_specialties is None else specialties(plan.expected_specialties)
    row.starts_at = plan.starts_at
    row.place = place
    row.video_link = link
    row.chair = chair.name if chair else None
    if expected:
        row.expected_specialties = [s.value for s in expected]
    elif not row.expected_specialties:
        row.expected_specialties = [s.value for s in QUORUM_SPECIALTIES]


def schedule_meeting(
    session: Session, held_on: dt.date, title: str, plan: Plan
) -> models.MdtMeeting:
    """A new meeting on that day under that title (which together name it) with its plan;
    `InvalidRecordError` names ``title`` if the pair is taken."""
    title = " ".join(title.split())
    m = models.MdtMeeting
    if session.scalar(select(m.id).where(m.held_on == held_on, m.title == title)) is not None:
        raise InvalidRecordError(
            [FieldError("title", f"there is already a meeting {title!r} on {held_on}")]
        )
    meeting = m(
        held_on=held_on, title=title, attendees=[], expected_specialties=[], minutes_version=0
    )
    _apply(session, meeting, plan)
    session.add(meeting)
    session.flush()
    return meeting


def plan_meeting(
    session: Session, meeting_id: int, plan: Plan, *, expected_version: int | None = None
) -> models.MdtMeeting:
    """Set the meeting's time, place or video link, chair and quorum specialties."""
    place = _text(plan.place, "place", 200)
    link = _check_link(plan.video_link)
    chair = user_named(session, plan.chair, "chair")
    expected = None if plan.expected_specialties is None else specialties(plan.expected_specialties)
    meeting = locking.get(session, models.MdtMeeting, meeting_id)
    version = meeting.version if expected_version is None else expected_version
    check_editable(meeting, None)
    with locking.updating(session, models.MdtMeeting, meeting_id, version) as row:
        row.starts_at = plan.starts_at
        row.place = place
        row.video_link = link
        row.chair = chair.name if chair else None
        if expected is not None:
            row.expected_specialties = [s.value for s in expected]
        elif not row.expected_specialties:
            row.expected_specialties = [s.value for s in QUORUM_SPECIALTIES]
    return row


def chair_of(session: Session, meeting: models.MdtMeeting) -> User | None:
    return find_user(session, meeting.chair) if meeting.chair else None


def get_meeting(session: Session, meeting_id: int) -> models.MdtMeeting:
    """The meeting (`NotFoundError` if there is none with that id)."""
    return locking.get(session, models.MdtMeeting, meeting_id)


def list_meetings(
    session: Session,
    *,
    held_from: dt.date | None = None,
    held_to: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[models.MdtMeeting]:
    """Meetings, most recent first, optionally between two dates (inclusive), with their
    attending users loaded (the quorum is counted from them)."""
    m = models.MdtMeeting
    query = (
        select(m)
        .options(selectinload(m.members).selectinload(models.MdtAttendance.user))
        .order_by(m.held_on.desc(), m.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if held_from is not None:
        query = query.where(m.held_on >= held_from)
    if held_to is not None:
        query = query.where(m.held_on <= held_to)
    return list(session.scalars(query))


def create_meeting(
    session: Session,
    held_on: dt.date,
    title: str,
    plan: Plan,
    default_quorum: Sequence[str] = (),
) -> models.MdtMeeting:
    """Schedule a meeting from the page or the API: a day and title already taken is a
    `ConflictError` (409) naming the meeting there; the quorum is the plan's specialties,
    else ``default_quorum`` (the hospital's ``RECTOPLAN_MDT_QUORUM``)."""
    m = models.MdtMeeting
    existing = session.scalar(select(m).where(m.held_on == held_on, m.title == title))
    if existing is not None:
        raise ConflictError(f"meeting {existing.id} is already {title!r} on {held_on}")
    quorum = list(plan.expected_specialties or default_quorum)
    return schedule_meeting(session, held_on, title, replace(plan, expected_specialties=quorum))


# --- attendance and quorum --------------------------------------------------------------------


def set_members(session: Session, meeting_id: int, names: Iterable[str]) -> list[User]:
    """Make the attending registry users exactly ``names`` (login names; each once)."""
    meeting = locking.get(session, models.MdtMeeting, meeting_id)
    check_editable(meeting, None)
    wanted: dict[int, User] = {}
    for index, name in enumerate(names):
        user = user_named(session, name, f"attendees[{index}]")
        if user is not None:
            wanted[user.id] = user
    for row in list(meeting.members):
        if row.user_id not in wanted:
            meeting.members.remove(row)
            session.delete(row)
    present = {row.user_id for row in meeting.members}
    for user_id in wanted:
        if user_id not in present:
            session.add(models.MdtAttendance(meeting_id=meeting_id, user_id=user_id))
    session.flush()
    session.refresh(meeting)
    return [row.user for row in meeting.members]


@dataclass(frozen=True)
class Quorum:
    """Which expected specialties are present among the attending users."""

    expected: tuple[Specialty, ...]
    present: tuple[Specialty, ...]

    @property
    def missing(self) -> tuple[Specialty, ...]:
        return tuple(s for s in self.expected if s not in self.present)

    @property
    def met(self) -> bool:
        return not self.missing


def check_quorum(meeting: models.MdtMeeting) -> None:
    """Minutes are signed off only for a meeting that could decide: every specialty its quorum
    expects among the members recorded as present (`set_members`)."""
    missing = quorum(meeting).missing
    if missing:
        message = _(
            "the meeting has no quorum: no {missing} among the members recorded as present; "
            "record who attended, or change the specialties this meeting needs, before "
            "signing off"
        ).format(missing=join_items(s.label for s in missing))
        raise InvalidRecordError([FieldError("quorum", message)])


def quorum(meeting: models.MdtMeeting) -> Quorum:
    expected = tuple(specialties(meeting.expected_specialties or QUORUM_SPECIALTIES))
    present = tuple(
        dict.fromkeys(row.user.specialty for row in meeting.members if row.user.specialty)
    )
    return Quorum(expected, present)


# --- the meeting's state ------------------------------------------------------------------------


def has_started(meeting: models.MdtMeeting, today: dt.date | None = None) -> bool:
    """Started by the chair or coordinator, or held on a day that has passed."""
    today = today or dt.date.today()
    return meeting.started_at is not None or meeting.held_on < today


def start_meeting(session: Session, meeting_id: int) -> models.MdtMeeting:
    """Open the meeting for decisions (once; starting a started meeting changes nothing)."""
    meeting = locking.get(session, models.MdtMeeting, meeting_id)
    if meeting.started_at is None:
        meeting.started_at = utcnow()
        session.flush()
    return meeting


def check_decidable(meeting: models.MdtMeeting, today: dt.date | None = None) -> None:
    """Decisions are taken at a meeting in progress or held, never ahead of it."""
    if not has_started(meeting, today):
        raise InvalidRecordError(
            [
                FieldError(
                    "meeting_id",
                    f"the meeting of {meeting.held_on.isoformat()} has not started; decisions "
                    "are recorded at a meeting in progress or held (start it first)",
                )
            ]
        )


def is_signed_off(meeting: models.MdtMeeting) -> bool:
    return meeting.signed_off_at is not None


def check_editable(meeting: models.MdtMeeting | None, amendment_reason: str | None) -> str | None:
    """Before a change to a meeting's record: signed-off minutes change only by an amendment
    with a reason (returned cleaned, for `amend`); a draft changes freely (None)."""
    if meeting is None or not is_signed_off(meeting):
        return None
    reason = _text(amendment_reason, "amendment_reason", MAX_REASON)
    if reason is None:
        raise InvalidRecordError(
            [
                FieldError(
                    "amendment_reason",
                    f"the minutes were signed off by {meeting.signed_off_by} on "
                    f"{meeting.signed_off_at:%Y-%m-%d %H:%M} UTC; a change now is an "
                    "amendment: give its reason",
                )
            ]
        )
    return reason


def check_agenda_open(meeting: models.MdtMeeting) -> None:
    """The agenda (which cases, in which order, with which question) changes only until the
    minutes are signed off; after that the meeting's record changes only by an amendment of a
    case's minutes, actions or decision (`changing`). A `SignedOffError` (HTTP 409)."""
    if is_signed_off(meeting):
        raise SignedOffError(
            _(
                "The minutes of the meeting of {day} were signed off by {who} on {when} UTC, "
                "so its agenda can no longer change; amend a case's minutes or decision instead."
            ).format(
                day=meeting.held_on.isoformat(),
                who=meeting.signed_off_by,
                when=f"{meeting.signed_off_at:%Y-%m-%d %H:%M}",
            )
        )


def amend(session: Session, meeting: models.MdtMeeting, reason: str | None) -> None:
    """Record an amendment of signed-off minutes: a new minutes version with its reason (the
    audit log keeps every version's row)."""
    if reason is None:
        return
    meeting.minutes_version += 1
    meeting.last_amendment = reason
    session.flush()


def changing(session: Session, meeting_id: int | None, amendment_reason: str | None):
    """Check the meeting's record may change and record the amendment if it is one; call it
    before changing a meeting's decisions, minutes or actions."""
    if meeting_id is None:
        return
    meeting = locking.get(session, models.MdtMeeting, meeting_id)
    amend(session, meeting, check_editable(meeting, amendment_reason))


def sign_off(session: Session, meeting_id: int, *, by: str) -> models.MdtMeeting:
    """The chair signs the minutes off, which locks them (version 1). Only the meeting's chair
    may; a meeting without a chair, or one not yet started, cannot be signed off."""
    meeting = locking.get(session, models.MdtMeeting, meeting_id)
    if is_signed_off(meeting):
        raise InvalidRecordError(
            [FieldError("signed_off", f"already signed off by {meeting.signed_off_by}")]
        )
    chair = chair_of(session, meeting)
    if chair is None:
        raise InvalidRecordError([FieldError("chair", "name the meeting's chair first")])
    if chair.name != by:
        raise InvalidRecordError(
            [FieldError("chair", f"only the chair ({chair.display_name}) signs off")]
        )
    check_decidable(meeting)
    check_quorum(meeting)
    meeting.signed_off_at = utcnow()
    meeting.signed_off_by = chair.display_name[:100]
    meeting.minutes_version = 1
    session.flush()
    return meeting


# --- per-case minutes and actions ---------------------------------------------------------------


def agenda_item(session: Session, meeting_id: int, episode_id: int) -> models.MdtAgendaItem:
    item = session.scalar(
        select(models.MdtAgendaItem).where(
            models.MdtAgendaItem.meeting_id == meeting_id,
            models.MdtAgendaItem.episode_id == episode_id,
        )
    )
    if item is None:
        raise InvalidRecordError(
            [FieldError("episode_id", f"is not on the agenda of meeting {meeting_id}")]
        )
    return item


def set_case_request(
    session: Session,
    meeting_id: int,
    episode_id: int,
    *,
    clinical_question: str | None,
    referrer: str | None,
) -> models.MdtAgendaItem:
    """The question the referrer asks the board about this case, and who referred it."""
    question = _text(clinical_question, "clinical_question")
    who = _text(referrer, "referrer", 200)
    check_agenda_open(get_meeting(session, meeting_id))
    item = agenda_item(session, meeting_id, episode_id)
    item.clinical_question = question
    item.referrer = who
    session.flush()
    return item


def edit_case_request(
    session: Session,
    meeting_id: int,
    episode_id: int,
    *,
    clinical_question: str | None,
    referrer: str | None,
    expected_version: int,
) -> models.MdtAgendaItem:
    """Change the question and referrer of a case already on the agenda, if the item is still
    at ``expected_version`` (`StaleWriteError` otherwise: two coordinators must not overwrite
    each other's question unseen); the change is audited like every write. Refused once the
    minutes are signed off (`check_agenda_open`)."""
    question = _text(clinical_question, "clinical_question")
    who = _text(referrer, "referrer", 200)
    check_agenda_open(get_meeting(session, meeting_id))
    item = agenda_item(session, meeting_id, episode_id)
    with locking.updating(session, models.MdtAgendaItem, item.id, expected_version) as row:
        if row.clinical_question != question:
            row.clinical_question = question
        if row.referrer != who:
            row.referrer = who
    return row


def set_case_minutes(
    session: Session,
    meeting_id: int,
    episode_id: int,
    *,
    rationale: str | None,
    dissent: str | None,
    amendment_reason: str | None = None,
) -> models.MdtAgendaItem:
    """The minutes of one case: why the board decided as it did, and any dissent."""
    why = _text(rationale, "rationale")
    against = _text(dissent, "dissent")
    item = agenda_item(session, meeting_id, episode_id)
    changing(session, meeting_id, amendment_reason)
    item.rationale = why
    item.dissent = against
    session.flush()
    return item


def add_action(
    session: Session,
    meeting_id: int,
    episode_id: int,
    *,
    description: str,
    owner: str,
    due_on: dt.date | None = None,
    amendment_reason: str | None = None,
) -> models.MdtAction:
    """An action the meeting agreed for a case on its agenda, owned by a registry user."""
    what = _text(description, "description", 500)
    if what is None:
        raise InvalidRecordError([FieldError("description", "say what is to be done")])
    who = user_named(session, owner, "owner")
    if who is None:
        raise InvalidRecordError([FieldError("owner", "name who will do it")])
    agenda_item(session, meeting_id, episode_id)
    changing(session, meeting_id, amendment_reason)
    action = models.MdtAction(
        meeting_id=meeting_id, episode_id=episode_id, description=what, owner=who, due_on=due_on
    )
    session.add(action)
    session.flush()
    return action


def actions(session: Session, meeting_id: int) -> list[models.MdtAction]:
    query = (
        select(models.MdtAction)
        .where(models.MdtAction.meeting_id == meeting_id)
        .order_by(models.MdtAction.id)
    )
    return list(session.scalars(query))


def next_meeting(session: Session, today: dt.date | None = None) -> models.MdtMeeting | None:
    """The earliest meeting from today on whose minutes are not signed off."""
    today = today or dt.date.today()
    m = models.MdtMeeting
    query = (
        select(m)
        .where(m.held_on >= today, m.signed_off_at.is_(None))
        .order_by(m.held_on, m.starts_at, m.id)
        .limit(1)
    )
    return session.scalar(query)


def actor_display(session: Session) -> str:
    """The session's actor as people see them (full name and specialty when a user)."""
    actor = audit.actor_of(session)
    user = find_user(session, actor)
    return user.display_name if user else actor

"""An MDT meeting's agenda (the cases it discusses, in order) and its attendance.

The coordinator builds the agenda before the meeting: a case is appended at the end, can be
moved up or down one place, or removed, and every change renumbers the agenda so the places
stay 1..n without gaps (a hole or a tie would make "move up" ambiguous). Only rows whose place
actually changes are written, so the audit log records exactly what moved.

Attendance is one list of names per meeting, replaced as a whole under optimistic locking:
two coordinators editing it at once must not silently drop each other's names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rectoplan.errors import ConflictError, FieldError, InvalidRecordError
from rectoplan.registry import audit, locking, meetings, models
from rectoplan.registry.episodes import get_episode

MAX_NAME = 100
"""The longest attendee name kept: the width of every person-name column of the registry."""

Item = models.MdtAgendaItem


def agenda(session: Session, meeting_id: int) -> list[models.MdtAgendaItem]:
    """The meeting's agenda in running order (`NotFoundError` for an unknown meeting)."""
    locking.get(session, models.MdtMeeting, meeting_id)
    query = select(Item).where(Item.meeting_id == meeting_id).order_by(Item.position, Item.id)
    return list(session.scalars(query))


def add_to_agenda(
    session: Session,
    meeting_id: int,
    episode_id: int,
    added_by: str | None = None,
    *,
    amendment: bool = False,
) -> models.MdtAgendaItem:
    """Append the episode's case at the end of the agenda; a case already on it is refused
    (`InvalidRecordError` naming ``episode_id``). ``added_by`` defaults to the session's actor.
    Once the minutes are signed off only an ``amendment`` (a decision recorded with its
    amendment reason, `decisions.record_decision`) may add a case."""
    if not amendment:
        _check_open(session, meeting_id)
    items = agenda(session, meeting_id)
    get_episode(session, episode_id)
    if any(item.episode_id == episode_id for item in items):
        raise InvalidRecordError(
            [FieldError("episode_id", f"is already on the agenda of meeting {meeting_id}")]
        )
    row = Item(
        meeting_id=meeting_id,
        episode_id=episode_id,
        position=len(items) + 1,
        added_by=(added_by or audit.actor_of(session))[:MAX_NAME],
    )
    _renumber(session, items)
    session.add(row)
    _flush(session, meeting_id)
    return row


def remove_from_agenda(session: Session, meeting_id: int, episode_id: int) -> None:
    """Take the case off the agenda; the cases after it move up one place."""
    _check_open(session, meeting_id)
    items = agenda(session, meeting_id)
    row = _find(items, meeting_id, episode_id)
    items.remove(row)
    session.delete(row)
    _renumber(session, items)
    _flush(session, meeting_id)


def move(session: Session, meeting_id: int, episode_id: int, step: int) -> list[Item]:
    """Move the case ``step`` places later (negative: earlier), stopping at either end;
    returns the agenda in its new order."""
    _check_open(session, meeting_id)
    items = agenda(session, meeting_id)
    row = _find(items, meeting_id, episode_id)
    place = items.index(row)
    items.pop(place)
    items.insert(min(max(0, place + step), len(items)), row)
    _renumber(session, items)
    _flush(session, meeting_id)
    return items


def move_up(session: Session, meeting_id: int, episode_id: int) -> list[Item]:
    return move(session, meeting_id, episode_id, -1)


def move_down(session: Session, meeting_id: int, episode_id: int) -> list[Item]:
    return move(session, meeting_id, episode_id, +1)


def _check_open(session: Session, meeting_id: int) -> None:
    """Signed-off minutes lock the agenda (`meetings.check_agenda_open`)."""
    meetings.check_agenda_open(meetings.get_meeting(session, meeting_id))


def _find(items: Sequence[Item], meeting_id: int, episode_id: int) -> Item:
    for item in items:
        if item.episode_id == episode_id:
            return item
    raise InvalidRecordError(
        [FieldError("episode_id", f"is not on the agenda of meeting {meeting_id}")]
    )


def _renumber(session: Session, items: Sequence[Item]) -> None:
    """Places 1..n in the given order, writing only the rows whose place changes."""
    with session.no_autoflush:
        for place, item in enumerate(items, start=1):
            if item.position != place:
                item.position = place


def _flush(session: Session, meeting_id: int) -> None:
    """Write the change now, so that a concurrent edit of the same rows is a conflict the
    caller can report (reload and try again) rather than a crash at commit."""
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(
            f"the agenda of meeting {meeting_id} changed while you were editing it; "
            "reload it and try again"
        ) from None


def meeting_episode_ids(meeting_id: int) -> Select:
    """The episodes a meeting is about: those on its agenda and those decided at it (a
    subquery for ``Episode.id.in_(...)``)."""
    decided = select(models.MdtDecision.episode_id).where(
        models.MdtDecision.meeting_id == meeting_id
    )
    listed = select(Item.episode_id).where(Item.meeting_id == meeting_id)
    return select(union(listed, decided).subquery().c[0])


def counts(session: Session, meeting_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """``{meeting_id: (cases on the agenda, decisions recorded)}`` for the given meetings."""
    ids = list(meeting_ids)
    found = {meeting_id: [0, 0] for meeting_id in ids}
    for column, slot in ((Item.meeting_id, 0), (models.MdtDecision.meeting_id, 1)):
        rows = session.execute(select(column, func.count()).where(column.in_(ids)).group_by(column))
        for meeting_id, count in rows:
            found[meeting_id][slot] = count
    return {
        meeting_id: (agenda_n, decided_n) for meeting_id, (agenda_n, decided_n) in found.items()
    }


# --- attendance ----------------------------------------------------------------------------


def clean_attendees(names: Iterable[str]) -> list[str]:
    """The names trimmed (inner runs of spaces made one), each once: a repeat that differs
    only in case or spacing is the same person, and the first spelling is kept. An empty name
    or one longer than `MAX_NAME` is an `InvalidRecordError` naming ``attendees[i]``."""
    kept: dict[str, str] = {}
    errors = []
    for index, raw in enumerate(names):
        name = " ".join(str(raw).split())
        if not name:
            errors.append(FieldError(f"attendees[{index}]", "is empty; give a name"))
        elif len(name) > MAX_NAME:
            errors.append(
                FieldError(
                    f"attendees[{index}]",
                    f"is {len(name)} characters long; at most {MAX_NAME} are kept",
                )
            )
        else:
            kept.setdefault(name.casefold(), name)
    if errors:
        raise InvalidRecordError(errors)
    return list(kept.values())


def set_attendees(
    session: Session, meeting_id: int, names: Iterable[str], *, expected_version: int
) -> models.MdtMeeting:
    """Replace the meeting's attendance with ``names`` (cleaned by `clean_attendees`) if the
    meeting is still at ``expected_version``; `StaleWriteError` otherwise."""
    cleaned = clean_attendees(names)
    with locking.updating(session, models.MdtMeeting, meeting_id, expected_version) as meeting:
        if list(meeting.attendees or ()) != cleaned:
            meeting.attendees = cleaned
    return meeting

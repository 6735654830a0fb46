"""Bulk import of episode records: everything is checked first, then written in one transaction.

A registry half-loaded from a file is worse than one not loaded at all (nobody knows which
rows made it), so an import is all-or-nothing. The first pass validates and assesses every
record and checks it against the file (a case id twice, one pseudonym with two birth years)
and against the registry (a case id already stored), keeping only a few facts per record so
a large file does not hold every validated case in memory. Only a file without a single
problem reaches the second pass, which validates each batch again (cheap, and the engine is
deterministic) and writes it with multi-row INSERT ... RETURNING statements, one per table
per batch, plus the audit rows for everything inserted; a failure there rolls the whole
transaction back. Rows are written outside the ORM unit of work for speed, so this module
writes their audit rows itself (`audit.record_inserts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, NamedTuple

from pydantic import ValidationError
from sqlalchemy import Connection, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.errors import ConflictError, FieldError, InvalidRecordError, field_errors
from rectoplan.registry import audit, models
from rectoplan.registry.projections import Row, projection
from rectoplan.registry.records import (
    PreparedRecord,
    assessment_values,
    check,
    decision_values,
    episode_values,
    event_errors,
    meeting_conflict,
    meeting_key,
    meeting_values,
    patient_conflict,
    patient_values,
    prepare,
)
from rectoplan.registry.saving import fold_events
from rectoplan.registry.schemas import EpisodeRecord, EventIn, MeetingIn, PatientIn

Progress = Callable[[str, int, int], None]
"""Called as ``progress(phase, done, total)``, phase ``"validating"`` then ``"writing"``."""

BATCH = 500
LOOKUP_CHUNK = 500


@dataclass
class ImportSummary:
    """What an import added to the registry."""

    episodes: int = 0
    patients: int = 0
    meetings: int = 0
    decisions: int = 0
    treatments: int = 0
    pathology_reports: int = 0
    complications: int = 0
    events: int = 0
    episode_ids: list[int] = field(default_factory=list, repr=False)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if k != "episode_ids"}


@dataclass(frozen=True, slots=True)
class LooseEvent:
    """A follow-up event from a separate events file, naming its episode by case id."""

    row: int
    case_id: str
    event: dict[str, Any]


class _Facts(NamedTuple):
    """What the checks need to remember of a valid record."""

    row: int | None
    case_id: str
    diagnosed: dt.date | None
    patient: PatientIn
    meetings: tuple[tuple[int, MeetingIn], ...]


@dataclass
class _Plan:
    """The outcome of the checks: ids to reuse and rows still to create."""

    patient_ids: dict[str, int] = field(default_factory=dict)
    new_patients: dict[str, PatientIn] = field(default_factory=dict)
    meeting_ids: dict[tuple[dt.date, str], int] = field(default_factory=dict)
    new_meetings: dict[tuple[dt.date, str], MeetingIn] = field(default_factory=dict)
    file_events: dict[str, list[EventIn]] = field(default_factory=dict)
    registry_events: list[tuple[int, EventIn]] = field(default_factory=list)


def batched(items: Iterable, size: int) -> Iterator[tuple]:
    """``itertools.batched`` (Python 3.12), for Python 3.11."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


def import_records(
    session: Session,
    records: Sequence[tuple[int | None, Any]],
    *,
    events: Iterable[LooseEvent] = (),
    progress: Progress | None = None,
    events_source: str = "events",
) -> ImportSummary:
    """Import ``(row, record)`` pairs, and follow-up events of a separate file, all-or-nothing.

    Raises `InvalidRecordError` listing every problem by row and field, having written
    nothing; otherwise writes everything inside the session's transaction (the caller
    commits). ``events_source`` names the events file in error messages.
    """
    progress = progress or _silent
    plan = _check(session, records, list(events), progress, events_source)
    try:
        return _write(session, records, plan, progress)
    except IntegrityError as exc:  # the checks passed, so another writer got in between
        raise ConflictError(
            "another writer stored a colliding record (the same case id, pseudonym or MDT "
            f"meeting) while this import ran: {exc.orig}"
        ) from None


def _silent(_phase: str, _done: int, _total: int) -> None:
    pass


# --- first pass: checks ------------------------------------------------------------------


def _check(
    session: Session,
    records: Sequence[tuple[int | None, Any]],
    events: list[LooseEvent],
    progress: Progress,
    events_source: str,
) -> _Plan:
    errors: list[FieldError] = []
    facts: list[_Facts] = []
    for done, (row, data) in enumerate(records, 1):
        try:
            record, case = check(data)
        except InvalidRecordError as exc:
            errors += [_at(error, row) for error in exc.errors]
        else:
            facts.append(_facts(row, record, case))
        if done % 100 == 0 or done == len(records):
            progress("validating", done, len(records))
    plan = _Plan()
    diagnosed = _unique_cases(session, facts, errors)
    _resolve_patients(session, facts, plan, errors)
    _resolve_meetings(session, facts, plan, errors)
    _resolve_events(session, events, diagnosed, plan, errors, events_source)
    if errors:
        raise InvalidRecordError(sorted(errors, key=lambda e: (e.source or "", e.row or 0)))
    return plan


def _facts(row: int | None, record: EpisodeRecord, case: Case) -> _Facts:
    return _Facts(
        row,
        case.case_id,
        case.diagnosis_date,
        record.patient,
        tuple((i, d.meeting) for i, d in enumerate(record.decisions) if d.meeting is not None),
    )


def _at(error: FieldError, row: int | None) -> FieldError:
    return error.at_row(row) if row is not None else error


def _in_chunks(session: Session, query, column, values: Iterable) -> list:
    found = []
    for chunk in batched(values, LOOKUP_CHUNK):
        found += session.execute(query.where(column.in_(chunk))).all()
    return found


def _unique_cases(
    session: Session, facts: list[_Facts], errors: list[FieldError]
) -> dict[str, dt.date | None]:
    """Case ids must be new to the file and to the registry; returns diagnosis dates."""
    rows: dict[str, int | None] = {}
    diagnosed: dict[str, dt.date | None] = {}
    for fact in facts:
        if fact.case_id in rows:
            message = f"{fact.case_id!r} is also in row {rows[fact.case_id]}"
            errors.append(FieldError("case.case_id", message, fact.row))
        else:
            rows[fact.case_id] = fact.row
            diagnosed[fact.case_id] = fact.diagnosed
    stored = _in_chunks(session, select(models.Episode.case_id), models.Episode.case_id, rows)
    for (case_id,) in stored:
        message = f"{case_id!r} is already in the registry"
        errors.append(FieldError("case.case_id", message, rows[case_id]))
    return diagnosed


def _resolve_patients(
    session: Session, facts: list[_Facts], plan: _Plan, errors: list[FieldError]
) -> None:
    """Reuse registered patients (which must agree); one new patient per new pseudonym."""
    pseudonyms = dict.fromkeys(fact.patient.pseudonym for fact in facts)
    registered = {
        patient.pseudonym: patient
        for (patient,) in _in_chunks(
            session, select(models.Patient), models.Patient.pseudonym, pseudonyms
        )
    }
    first_seen: dict[str, tuple[int | None, PatientIn]] = {}
    for fact in facts:
        patient = fact.patient
        if patient.pseudonym in registered:
            described = f"the registered patient {patient.pseudonym}"
            conflicts = patient_conflict(patient, registered[patient.pseudonym], described)
        elif patient.pseudonym in first_seen:
            other_row, other = first_seen[patient.pseudonym]
            conflicts = patient_conflict(patient, other, f"row {other_row}")
        else:
            first_seen[patient.pseudonym] = (fact.row, patient)
            continue
        errors += [_at(error, fact.row) for error in conflicts]
    plan.patient_ids = {pseudonym: patient.id for pseudonym, patient in registered.items()}
    plan.new_patients = {pseudonym: patient for pseudonym, (_, patient) in first_seen.items()}


def _resolve_meetings(
    session: Session, facts: list[_Facts], plan: _Plan, errors: list[FieldError]
) -> None:
    """One row per MDT meeting (day and title), registered or new; attendee lists must agree."""
    days = {meeting.held_on for fact in facts for _, meeting in fact.meetings}
    registered = {
        (meeting.held_on, meeting.title): meeting
        for (meeting,) in _in_chunks(
            session, select(models.MdtMeeting), models.MdtMeeting.held_on, sorted(days)
        )
    }
    first_seen: dict[tuple[dt.date, str], tuple[int | None, MeetingIn]] = {}
    for fact in facts:
        for i, meeting in fact.meetings:
            key = meeting_key(meeting)
            if key in registered:
                conflicts = meeting_conflict(meeting, registered[key], "the registered meeting")
            elif key in first_seen:
                other_row, other = first_seen[key]
                conflicts = meeting_conflict(meeting, other, f"row {other_row}")
            else:
                first_seen[key] = (fact.row, meeting)
                continue
            errors += [_at(error.under(f"decisions[{i}]"), fact.row) for error in conflicts]
    plan.meeting_ids = {key: meeting.id for key, meeting in registered.items()}
    plan.new_meetings = {key: meeting for key, (_, meeting) in first_seen.items()}


def _resolve_events(
    session: Session,
    events: list[LooseEvent],
    in_file: dict[str, dt.date | None],
    plan: _Plan,
    errors: list[FieldError],
    source: str,
) -> None:
    """Attach each loose event to an episode of this file or of the registry."""
    wanted = {loose.case_id for loose in events} - set(in_file)
    stored = {
        case_id: (episode_id, diagnosed)
        for case_id, episode_id, diagnosed in _in_chunks(
            session,
            select(models.Episode.case_id, models.Episode.id, models.Episode.diagnosis_date),
            models.Episode.case_id,
            sorted(wanted),
        )
    }
    for loose in events:
        try:
            event = EventIn.model_validate(loose.event)
        except ValidationError as exc:
            errors += [error.at_row(loose.row, source) for error in field_errors(exc)]
            continue
        if loose.case_id in in_file:
            diagnosed = in_file[loose.case_id]
            plan.file_events.setdefault(loose.case_id, []).append(event)
        elif loose.case_id in stored:
            episode_id, diagnosed = stored[loose.case_id]
            plan.registry_events.append((episode_id, event))
        else:
            message = f"{loose.case_id!r} is neither in the cases file nor in the registry"
            errors.append(FieldError("case_id", message, loose.row, source))
            continue
        errors += [
            FieldError("occurred_on", error.message, loose.row, source)
            for error in event_errors([event], diagnosed)
        ]


# --- second pass: writing ----------------------------------------------------------------


def _write(
    session: Session,
    records: Sequence[tuple[int | None, Any]],
    plan: _Plan,
    progress: Progress,
) -> ImportSummary:
    summary = ImportSummary()
    done = 0
    for batch in batched(records, BATCH):
        prepared = [_with_file_events(data, plan) for _, data in batch]
        _write_batch(session, prepared, plan, summary)
        done += len(batch)
        progress("writing", done, len(records))
    summary.events += _add_registry_events(session, plan.registry_events)
    return summary


def _with_file_events(data: Any, plan: _Plan) -> PreparedRecord:
    """The record prepared again (it passed the checks), with the events a separate file gave
    for its case."""
    case_id = data["case"]["case_id"] if isinstance(data, dict) else data.case["case_id"]
    return prepare(data, plan.file_events.get(case_id, ()))


def _add_registry_events(session: Session, events: list[tuple[int, EventIn]]) -> int:
    """Events of a separate file for episodes already stored go into their cases through the
    one service every interface uses (one save per episode)."""
    by_episode: dict[int, list[EventIn]] = {}
    for episode_id, event in events:
        by_episode.setdefault(episode_id, []).append(event)
    return sum(fold_events(session, e, evs) for e, evs in by_episode.items())


def _insert(session: Session, model: type[models.Base], rows: list[dict[str, Any]]) -> list[int]:
    """INSERT many rows at once, set each row's new ``id``, and audit every row."""
    if not rows:
        return []
    table = model.__table__
    if "version" in table.c:
        for row in rows:
            row["version"] = 1  # what the ORM's version counter starts at
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        ids = _insert_sqlite(connection, table, rows)
    else:
        statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        ids = list(connection.execute(statement, rows).scalars())
    for row, id_ in zip(rows, ids, strict=True):
        row["id"] = id_
    audit.record_inserts(session, table, rows)
    return ids


def _insert_sqlite(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """SQLite cannot return ids of a multi-row INSERT in a guaranteed order, so SQLAlchemy would
    insert row by row. Instead the first row is inserted alone, which also takes SQLite's single
    write lock until the transaction ends; its id is the table's highest, and no one else can
    insert now, so the other rows get the next ids explicitly in one executemany."""
    first = connection.execute(table.insert().returning(table.c.id), rows[0]).scalar_one()
    ids = list(range(first, first + len(rows)))
    rest = [row | {"id": id_} for row, id_ in zip(rows[1:], ids[1:], strict=True)]
    if rest:
        connection.execute(table.insert(), rest)
    return ids


def _write_batch(
    session: Session, batch: list[PreparedRecord], plan: _Plan, summary: ImportSummary
) -> None:
    pseudonyms = dict.fromkeys(r.record.patient.pseudonym for r in batch)
    new = [p for p in pseudonyms if p not in plan.patient_ids]
    ids = _insert(session, models.Patient, [patient_values(plan.new_patients[p]) for p in new])
    plan.patient_ids.update(zip(new, ids, strict=True))
    summary.patients += len(ids)

    keys = dict.fromkeys(
        meeting_key(d.meeting) for r in batch for d in r.record.decisions if d.meeting
    )
    new_keys = [key for key in keys if key not in plan.meeting_ids]
    rows = [meeting_values(plan.new_meetings[key]) for key in new_keys]
    plan.meeting_ids.update(zip(new_keys, _insert(session, models.MdtMeeting, rows), strict=True))
    summary.meetings += len(new_keys)

    rows = [
        episode_values(r) | {"patient_id": plan.patient_ids[r.record.patient.pseudonym]}
        for r in batch
    ]
    episode_ids = _insert(session, models.Episode, rows)
    summary.episodes += len(episode_ids)
    summary.episode_ids += episode_ids
    rows = [
        assessment_values(a) | {"episode_id": e}
        for r, e in zip(batch, episode_ids, strict=True)
        for a in (r.before_recurrence, r.assessment)
        if a is not None
    ]
    ids = iter(_insert(session, models.Assessment, rows))
    assessment_ids = [
        (next(ids) if r.before_recurrence is not None else None, next(ids)) for r in batch
    ]

    projected = [projection(r.case, r.assessment) for r in batch]
    treatment_ids = _insert_rows(
        session, models.Treatment, [p.treatments for p in projected], episode_ids, None
    )
    summary.treatments += sum(len(ids) for ids in treatment_ids)
    reports = _row_values([p.pathology for p in projected], episode_ids, treatment_ids)
    complications = _row_values([p.complications for p in projected], episode_ids, treatment_ids)
    events = _row_values([p.events for p in projected], episode_ids, None)
    decisions = []
    for r, e, (earlier, latest) in zip(batch, episode_ids, assessment_ids, strict=True):
        before = r.judged_before or (False,) * len(r.record.decisions)
        for d, category, b in zip(r.record.decisions, r.categories, before, strict=True):
            meeting_id = plan.meeting_ids[meeting_key(d.meeting)] if d.meeting else None
            decisions.append(
                decision_values(d, category)
                | {"episode_id": e, "assessment_id": earlier if b else latest}
                | {"meeting_id": meeting_id}
            )
    summary.pathology_reports += len(_insert(session, models.PathologyReport, reports))
    summary.complications += len(_insert(session, models.Complication, complications))
    summary.decisions += len(_insert(session, models.MdtDecision, decisions))
    summary.events += len(_insert(session, models.FollowUpEvent, events))


def _row_values(
    rows: list[list[Row]], episode_ids: list[int], treatment_ids: list[dict] | None
) -> list[dict[str, Any]]:
    """Projected rows as column values with their episode (and linked treatment) ids."""
    values = []
    for i, (episode_rows, episode_id) in enumerate(zip(rows, episode_ids, strict=True)):
        for row in episode_rows:
            value = dict(row.values, episode_id=episode_id)
            if treatment_ids is not None:
                value["treatment_id"] = treatment_ids[i].get(row.link) if row.link else None
            values.append(value)
    return values


def _insert_rows(
    session: Session,
    model: type[models.Base],
    rows: list[list[Row]],
    episode_ids: list[int],
    treatment_ids: list[dict] | None,
) -> list[dict]:
    """Insert projected rows; returns, per episode, each row's id by its slot in the case."""
    ids = iter(_insert(session, model, _row_values(rows, episode_ids, treatment_ids)))
    return [{row.slot: next(ids) for row in episode_rows} for episode_rows in rows]

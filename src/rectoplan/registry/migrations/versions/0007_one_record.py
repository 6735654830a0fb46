"""One record: fold the outcome tables into the case documents, then rebuild them from the cases.

Before this revision an episode's facts had two homes: what the case form wrote into the case
document (``episodes.case_json``) and what the REST API and imports wrote into
``treatments``, ``complications`` and ``follow_up_events``. From now on the case is the record
and the tables are its projection (docs/architecture.md). This migration moves every table row
into its home in the case with the one translation the service layer uses
(`rectoplan.registry.case_facts`), then saves each changed case through the one save
(`rectoplan.registry.saving.save_case`: a new assessment snapshot, the tables rebuilt, every
change in the audit log under the actor ``migration 0007``):

* a duplicate (an operation in both places of the same type and day, an event of the same kind
  and day ...) is one fact; what only one of them gave is kept;
* a genuine conflict (the same operation with another approach in the table) keeps both facts
  where the case has room for two, or the case's where it has room for one, and is listed;
* a row the case model cannot hold (a radiotherapy course without its dose, a course that
  would end after the operation) is listed with its full content and stays in the audit log
  as the row deleted by this migration.

Everything listed is printed (the migration's output) and logged. Downgrading keeps the folded
cases: the schema did not change, and the tables stay a valid projection.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from typing import Any

from alembic import op
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTOR = "migration 0007"
log = logging.getLogger("alembic.runtime.migration")


def _report(line: str) -> None:
    print(f"0007 one record: {line}")
    log.warning("0007 one record: %s", line)


def _record_of(episode: Any) -> dict[str, Any]:
    """The episode's table rows as import-record lists (treatments, complications, events)."""
    from rectoplan.registry.audit import jsonable
    from rectoplan.registry.projections import TREATMENT_COLUMNS

    treatments = sorted(episode.treatments, key=lambda t: t.id)
    index = {t.id: i for i, t in enumerate(treatments)}
    return {
        "treatments": [
            (
                t.id,
                {
                    k: jsonable(getattr(t, k))
                    for k in TREATMENT_COLUMNS
                    if getattr(t, k) not in (None, {})
                },
            )
            for t in treatments
        ],
        "complications": [
            (
                c.id,
                {
                    "clavien_dindo": c.clavien_dindo,
                    "description": c.description,
                    "occurred_on": jsonable(c.occurred_on),
                    "treatment": index.get(c.treatment_id),
                },
            )
            for c in sorted(episode.complications, key=lambda c: c.id)
        ],
        "events": [
            (
                e.id,
                {
                    "kind": jsonable(e.kind),
                    "occurred_on": jsonable(e.occurred_on),
                    **({"details": e.details} if e.details else {}),
                },
            )
            for e in sorted(episode.events, key=lambda e: e.id)
        ],
    }


def _already_in(case: Any, episode: Any) -> dict[Any, Any]:
    """Rows that say exactly what the case already says (its own projection, as in a registry
    written by a version that kept them in step): nothing to fold. Treatment row id -> its
    slot in the case; ``("complication", id)`` and ``("event", id)`` keys for the others."""
    from rectoplan.registry.projections import equal_rows, projection

    own = projection(case)
    known: dict[Any, Any] = {}
    stored = equal_rows(list(episode.treatments), own.treatments)
    for want, row in zip(own.treatments, stored, strict=True):
        if row is not None:
            known[row.id] = want.slot
    for name, wanted, stored in (
        ("complication", own.complications, episode.complications),
        ("event", own.events, episode.events),
    ):
        for row in equal_rows(list(stored), wanted):
            if row is not None:
                known[(name, row.id)] = True
    return known


def fold_episode(episode: Any) -> tuple[Any, list[str]]:
    """The episode's case with its table rows folded in, and what to report."""
    from pydantic import ValidationError

    from rectoplan.errors import InvalidRecordError
    from rectoplan.registry.case_facts import Folding, validate_case
    from rectoplan.registry.schemas import ComplicationIn, EventIn, TreatmentIn

    case = validate_case(episode.case_json)
    folding = Folding.of(case, keep=True)
    notes: list[str] = []
    known = _already_in(case, episode)
    slots: dict[int, Any] = {}
    rows = _record_of(episode)

    def attempt(table: str, row_id: int, values: dict[str, Any], add: Any) -> Any:
        saved = copy.deepcopy(folding.data), len(folding.conflicts)
        try:
            slot = add()
            folding.case()
        except (InvalidRecordError, ValidationError) as exc:
            folding.data = saved[0]
            del folding.conflicts[saved[1] :]
            reason = exc.errors[0] if isinstance(exc, InvalidRecordError) else exc
            notes.append(
                f"{table} row {row_id} {values} cannot be part of the case ({reason}); "
                "it stays in the audit log"
            )
            return None
        notes.extend(f"{table} row {row_id}: {c}" for c in folding.conflicts[saved[1] :])
        return slot

    for i, (row_id, values) in enumerate(rows["treatments"]):
        if row_id in known:
            slots[i] = known[row_id]
            continue
        slots[i] = attempt(
            "treatments",
            row_id,
            values,
            lambda v=values: folding.add_treatment(TreatmentIn.model_validate(v)),
        )
    for row_id, values in rows["complications"]:
        if ("complication", row_id) in known:
            continue
        link = slots.get(values["treatment"]) if values["treatment"] is not None else None
        data = {k: v for k, v in values.items() if k != "treatment"}
        attempt(
            "complications",
            row_id,
            values,
            lambda d=data, k=link: folding.add_complication(ComplicationIn.model_validate(d), k),
        )
    for row_id, values in rows["events"]:
        if ("event", row_id) in known:
            continue
        attempt(
            "follow_up_events",
            row_id,
            values,
            lambda v=values: folding.add_event(EventIn.model_validate(v)),
        )
    return folding.case(), notes


def _in_step(case: Any, episode: Any) -> bool:
    """The tables already are the case's projection (nothing to save or rebuild)."""
    from rectoplan.registry.projections import equal_rows, projection

    own = projection(case)
    for wanted, stored in (
        (own.treatments, episode.treatments),
        (own.complications, episode.complications),
        (own.events, episode.events),
    ):
        if len(wanted) != len(stored) or None in equal_rows(list(stored), wanted):
            return False
    return True


def upgrade() -> None:
    from rectoplan.registry import audit, models
    from rectoplan.registry.saving import save_case

    factory = sessionmaker(bind=op.get_bind())
    audit.install(factory)
    session: Session = factory()
    audit.set_actor(session, ACTOR)
    folded = 0
    for episode_id in session.scalars(select(models.Episode.id).order_by(models.Episode.id)):
        episode = session.get(models.Episode, episode_id)
        assert episode is not None
        case, notes = fold_episode(episode)
        for note in notes:
            _report(f"episode {episode.case_id}: {note}")
        if case.model_dump(mode="json") != episode.case_json or not _in_step(case, episode):
            save_case(session, episode.id, case, expected_version=episode.version)
            folded += 1
        session.expunge_all()
    session.flush()
    _report(f"{folded} episode(s) changed; every episode now holds every fact in its case")


def downgrade() -> None:
    """Nothing to undo in the schema; the folded cases stay (their tables are projections)."""

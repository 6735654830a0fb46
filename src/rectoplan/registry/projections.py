"""The registry's outcome tables as projections of the case document.

The case (``episodes.case_json``, validated by `rectoplan.clinical.case.Case`) is the record
of an episode: the engine, the timeline and people read it. The tables ``treatments``,
``complications``, ``follow_up_events`` and ``pathology_reports`` exist so the analytics can
count with SQL; they hold nothing the case does not. `projection` says, once, which rows a
case gives; `sync` makes the tables say exactly that, in the transaction of the save that
changed the case (every write of a case calls it: `registry.episodes`, the bulk import
writes the same rows with `projection` directly).

Row ids stay stable where they can, because the REST API names rows by id
(``PUT /api/treatments/{id}``, ``DELETE /api/events/{id}``) and the audit log follows a row
for ever: rows are matched within their group (treatment kind, event kind) first by equal
content, then by position; only the rest are inserted or deleted. Each row knows its *slot*,
the place of its fact in the case (``("operation", 1)`` is ``case.operations[1]``), so an API
write addressed to a row edits that place in the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.pathways.recommendation import Assessment as EngineAssessment
from rectoplan.registry import models
from rectoplan.registry.case_facts import UPPER_RING, Slot
from rectoplan.registry.enums import EndoscopicProcedure, FollowUpKind, TreatmentKind
from rectoplan.registry.records import pathology_values

TREATMENT_COLUMNS = (
    "kind",
    "started_on",
    "ended_on",
    "operation_type",
    "approach",
    "sacrectomy_level",
    "procedure",
    "balloon_mm",
    "magnet_spec",
    "discharge_day",
    "details",
)


@dataclass(frozen=True)
class Row:
    """One projected row: its slot in the case, its matching group and its column values;
    ``link`` is the slot of the treatment it refers to (complications, pathology)."""

    slot: Slot
    group: str
    values: dict[str, Any]
    link: Slot | None = None


@dataclass(frozen=True)
class Projection:
    treatments: list[Row] = field(default_factory=list)
    complications: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    pathology: list[Row] = field(default_factory=list)


def _treatment(slot: Slot, kind: TreatmentKind, **values: Any) -> Row:
    row = dict.fromkeys(TREATMENT_COLUMNS)
    row.update(values, kind=kind)
    row["details"] = {k: v for k, v in (row["details"] or {}).items() if v is not None}
    return Row(slot, kind.value, row)


def _json(model: Any) -> Any:
    return None if model is None else model.model_dump(mode="json")


def _treatments(case: Case) -> list[Row]:
    rows = []
    neo = case.neoadjuvant
    if neo and (rt := neo.radiotherapy):
        details = {
            "total_dose_gy": rt.total_dose_gy,
            "fractions": rt.fractions,
            "concurrent_chemotherapy": rt.concurrent_chemotherapy,
        }
        rows.append(
            _treatment(
                ("radiotherapy", 0),
                TreatmentKind.radiotherapy,
                started_on=rt.start_date,
                ended_on=rt.end_date,
                details=details,
            )
        )
    for i, chemo in enumerate(neo.chemotherapy if neo else ()):
        details = {"regimen": chemo.regimen.value, "cycles": chemo.cycles, "timing": chemo.timing}
        rows.append(
            _treatment(
                ("chemotherapy", i),
                TreatmentKind.chemotherapy,
                started_on=chemo.start_date,
                ended_on=chemo.end_date,
                details=details,
            )
        )
    if neo and (io := neo.immunotherapy):
        rows.append(
            _treatment(
                ("immunotherapy", 0),
                TreatmentKind.immunotherapy,
                started_on=io.start_date,
                ended_on=io.end_date,
                details={"agent": io.agent, "cycles": io.cycles},
            )
        )
    for i, op in enumerate(case.operations):
        extra = {"blood_loss_ml": op.blood_loss_ml, "duration_min": op.duration_min}
        rows.append(
            _treatment(
                ("operation", i),
                TreatmentKind.operation,
                started_on=op.date,
                ended_on=op.end_date,
                operation_type=op.type,
                approach=op.approach,
                sacrectomy_level=op.sacrectomy_level,
                discharge_day=op.discharge_day,
                details={**op.details, **extra, "stoma": op.stoma},
            )
        )
    for i, proc in enumerate(case.stenosis.procedures if case.stenosis else ()):
        rings = proc.rings
        upper = rings[1] if len(rings) == 2 and rings[1] != rings[0] else None
        extra = {
            "result": proc.result and proc.result.value,
            "rings_passed_day": proc.rings_passed_day,
            UPPER_RING: _json(upper),
        }
        rows.append(
            _treatment(
                ("procedure", i),
                TreatmentKind.endoscopic,
                started_on=proc.date,
                ended_on=proc.end_date,
                approach=proc.approach,
                procedure=EndoscopicProcedure(proc.type.value),
                balloon_mm=proc.balloon_mm,
                magnet_spec=_json(rings[0]) if rings else None,
                discharge_day=proc.discharge_day,
                details={**proc.details, **extra},
            )
        )
    return rows


def projection(case: Case, assessment: EngineAssessment | None = None) -> Projection:
    """The rows the tables hold for ``case`` (``assessment`` gives the pathology's R status;
    without it there is no pathology row)."""
    complications = [
        Row(
            ("complication", i),
            "complication",
            {
                "clavien_dindo": str(c.graded),
                "description": c.description,
                "occurred_on": c.date,
            },
            link=("operation", c.operation)
            if c.operation is not None
            else (("procedure", c.procedure) if c.procedure is not None else None),
        )
        for i, c in enumerate(case.complications)
    ]
    events = [
        Row(
            ("follow_up", i),
            e.kind.value,
            {"kind": e.kind, "occurred_on": e.date, "details": dict(e.details)},
        )
        for i, e in enumerate(case.follow_up)
    ]
    if case.recurrence is not None and case.recurrence.date is not None:
        values = {"kind": FollowUpKind.recurrence, "occurred_on": case.recurrence.date}
        events.append(Row(("recurrence", 0), "recurrence", values | {"details": {}}))
    pathology = []
    report = None if assessment is None else pathology_values(case, assessment)
    if report is not None:
        specimen = case.pathology.specimen  # type: ignore[union-attr]
        made = [i for i, op in enumerate(case.operations) if op.type is specimen]
        link = ("operation", made[-1]) if made else None
        pathology.append(Row(("pathology", 0), "pathology", report, link))
    return Projection(_treatments(case), complications, events, pathology)


# --- matching rows to the projection --------------------------------------------------------


def _same(row: Any, values: dict[str, Any]) -> bool:
    return all(getattr(row, name) == value for name, value in values.items())


def pair(
    existing: list[Any], wanted: list[Row], group: Callable[[Any], str] | None = None
) -> tuple[list[Any | None], list[Any]]:
    """Match stored rows (oldest first) to the projected ones, within each group: equal
    content first, then by position. Returns the stored row for each wanted row (None: to be
    inserted) and the stored rows left over (to be deleted). ``group`` names a stored row's
    group (default: from its mapped class; migration 0007 passes its own for plain rows)."""
    group = group or _group
    matched = equal_rows(existing, wanted, group)
    used = {id(row) for row in matched if row is not None}
    free = [row for row in existing if id(row) not in used]
    for i, want in enumerate(wanted):
        if matched[i] is None:
            row = next((r for r in free if group(r) == want.group), None)
            if row is not None:
                matched[i] = row
                free.remove(row)
    return matched, free


def equal_rows(
    existing: list[Any], wanted: list[Row], group: Callable[[Any], str] | None = None
) -> list[Any | None]:
    """For each wanted row, a stored row of its group with equal content (each used once), or
    None: the rows that already say what the projection says."""
    group = group or _group
    matched: list[Any | None] = [None] * len(wanted)
    free = list(existing)
    for i, want in enumerate(wanted):
        for row in free:
            if group(row) == want.group and _same(row, want.values):
                matched[i] = row
                free.remove(row)
                break
    return matched


def _group(row: Any) -> str:
    if isinstance(row, models.Treatment | models.FollowUpEvent):
        return str(row.kind.value if hasattr(row.kind, "value") else row.kind)
    if isinstance(row, models.Complication):
        return "complication"
    return "pathology"


def rows_by_slot(case: Case, episode: models.Episode, model: type[Any]) -> dict[Slot, Any]:
    """The stored rows of ``model`` by the place of their fact in the case (the tables are in
    step with the case, so every row pairs with its own fact)."""
    wanted = projection(case)
    table, rows = {
        models.Treatment: (wanted.treatments, episode.treatments),
        models.Complication: (wanted.complications, episode.complications),
        models.FollowUpEvent: (wanted.events, episode.events),
    }[model]
    matched, _ = pair(sorted(rows, key=lambda r: r.id), table)
    return {want.slot: row for want, row in zip(table, matched, strict=True) if row is not None}


def slot_of(case: Case, episode: models.Episode, row: Any) -> Slot:
    """The place in the case of a stored row's fact."""
    for slot, stored in rows_by_slot(case, episode, type(row)).items():
        if stored is row:
            return slot
    raise LookupError(f"row {row.id} of {row.__tablename__} is not in the case")


# --- writing --------------------------------------------------------------------------------


def _apply(
    session: Session,
    episode: models.Episode,
    model: type[Any],
    existing: list[Any],
    wanted: list[Row],
    links: dict[Slot, int] | None = None,
) -> tuple[dict[Slot, int], list[Any]]:
    """Update matched rows, insert missing ones; returns slot -> row id and the rows to drop."""
    matched, surplus = pair(sorted(existing, key=lambda r: r.id), wanted)
    ids: dict[Slot, int] = {}
    fresh = []
    for want, row in zip(wanted, matched, strict=True):
        values = dict(want.values)
        if links is not None:
            values["treatment_id"] = links.get(want.link) if want.link else None
        if row is None:
            row = model(**values, episode_id=episode.id)
            session.add(row)
            fresh.append((want.slot, row))
        else:
            for name, value in values.items():
                if getattr(row, name) != value:
                    setattr(row, name, value)
            ids[want.slot] = row.id
    session.flush()
    ids.update({slot: row.id for slot, row in fresh})
    return ids, surplus


def sync(
    session: Session, episode: models.Episode, case: Case, assessment: EngineAssessment
) -> None:
    """Make the episode's rows the projection of ``case`` (inside the caller's transaction;
    the audit hooks record every insert, update and delete)."""
    wanted = projection(case, assessment)
    owned = {
        model: list(session.query(model).filter(model.episode_id == episode.id).order_by(model.id))
        for model in (
            models.Treatment,
            models.Complication,
            models.FollowUpEvent,
            models.PathologyReport,
        )
    }
    treatment_ids, old_treatments = _apply(
        session, episode, models.Treatment, owned[models.Treatment], wanted.treatments
    )
    drop = []
    for model, rows, links in (
        (models.Complication, wanted.complications, treatment_ids),
        (models.PathologyReport, wanted.pathology, treatment_ids),
        (models.FollowUpEvent, wanted.events, None),
    ):
        drop += _apply(session, episode, model, owned[model], rows, links)[1]
    for row in [*drop, *old_treatments]:  # treatments last: the others refer to them
        session.delete(row)
    session.flush()
    session.expire(episode, ["treatments", "complications", "events", "pathology_reports"])

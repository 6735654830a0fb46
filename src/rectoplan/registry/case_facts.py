"""Registry inputs as facts of the case: where a treatment, complication or event belongs.

The REST API, import records and older registries speak in treatments, complications and
follow-up events (`registry.schemas`); the record is the case. This module is the one
translation between them: each input becomes an item at its home in the case (a
radiotherapy course in ``neoadjuvant.radiotherapy``, an operation, EFTR or ESD in
``operations``, a dilatation or magnetic compression in ``stenosis.procedures``, a recurrence
in ``recurrence``, other events in ``follow_up``), and `Folding` puts it there.

The same fact given twice is one fact: an operation of the same type on the same day, a
procedure of the same type on the same day, a course of the same regimen started on the same
day, a complication of the same grade, day and description, an event of the same kind on the
same day. A duplicate fills what the case lacks; where both give a value and they differ it is
a conflict. Interfaces refuse a conflict (`FieldError` naming the field); the migration keeps
both facts where the case has room for both and lists every conflict (``keep=True``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import ValidationError

from rectoplan.clinical.case import Case, OperationType, ProcedureType
from rectoplan.errors import FieldError, InvalidRecordError, field_errors
from rectoplan.registry.enums import EndoscopicProcedure, FollowUpKind, TreatmentKind
from rectoplan.registry.schemas import ComplicationIn, EpisodeRecord, EventIn, TreatmentIn

Slot = tuple[str, int]
"""Where a fact lives in the case: ``("operation", i)``, ``("procedure", i)`` (in
``stenosis.procedures``), ``("radiotherapy", 0)``, ``("chemotherapy", i)``,
``("immunotherapy", 0)``, ``("complication", i)``, ``("follow_up", i)``, ``("recurrence", 0)``,
``("pathology", 0)``."""

UPPER_RING = "upper_ring"
"""``details`` key of a magnetic compression treatment for the second ring when they differ."""


def validate_case(data: Any) -> Case:
    """The case model, or `InvalidRecordError` with fields named ``case.<path>``."""
    if isinstance(data, Case):
        return data
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecordError(field_errors(exc, "case")) from None


_RECURRENCE_DETAILS = (
    "compartments",
    "fixed_to",
    "highest_sacral_level",
    "sciatic_notch_extension",
    "hydronephrosis",
    "hydronephrosis_side",
    "distant_metastases",
    "distant_sites",
    "ecog",
)
"""Details of a ``recurrence`` event that are fields of the case's recurrence."""


def _refuse(path: str, message: str) -> InvalidRecordError:
    return InvalidRecordError([FieldError(path, message)])


def _take(details: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: details.pop(name) for name in names if name in details}


def _no_more(details: dict[str, Any], what: str) -> None:
    if details:
        name = sorted(details)[0]
        raise _refuse(f"details.{name}", f"is not part of {what}")


def treatment_item(t: TreatmentIn) -> tuple[str, dict[str, Any]]:
    """The home (``radiotherapy``, ``chemotherapy``, ``immunotherapy``, ``operation``,
    ``procedure``) and the case item of a registry treatment."""
    details = dict(t.details)
    dates = {"start_date": t.started_on, "end_date": t.ended_on}
    if t.kind is TreatmentKind.radiotherapy:
        if "dose_gy" in details and "total_dose_gy" not in details:
            details["total_dose_gy"] = details.pop("dose_gy")
        item = _take(details, ("total_dose_gy", "fractions", "concurrent_chemotherapy"))
        for name, words in (("total_dose_gy", "total dose in Gy"), ("fractions", "fractions")):
            if item.get(name) is None:
                raise _refuse(f"details.{name}", f"a radiotherapy course needs its {words}")
        _no_more(details, "a radiotherapy course")
        return "radiotherapy", item | dates
    if t.kind is TreatmentKind.chemotherapy:
        item = _take(details, ("regimen", "cycles", "timing"))
        if item.get("regimen") is None:
            raise _refuse("details.regimen", "a chemotherapy course needs its regimen (CAPOX ...)")
        _no_more(details, "a chemotherapy course")
        return "chemotherapy", item | dates
    if t.kind is TreatmentKind.immunotherapy:
        item = _take(details, ("agent", "cycles"))
        if item.get("agent") is None:
            raise _refuse("details.agent", "an immunotherapy course needs its agent")
        _no_more(details, "an immunotherapy course")
        return "immunotherapy", item | dates
    common = {"date": t.started_on, "end_date": t.ended_on, "approach": t.approach}
    if t.kind is TreatmentKind.operation or t.procedure in (
        EndoscopicProcedure.eftr,
        EndoscopicProcedure.esd,
        EndoscopicProcedure.local_excision,
    ):
        kind = t.operation_type or OperationType(t.procedure.value)  # type: ignore[union-attr]
        item = _take(details, ("blood_loss_ml", "duration_min", "stoma"))
        return "operation", common | item | {
            "type": kind,
            "sacrectomy_level": t.sacrectomy_level,
            "discharge_day": t.discharge_day,
            "details": details,
        }
    rings = [t.magnet_spec.model_dump()] if t.magnet_spec else []
    if details.get(UPPER_RING):
        rings.append(details.pop(UPPER_RING))
    return "procedure", common | _take(details, ("result", "rings_passed_day")) | {
        "type": ProcedureType(t.procedure.value),  # type: ignore[union-attr]
        "balloon_mm": t.balloon_mm,
        "rings": rings,
        "discharge_day": t.discharge_day,
        "details": details,
    }


_KEYS: dict[str, tuple[str, ...]] = {
    "operation": ("type", "date"),
    "procedure": ("type", "date"),
    "chemotherapy": ("regimen", "start_date"),
    "radiotherapy": (),
    "immunotherapy": (),
    "complication": ("clavien_dindo", "date", "description"),
    "follow_up": ("kind", "date"),
}
"""What makes two items the same fact, per home (single homes: there is only one)."""


def _json(value: Any) -> Any:
    """Enums as their value, dates as ISO text: the case document's JSON."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _comparable(value: Any) -> Any:
    value = _json(value)
    return value.strip().casefold() if isinstance(value, str) else value


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ()


@dataclass
class Folding:
    """A case being added to, as JSON; `case` validates the result.

    ``keep`` (the migration): a conflicting fact is kept beside the first where the case has
    room for two, and listed in ``conflicts``; otherwise a conflict is refused.
    """

    data: dict[str, Any]
    keep: bool = False
    conflicts: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, case: Case, keep: bool = False) -> Folding:
        return cls(case.model_dump(mode="json"), keep)

    def case(self) -> Case:
        return validate_case(self.data)

    # --- where the homes are ----------------------------------------------------------------

    def _list(self, home: str) -> list[dict[str, Any]]:
        if home == "operation":
            return self.data.setdefault("operations", [])
        if home == "complication":
            return self.data.setdefault("complications", [])
        if home == "follow_up":
            return self.data.setdefault("follow_up", [])
        if home == "procedure":
            stenosis = self.data.get("stenosis")
            if not stenosis:
                raise _refuse(
                    "procedure",
                    "record the anastomotic stenosis (its length and morphology) in the case "
                    "before its endoscopic treatment",
                )
            return stenosis.setdefault("procedures", [])
        neo = self.data.get("neoadjuvant") or {}
        self.data["neoadjuvant"] = neo
        return neo.setdefault("chemotherapy", [])  # home == "chemotherapy"

    def _single(self, home: str) -> dict[str, Any] | None:
        return (self.data.get("neoadjuvant") or {}).get(home)

    # --- adding ----------------------------------------------------------------------------

    def add(self, home: str, item: dict[str, Any], what: str) -> Slot:
        """Put ``item`` at ``home``, merged with the same fact if the case has it."""
        item = {k: _json(v) for k, v in item.items()}
        if home in ("radiotherapy", "immunotherapy"):
            present = self._single(home)
            if present is None:
                neo = self.data.get("neoadjuvant") or {}
                neo[home] = {k: v for k, v in item.items() if v is not None}
                self.data["neoadjuvant"] = neo
            else:
                self._merge(present, item, what, single=True)
            return (home, 0)
        items = self._list(home)
        key = _KEYS[home]
        for i, present in enumerate(items):
            if all(_comparable(present.get(k)) == _comparable(item.get(k)) for k in key):
                if self._merge(present, item, what, single=False):
                    return (home, i)
                break  # a conflict the migration keeps: add it beside
        items.append({k: v for k, v in item.items() if not _empty(v)})
        return (home, len(items) - 1)

    def _merge(
        self, present: dict[str, Any], item: dict[str, Any], what: str, single: bool
    ) -> bool:
        """Fill ``present`` from ``item``; False when they conflict and the conflict is kept
        beside (``keep`` and room for two)."""
        differ = [
            name
            for name, value in item.items()
            if not _empty(value)
            and not _empty(present.get(name))
            and _comparable(present[name]) != _comparable(value)
            and not isinstance(value, dict)
        ]
        if differ:
            name = differ[0]
            message = f"{what}: {name} is {present[name]!r} in the case but {item[name]!r} here"
            if not self.keep:
                raise _refuse(name, f"the case already records this with {name} {present[name]!r}")
            self.conflicts.append(message + ("; the case's is kept" if single else "; both kept"))
            if not single:
                return False
        for name, value in item.items():
            if isinstance(value, dict) and value:
                present[name] = {**value, **(present.get(name) or {})}
            elif _empty(present.get(name)) and not _empty(value):
                present[name] = value
        return True

    def add_treatment(self, treatment: TreatmentIn, what: str = "treatment") -> Slot:
        home, item = treatment_item(treatment)
        return self.add(home, item, what)

    def add_complication(
        self, complication: ComplicationIn, link: Slot | None, what: str = "complication"
    ) -> Slot:
        item: dict[str, Any] = {
            "description": complication.description,
            "clavien_dindo": complication.clavien_dindo,
            "date": complication.occurred_on,
        }
        if link is not None and link[0] in ("operation", "procedure"):
            item[link[0]] = link[1]
        return self.add("complication", item, what)

    def add_event(self, event: EventIn, what: str = "event") -> Slot:
        if event.kind is not FollowUpKind.recurrence:
            item = {"kind": event.kind, "date": event.occurred_on, "details": dict(event.details)}
            return self.add("follow_up", item, what)
        details = dict(event.details)
        item = _take(details, _RECURRENCE_DETAILS) | {"date": event.occurred_on.isoformat()}
        _no_more(details, "a recurrence")
        present = self.data.get("recurrence")
        if present is None:
            self.data["recurrence"] = item
        else:
            self._merge(present, item, what, single=True)
        return ("recurrence", 0)

    # --- changing and removing -------------------------------------------------------------

    def remove(self, slot: Slot) -> None:
        """Take the fact at ``slot`` out of the case (its links go with it)."""
        home, index = slot
        if home == "recurrence":
            self.data["recurrence"] = None
            return
        if home in ("radiotherapy", "immunotherapy"):
            neo = self.data["neoadjuvant"]
            neo[home] = None
            self._drop_empty_neoadjuvant()
            return
        del self._list(home)[index]
        if home == "chemotherapy":
            self._drop_empty_neoadjuvant()
        if home in ("operation", "procedure"):
            for c in self.data.get("complications", []):
                if c.get(home) == index:
                    c[home] = None
                elif (c.get(home) or 0) > index:
                    c[home] -= 1

    def _drop_empty_neoadjuvant(self) -> None:
        neo = self.data.get("neoadjuvant") or {}
        if not (neo.get("radiotherapy") or neo.get("chemotherapy") or neo.get("immunotherapy")):
            self.data["neoadjuvant"] = None

    def replace_treatment(self, slot: Slot, treatment: TreatmentIn) -> Slot:
        """Put ``treatment`` in the place of the one at ``slot`` (a change of kind moves it)."""
        home, item = treatment_item(treatment)
        item = {k: _json(v) for k, v in item.items()}
        if home == slot[0] and home in ("radiotherapy", "immunotherapy"):
            self.data["neoadjuvant"][home] = {k: v for k, v in item.items() if v is not None}
            return slot
        if home == slot[0]:
            self._list(home)[slot[1]] = {k: v for k, v in item.items() if not _empty(v)}
            return slot
        self.remove(slot)
        return self.add(home, item, "treatment")


def fold_record(
    case: Case,
    record: EpisodeRecord,
    events: tuple[EventIn, ...] | list[EventIn] = (),
    *,
    keep: bool = False,
) -> tuple[Case, list[str]]:
    """The case with a record's treatments, complications and events (and ``events`` from a
    separate file) folded in, and the conflicts kept (``keep``); errors name the record's
    fields (``treatments[1].details.regimen``)."""
    if not (record.treatments or record.complications or record.events or events):
        return case, []
    folding = Folding.of(case, keep)
    errors: list[FieldError] = []
    slots: list[Slot | None] = []

    def attempt(path: str, add: Any) -> Slot | None:
        try:
            return add(path)
        except InvalidRecordError as exc:
            errors.extend(error.under(path) for error in exc.errors)
            return None

    for i, t in enumerate(record.treatments):
        slots.append(attempt(f"treatments[{i}]", lambda p, t=t: folding.add_treatment(t, p)))
    for i, c in enumerate(record.complications):
        link = slots[c.treatment] if c.treatment is not None else None
        attempt(f"complications[{i}]", lambda p, c=c, k=link: folding.add_complication(c, k, p))
    for i, e in enumerate((*record.events, *events)):
        attempt(f"events[{i}]", lambda p, e=e: folding.add_event(e, p))
    if errors:
        raise InvalidRecordError(errors)
    return folding.case(), folding.conflicts

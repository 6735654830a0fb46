"""Is a case ready for the tumour board? What is missing or stale, and who usually provides it.

Tumour-board systems check the case before the meeting (VITU, NAVIFY Tumor Board and OncoFlow
check the MDT form and how recent its data are; the Rush tumour board flags, e.g., an MRI older
than 42 days): a case discussed without its staging MRI, its MMR status or its distant staging
comes back to the next meeting, and missing documentation is the commonest reason a board's
decision is not carried out (`bonn_tumour_boards`). Two sources feed one list per case:

* **named rules** (`RULES`), each for the pathway phases it applies to: the imaging age at the
  meeting date, histology, MMR status, CEA, distant staging, performance status; after
  neoadjuvant therapy the response assessments; for a recurrence the sacral imaging; for a
  stenosis its length and the magnet delivery limits;
* **the engine's missing-data warnings** (a warning whose field holds no value in the case):
  the engine already knows which missing fields would change its answer.

A rule and a warning about the same field are one item (the rule's words). Each item names the
specialty that usually provides the fact, so the coordinator knows whom to ask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.evidence import cite
from rectoplan.pathways.context import Phase
from rectoplan.registry.episodes import get_episode, latest_assessment
from rectoplan.registry.users import Specialty

IMAGING_MAX_AGE_DAYS = 42
"""How old the staging imaging may be at the meeting date. Not a guideline value: the Rush
tumour board's readiness check flags an MRI older than 42 days (as quoted in issue 15; the
primary text was not checked, so the source is registered unverified). A named setting
(``RECTOPLAN_MDT_IMAGING_MAX_AGE_DAYS``) because hospitals choose their own window."""

IMAGING_AGE_EVIDENCE = cite("rush_tumour_board_readiness")


class Status(StrEnum):
    missing = "missing"
    stale = "stale"


@dataclass(frozen=True, slots=True)
class ReadinessSettings:
    """The thresholds the readiness rules use (`IMAGING_MAX_AGE_DAYS`)."""

    imaging_max_age_days: int = IMAGING_MAX_AGE_DAYS


@dataclass(frozen=True, slots=True)
class Item:
    """One thing missing or stale: the case field, what it is in clinical words, why it
    matters, and the specialty that usually provides it. ``rule`` is the readiness rule's name,
    or ``engine`` for an engine warning."""

    field: str
    what: str
    status: Status
    detail: str
    provided_by: Specialty
    rule: str

    @property
    def provider_label(self) -> str:
        return self.provided_by.label

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "what": self.what,
            "status": self.status.value,
            "detail": self.detail,
            "provided_by": self.provided_by.value,
            "provided_by_label": self.provided_by.label,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class Readiness:
    """A case's readiness for a meeting on ``meeting_date``: ready, or the items to fix."""

    case_id: str
    phase: str
    meeting_date: dt.date
    items: tuple[Item, ...]

    @property
    def ready(self) -> bool:
        return not self.items

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "phase": self.phase,
            "meeting_date": self.meeting_date.isoformat(),
            "ready": self.ready,
            "items": [item.to_dict() for item in self.items],
        }


Check = Callable[[Case, dt.date, ReadinessSettings], "tuple[Status, str] | None"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A named readiness rule: the phases it applies to, the field it checks, what that is,
    who provides it, and the check (None when satisfied, else the status and the detail)."""

    name: str
    phases: frozenset[Phase]
    field: str
    what: str
    provided_by: Specialty
    check: Check

    def item(self, case: Case, on: dt.date, settings: ReadinessSettings) -> Item | None:
        found = self.check(case, on, settings)
        if found is None:
            return None
        status, detail = found
        return Item(self.field, self.what, status, detail, self.provided_by, self.name)


# --- the checks -----------------------------------------------------------------------------


def _missing(detail: str) -> tuple[Status, str]:
    return Status.missing, detail


def _age(day: dt.date | None, on: dt.date, settings: ReadinessSettings, what: str):
    """None if ``day`` is within the imaging window before ``on``; else stale or missing."""
    limit = settings.imaging_max_age_days
    if day is None:
        return _missing(f"the date of the {what} is not recorded, so its age cannot be checked")
    age = (on - day).days
    if age > limit:
        return (
            Status.stale,
            f"the {what} of {day.isoformat()} is {age} days old at the meeting "
            f"(more than {limit} days); repeat or confirm it",
        )
    return None


def _mri_age(case, on, settings):
    if case.mri is None:
        return _missing("no staging MRI: the risk group and every local option depend on it")
    return _age(case.mri.date, on, settings, "staging MRI")


def _distant(case, on, settings):
    if case.distant is None:
        return _missing("no staging CT of chest, abdomen and pelvis: M0 cannot be assumed")
    return _age(case.distant.date, on, settings, "staging CT")


def _restaging_age(case, on, settings):
    if case.restaging is None:
        return _missing("no restaging after neoadjuvant therapy")
    return _age(case.restaging.date, on, settings, "restaging")


def _absent(getter: Callable[[Case], Any], detail: str) -> Check:
    def check(case, _on, _settings):
        return _missing(detail) if getter(case) in (None, (), "") else None

    return check


def _response_assessments(case, _on, _settings):
    restaging = case.restaging
    names = {
        "endoscopy": "endoscopy",
        "dre": "digital rectal examination",
        "mri_t2": "MRI T2",
        "mri_dwi": "MRI diffusion",
    }
    absent = [label for key, label in names.items() if getattr(restaging, key, None) is None]
    if absent:
        return _missing(
            f"{', '.join(absent)} not recorded: a clinical complete response needs all four"
        )
    return None


def _recurrence_age(case, on, settings):
    return _age(case.recurrence.date, on, settings, "recurrence staging imaging")


def _sacral_imaging(case, _on, _settings):
    recurrence = case.recurrence
    if not recurrence.sacral_landmarks:
        return _missing(
            "no sacral landmarks on sagittal MRI: the transection level cannot be planned"
        )
    return None


def _stenosis_length(case, _on, _settings):
    if not case.stenosis.length_mm:
        return _missing("the length of the stenotic segment is not measured")
    return None


_PRIMARY = frozenset({Phase.diagnosis, Phase.neoadjuvant})
_RESTAGING = frozenset({Phase.restaging})
_RECURRENCE = frozenset({Phase.recurrence})
_STENOSIS = frozenset({Phase.stenosis})
_R = Specialty

RULES: tuple[Rule, ...] = (
    Rule("imaging_age", _PRIMARY, "mri.date", "Staging MRI", _R.radiologist, _mri_age),
    Rule(
        "histology",
        _PRIMARY,
        "tumour.grade",
        "Biopsy histology",
        _R.pathologist,
        _absent(lambda c: c.tumour.grade, "the biopsy report (histology and grade) is not in"),
    ),
    Rule(
        "mmr_status",
        _PRIMARY,
        "tumour.mmr_status",
        "MMR/MSI status",
        _R.pathologist,
        _absent(lambda c: c.tumour.mmr_status, "unknown: dMMR changes neoadjuvant therapy"),
    ),
    Rule(
        "cea",
        _PRIMARY,
        "tumour.cea_ng_ml",
        "CEA",
        _R.medical_oncologist,
        _absent(lambda c: c.tumour.cea_ng_ml, "no baseline CEA for follow-up"),
    ),
    Rule("distant_staging", _PRIMARY, "distant.date", "Distant staging", _R.radiologist, _distant),
    Rule(
        "performance_status",
        _PRIMARY | _RESTAGING,
        "patient.ecog",
        "Performance status (ECOG)",
        _R.medical_oncologist,
        _absent(lambda c: c.patient.ecog, "fitness for chemoradiotherapy or surgery unknown"),
    ),
    Rule(
        "restaging_age",
        _RESTAGING,
        "restaging.date",
        "Restaging",
        _R.radiologist,
        _restaging_age,
    ),
    Rule(
        "response_assessments",
        _RESTAGING,
        "restaging",
        "Response assessments",
        _R.colorectal_surgeon,
        _response_assessments,
    ),
    Rule(
        "recurrence_imaging_age",
        _RECURRENCE,
        "recurrence.date",
        "Recurrence staging imaging",
        _R.radiologist,
        _recurrence_age,
    ),
    Rule(
        "sacral_imaging",
        _RECURRENCE,
        "recurrence.sacral_landmarks",
        "Sacral imaging",
        _R.radiologist,
        _sacral_imaging,
    ),
    Rule(
        "recurrence_performance_status",
        _RECURRENCE,
        "recurrence.ecog",
        "Performance status at recurrence",
        _R.colorectal_surgeon,
        _absent(lambda c: c.recurrence.ecog, "fitness for pelvic exenteration unknown"),
    ),
    Rule(
        "stenosis_length",
        _STENOSIS,
        "stenosis.length_mm",
        "Stenosis length",
        _R.gastroenterologist,
        _stenosis_length,
    ),
    Rule(
        "delivery_limits",
        _STENOSIS,
        "stenosis.delivery_limits",
        "Magnet delivery limits",
        _R.gastroenterologist,
        _absent(
            lambda c: c.stenosis.delivery_limits,
            "the largest ring the anus, stoma and endoscope can pass is not recorded",
        ),
    ),
)
"""The named readiness rules; `check_case` applies those of the case's phase."""


# --- the engine's missing-data warnings -------------------------------------------------------

PROVIDERS: tuple[tuple[str, Specialty], ...] = (
    ("tumour.mmr_status", Specialty.pathologist),
    ("tumour.cea_ng_ml", Specialty.medical_oncologist),
    ("tumour", Specialty.colorectal_surgeon),
    ("patient", Specialty.medical_oncologist),
    ("mri", Specialty.radiologist),
    ("distant", Specialty.radiologist),
    ("neoadjuvant", Specialty.radiation_oncologist),
    ("restaging.endoscopy", Specialty.colorectal_surgeon),
    ("restaging.dre", Specialty.colorectal_surgeon),
    ("restaging", Specialty.radiologist),
    ("operations", Specialty.colorectal_surgeon),
    ("pathology", Specialty.pathologist),
    ("recurrence", Specialty.radiologist),
    ("stenosis", Specialty.gastroenterologist),
)
"""Who usually provides a field, by its longest matching prefix (first match in this order)."""


def provider_of(field: str) -> Specialty:
    for prefix, specialty in PROVIDERS:
        if field == prefix or field.startswith(prefix + ".") or field.startswith(prefix + "["):
            return specialty
    return Specialty.colorectal_surgeon


def _value_at(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of the case's data (``mri.ct``, ``operations[0].date``),
    or None when any part of the way is absent."""
    value: Any = data
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list | tuple) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
        if value is None:
            return None
    return value


def engine_items(case: Case, warnings: Iterable[Mapping[str, str]]) -> list[Item]:
    """The engine's warnings about fields the case leaves empty (a warning about a value that
    is there, such as a poor performance status, is advice, not missing data)."""
    data = case.model_dump(mode="json")
    items = []
    for warning in warnings:
        field = warning.get("field") or ""
        if field and _value_at(data, field) in (None, [], {}, ""):
            items.append(
                Item(
                    field,
                    field.split(".")[-1].replace("_", " "),
                    Status.missing,
                    warning.get("message", ""),
                    provider_of(field),
                    "engine",
                )
            )
    return items


def _overlap(a: str, b: str) -> bool:
    """Whether one field is the other or lies inside it (``mri`` and ``mri.date``)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def check_case(
    case: Case,
    assessment: Mapping[str, Any],
    meeting_date: dt.date,
    settings: ReadinessSettings | None = None,
) -> Readiness:
    """The case's readiness for a meeting on ``meeting_date``: the rules of the assessment's
    phase, then the engine's missing-data warnings not already said (a warning about a field
    a fired rule names, or one inside the other, is that rule's item)."""
    settings = settings or ReadinessSettings()
    phase = Phase(assessment.get("phase") or Phase.diagnosis)
    items = [
        found
        for rule in RULES
        if phase in rule.phases
        for found in [rule.item(case, meeting_date, settings)]
        if found is not None
    ]
    covered = {item.field for item in items}
    for item in engine_items(case, assessment.get("warnings", ())):
        if not any(_overlap(item.field, field) for field in covered):
            covered.add(item.field)
            items.append(item)
    return Readiness(case.case_id, phase.value, meeting_date, tuple(items))


def for_episode(
    session: Session,
    episode_id: int,
    meeting_date: dt.date,
    settings: ReadinessSettings | None = None,
) -> Readiness:
    """The readiness of the episode's case as it stands, judged with its latest snapshot."""
    episode = get_episode(session, episode_id)
    snapshot = latest_assessment(session, episode_id)
    case = Case.model_validate(episode.case_json)
    return check_case(case, snapshot.assessment_json, meeting_date, settings)

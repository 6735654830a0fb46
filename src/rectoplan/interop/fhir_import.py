"""An R4 / R4B Bundle as a case: what the bundle holds is mapped, what a case needs is named.

The bundle is first parsed with ``fhir.resources.R4B`` (structure: a placeholder date such as
``"YYYY-MM-DD"`` or an unknown element is refused here, naming the element), then read as JSON
resource by resource. Every problem is collected before anything is refused, so one run lists
all of them; each names the FHIR element it is about, or, for a required case field the bundle
does not supply, the field and the FHIR element that would supply it (`SUPPLIED_BY`).

What is read (``docs/fhir-mapping.md`` has the table) is what `fhir_export` writes, plus the
older forms an mCODE STU1/STU2 sender uses: LOINC staging-type codes, AJCC values with or
without their prefix, the STU2 profile names, ``performedDateTime`` on procedures. Post-therapy
staging is read the way it is written (see `fhir_export`): the y-prefix of the AJCC value says
post-therapy, and the staging-type code must agree with it (a yp value under a clinical code is
refused, not guessed). Resources RectoPlan does not map (comorbidities, disease status,
medications outside a RectoPlan neoadjuvant course, unknown procedures) are listed in
`ImportResult.notes`, never silently dropped.

Overrides (``{"tumour.distance_from_anal_verge_cm": 6}``; ``rectoplan fhir import --set``) set
case fields the bundle lacks or holds in a form RectoPlan cannot read; they win over the bundle,
every replacement is noted, and ``ImportResult.sources`` says which fields came from them. They
exist because real mCODE bundles carry no tumour height (mCODE has no element for it), so without
them no external bundle could ever become a case.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import BaseModel, ValidationError

from rectoplan.clinical.case import (
    Approach,
    Case,
    ChemoRegimen,
    HeightModality,
    OperationType,
    Sex,
)
from rectoplan.clinical.identifiers import new_case_id
from rectoplan.clinical.staging import stage
from rectoplan.clinical.tnm import NCategory, Prefix, parse_category
from rectoplan.errors import FieldError, InvalidRecordError, field_errors
from rectoplan.interop import fhir_codes as fc
from rectoplan.interop.fhir_bundle import (
    BundleIndex,
    Entry,
    date_problem,
    full_date,
    load_json,
    structure_errors,
    walk,
)
from rectoplan.interop.fhir_codes import Axis, Profile, StagingType, codings, find, profile_of

SUPPLIED_BY: Mapping[str, str] = {
    "case_id": f"Patient.identifier with system {fc.CASE_ID_SYSTEM}, or Bundle.identifier",
    "patient.sex": "Patient.gender (male, female or other)",
    "patient.age_years": "Condition.onsetAge on the primary cancer Condition, or Patient.birthDate "
    "with a diagnosis date (Condition extension condition-assertedDate, onsetDateTime or "
    "recordedDate)",
    "tumour.distance_from_anal_verge_cm": "an Observation coded LOINC 33748-5 (distance from "
    "anal verge) with valueQuantity in cm or mm",
    "tumour.longest_diameter_cm": "a tumour-size Observation (LOINC 21889-1) with a "
    "focus and a component LOINC 33728-7 valueQuantity in cm or mm",
    "mri.ct": "a T-category Observation with code SNOMED 399504009 (cT) and an AJCC value",
    "mri.cn": "an N-category Observation with code SNOMED 399534004 (cN) and an AJCC value",
    "pathology.t": "a T-category Observation with code SNOMED 384625004 (pT) and an AJCC value",
    "pathology.specimen": "Specimen.collection.method with a code from "
    f"{fc.LOCAL_OPERATION}, referenced by the pT Observation's specimen, or a Procedure",
}
"""For each required case field, the FHIR element an import reads it from."""

_REQUIRED: tuple[tuple[str | None, tuple[str, ...]], ...] = (
    (None, ("case_id", "patient.age_years", "patient.sex")),
    (None, ("tumour.distance_from_anal_verge_cm", "tumour.longest_diameter_cm")),
    ("mri", ("mri.ct", "mri.cn")),
    ("pathology", ("pathology.t", "pathology.specimen")),
)
"""Required case fields, each with the optional section that makes it required when present."""


class Problem(FieldError):
    """Why a bundle cannot become a case: a `FieldError` whose field is the FHIR element (or
    the case field nothing supplied), and, in ``case_field``, the case field the problem is
    about (an override of that field settles it)."""

    def __init__(self, element: str, message: str, case_field: str | None = None) -> None:
        super().__init__(element, message)
        self.case_field = case_field


def _refused(problems: Iterable[Problem]) -> InvalidRecordError:
    """A bundle that cannot become a case, listing every problem."""
    return InvalidRecordError(problems)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The case, the element (or ``"override"``) each field came from, and what was left out."""

    case: Case
    sources: Mapping[str, str]
    notes: tuple[str, ...] = field(default=())


def bundle_to_case(
    bundle_json: Mapping[str, Any] | str | bytes, overrides: Mapping[str, Any] | None = None
) -> Case:
    """The case a bundle describes (see `import_bundle`)."""
    return import_bundle(bundle_json, overrides).case


def import_bundle(
    bundle_json: Mapping[str, Any] | str | bytes, overrides: Mapping[str, Any] | None = None
) -> ImportResult:
    """Read a FHIR R4/R4B Bundle into a `Case`; an `InvalidRecordError` lists every problem."""
    overrides = dict(overrides or {})
    for name in overrides:
        check_override_field(name)
    raw = _parsed(bundle_json)
    reader = _Reader(raw)
    reader.read()
    return reader.result(overrides)


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["tumour.distance_from_anal_verge_cm=6", "patient.sex=female"]`` -> a dict.

    A value is read as JSON when it is JSON (``6``, ``true``, ``null``, ``{"total_dose_gy": 25,
    "fractions": 5}``) and as text otherwise (``female``, ``cT3``, ``2025-03-03``).
    """
    result: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise _refused(
                [Problem(f"override {item!r}", "write it as field=value, e.g. patient.sex=female")]
            )
        check_override_field(name)
        try:
            result[name] = json.loads(text)
        except json.JSONDecodeError:
            result[name] = text.strip()
    return result


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def check_override_field(name: str) -> None:
    """Refuse an override whose dotted name is not a field of `Case`."""
    model: type[BaseModel] | None = Case
    parts = name.split(".")
    for i, part in enumerate(parts):
        here = ".".join(parts[: i + 1])
        info = model.model_fields.get(part) if model is not None else None
        if info is None:
            raise _refused([Problem(f"override {name}", f"{here} is not a case field")])
        model = _model_in(info.annotation)
        if i < len(parts) - 1 and model is None:
            raise _refused(
                [Problem(f"override {name}", f"{here} has no fields below it; set it whole")]
            )


def _parsed(payload: Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    """The bundle JSON after ``fhir.resources.R4B`` has accepted its structure."""
    try:
        raw = load_json(payload)
    except ValueError as exc:
        raise _refused([Problem("Bundle", str(exc))]) from None
    if not isinstance(raw, Mapping) or raw.get("resourceType") != "Bundle":
        kind = raw.get("resourceType") if isinstance(raw, Mapping) else type(raw).__name__
        raise _refused([Problem("Bundle.resourceType", f"expected a Bundle, not {kind}")])
    try:
        Bundle.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for element, message in structure_errors(raw, exc):
            if element.endswith(("Date", "DateTime", "Instant")):
                message = date_problem(_value_at(raw, element)) or message
            problems.append(Problem(element, f"refused by FHIR R4B parsing: {message}"))
        raise _refused(problems) from None
    return dict(raw)


def _value_at(raw: Mapping[str, Any], element: str) -> Any:
    """The JSON value at an element path (the resource types in parentheses are ignored)."""
    wanted = _strip_types(element)
    return next((value for path, _key, value in walk(raw, "Bundle") if path == wanted), None)


def _strip_types(path: str) -> str:
    return re.sub(r"\([A-Za-z]+\)", "", path)


def _describe(concept: Mapping[str, Any] | None) -> str:
    for coding in codings(concept):
        display = f" ({coding['display']})" if coding.get("display") else ""
        return f"{coding.get('system', '?')}|{coding.get('code', '?')}{display}"
    return repr((concept or {}).get("text") or "no code")


_SKIPPED_STATUS = frozenset({"entered-in-error", "cancelled", "not-done"})
_DESTINATION: Mapping[tuple[Prefix, Axis], str] = {
    (Prefix.c, Axis.T): "mri.ct",
    (Prefix.c, Axis.N): "mri.cn",
    (Prefix.c, Axis.M): "distant.cm",
    (Prefix.p, Axis.M): "distant.cm",
    (Prefix.yc, Axis.T): "restaging.yct",
    (Prefix.yc, Axis.N): "restaging.ycn",
    (Prefix.p, Axis.T): "pathology.t",
    (Prefix.p, Axis.N): "pathology.n",
    (Prefix.yp, Axis.T): "pathology.t",
    (Prefix.yp, Axis.N): "pathology.n",
}
_KIND_PREFIXES: Mapping[StagingType, tuple[Prefix, ...]] = {
    StagingType.clinical: (Prefix.c, Prefix.yc),
    StagingType.pathologic: (Prefix.p, Prefix.yp),
    StagingType.generic: (Prefix.c, Prefix.yc, Prefix.p, Prefix.yp),
}


class _Reader:
    """Reads one bundle into case data, collecting problems and notes as it goes."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.index = BundleIndex(raw)
        self.data: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        self.notes: list[str] = []
        self.problems: list[Problem] = []
        self.skipped: dict[int, str] = {}
        self.birth_date: tuple[dt.date, str] | None = None
        self.sizes: list[tuple[dt.date | None, float, str]] = []
        self.groups: list[tuple[Entry, str, Prefix | None]] = []
        self.operations: list[dict[str, Any]] = []
        self.chemotherapy: list[dict[str, Any]] = []
        self.sites: list[str] = []
        self.radiotherapy: Entry | None = None
        self.seen: dict[str, Entry] = {}
        """The Patient and the primary Condition read so far (a case has one of each)."""

    # --- bookkeeping ------------------------------------------------------------------------

    def problem(self, element: str, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(element, message, field))

    def put(self, name: str, value: Any, element: str) -> None:
        """Set a case field, refusing a second, different value for it."""
        node = self.data
        *parents, leaf = name.split(".")
        for parent in parents:
            node = node.setdefault(parent, {})
        if leaf in node and node[leaf] != value:
            self.problem(
                element,
                f"{name} would be {value!r}, but {self.sources[name]} says {node[leaf]!r}",
                name,
            )
            return
        node[leaf] = value
        self.sources[name] = element

    def get(self, name: str) -> Any:
        node: Any = self.data
        for part in name.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def date(self, entry: Entry, *path: str | int) -> str | None:
        """A full date at ``path`` in the resource as ISO text; partial dates are problems."""
        value: Any = entry.resource
        for part in path:
            value = value[part] if isinstance(value, list | dict) and _has(value, part) else None
        if value is None:
            return None
        if (reason := date_problem(value)) is not None:
            self.problem(entry.at(*path), reason)
            return None
        day = full_date(value)
        if day is None:
            self.problem(entry.at(*path), f"{value!r} is a partial date; a case needs the day")
            return None
        return day.isoformat()

    # --- the walk ---------------------------------------------------------------------------

    def read(self) -> None:
        handlers = (
            ("Patient", self.patient),
            ("Condition", self.condition),
            ("Procedure", self.operation),
            ("Procedure", self.radiotherapy_course),
            ("MedicationAdministration", self.medication),
            ("Observation", self.observation),
        )
        handled: set[int] = set()
        for rtype, handler in handlers:
            for entry in self.index.of_type(rtype):
                if entry.index in handled:
                    continue
                status = entry.resource.get("status")
                if status in _SKIPPED_STATUS:
                    self.skipped[entry.index] = f"status is {status}"
                    handled.add(entry.index)
                    continue
                reason = handler(entry)
                if reason is None:
                    handled.add(entry.index)
                    self.skipped.pop(entry.index, None)
                else:
                    self.skipped[entry.index] = reason
        self.finish()
        referenced = self._referenced()
        for entry in self.index.entries:
            if entry.index in handled:
                continue
            if entry.index in self.skipped:
                self.notes.append(f"{entry.path}: not imported ({self.skipped[entry.index]})")
            elif entry.index not in referenced:
                self.notes.append(f"{entry.path}: not imported (RectoPlan does not map it)")

    def _referenced(self) -> set[int]:
        found = set()
        for _path, key, value in walk(self.raw, "Bundle"):
            if key == "reference" and (target := self.index.resolve(value)) is not None:
                found.add(target.index)
        return found

    # --- Patient and Conditions -------------------------------------------------------------

    def patient(self, entry: Entry) -> str | None:
        resource = entry.resource
        if "patient" in self.seen:
            self.problem(entry.path, "a second Patient; a case is one patient", "patient")
            return None
        self.seen["patient"] = entry
        gender = resource.get("gender")
        if gender in {s.value for s in Sex}:
            self.put("patient.sex", gender, entry.at("gender"))
        elif gender is not None:
            self.problem(entry.at("gender"), f"{gender!r} cannot be a case's sex", "patient.sex")
        for i, identifier in enumerate(resource.get("identifier") or ()):
            if identifier.get("system") == fc.CASE_ID_SYSTEM and identifier.get("value"):
                self.put("case_id", identifier["value"], entry.at("identifier", i, "value"))
        if (birth := self.date(entry, "birthDate")) is not None:
            self.birth_date = (dt.date.fromisoformat(birth), entry.at("birthDate"))
        return None

    def condition(self, entry: Entry) -> str | None:
        resource = entry.resource
        verification = {c.get("code") for c in codings(resource.get("verificationStatus"))}
        if verification & {"entered-in-error", "refuted"}:
            return f"verificationStatus is {', '.join(sorted(verification))}"
        claimed = profile_of(resource)
        code = resource.get("code")
        icd = [c.get("code", "") for c in codings(code) if c.get("system") == fc.ICD10CM]
        sites = [s for s in map(fc.site_from_icd10, icd) if s is not None]
        if Profile.secondary_condition in claimed or sites:
            if not sites:
                self.problem(
                    entry.at("code"),
                    f"{_describe(code)}: the metastatic site needs an ICD-10-CM C77-C79 code",
                    "distant.sites",
                )
            elif sites[0].value not in self.sites:
                self.sites.append(sites[0].value)
                self.sources.setdefault("distant.sites", entry.at("code"))
            return None
        is_rectal = fc.find(code, fc.RECTAL_PRIMARY_CODES) is not None
        if not is_rectal and Profile.primary_condition not in claimed:
            return f"code {_describe(code)} is neither a rectal primary nor a metastasis"
        if not is_rectal:
            self.problem(
                entry.at("code"),
                f"{_describe(code)} is not a rectal cancer (RectoPlan reads SNOMED 363351006, "
                "93984006 or ICD-10-CM C20, C19, C21.8)",
            )
            return None
        if "primary" in self.seen:
            self.problem(entry.path, "a second primary cancer Condition; a case has one")
            return None
        self.seen["primary"] = entry
        self.primary_condition(entry)
        return None

    def primary_condition(self, entry: Entry) -> None:
        resource = entry.resource
        for i, extension in enumerate(resource.get("extension") or ()):
            url = extension.get("url")
            if url == fc.EXT_ASSERTED_DATE:
                if (day := self.date(entry, "extension", i, "valueDateTime")) is not None:
                    self.put("diagnosis_date", day, entry.at("extension", i, "valueDateTime"))
            elif url == fc.EXT_HISTOLOGY:
                self.histology(entry, extension.get("valueCodeableConcept"), i)
        if self.get("diagnosis_date") is None:
            for key in ("onsetDateTime", "recordedDate"):
                if (day := self.date(entry, key)) is not None:
                    self.put("diagnosis_date", day, entry.at(key))
                    break
        if (age := resource.get("onsetAge")) is not None:
            years = _years(age)
            if years is None:
                self.problem(
                    entry.at("onsetAge"),
                    f"{age.get('value')!r} {age.get('code') or age.get('unit')!r} is not an age "
                    "in years (UCUM a) or months (mo)",
                    "patient.age_years",
                )
            else:
                self.put("patient.age_years", years, entry.at("onsetAge"))

    def histology(self, entry: Entry, value: Mapping[str, Any] | None, i: int) -> None:
        element = entry.at("extension", i, "valueCodeableConcept")
        by_code = {code: histology for histology, code in fc.HISTOLOGY.items()}
        found = find(value, by_code)
        if found is None:
            known = ", ".join(f"{c.code} {h.value}" for h, c in fc.HISTOLOGY.items())
            self.problem(
                element,
                f"{_describe(value)} is not a histology RectoPlan maps (SNOMED {known})",
                "tumour.histology",
            )
        else:
            self.put("tumour.histology", by_code[found].value, element)

    # --- Procedures and medication ----------------------------------------------------------

    def operation(self, entry: Entry) -> str | None:
        resource = entry.resource
        if self._is_radiotherapy(resource):
            return "radiotherapy, read next"
        kind = self.operation_type(entry, resource.get("code"), entry.at("code"))
        if kind is None:
            return f"code {_describe(resource.get('code'))} is not an operation RectoPlan maps"
        i = len(self.operations)
        operation: dict[str, Any] = {"type": kind.value}
        self.sources[f"operations[{i}].type"] = entry.at("code")
        day = self.date(entry, "performedDateTime") or self.date(entry, "performedPeriod", "start")
        if day is not None:
            operation["date"] = day
        for j, extension in enumerate(resource.get("extension") or ()):
            if extension.get("url") == fc.EXT_PROCEDURE_METHOD:
                approach = self._local(extension.get("valueCodeableConcept"), fc.LOCAL_APPROACH)
                if approach in {a.value for a in Approach}:
                    operation["approach"] = approach
                    self.sources[f"operations[{i}].approach"] = entry.at("extension", j)
        self.operations.append(operation)
        return None

    def operation_type(
        self, entry: Entry, code: Mapping[str, Any] | None, element: str
    ) -> OperationType | None:
        local = self._local(code, fc.LOCAL_OPERATION)
        if local is not None:
            if local in {o.value for o in OperationType}:
                return OperationType(local)
            self.problem(element, f"{local!r} is not a RectoPlan operation type")
            return None
        by_snomed = {s: op for op, (_, s) in fc.OPERATIONS.items() if s is not None}
        found = find(code, by_snomed)
        return by_snomed[found] if found is not None else None

    @staticmethod
    def _local(concept: Mapping[str, Any] | None, system: str) -> str | None:
        for coding in codings(concept):
            if coding.get("system") == system:
                return str(coding.get("code"))
        return None

    @staticmethod
    def _is_radiotherapy(resource: Mapping[str, Any]) -> bool:
        return find(
            resource.get("code"), [fc.RADIOTHERAPY_COURSE]
        ) is not None or Profile.radiotherapy in profile_of(resource)

    def radiotherapy_course(self, entry: Entry) -> str | None:
        resource = entry.resource
        if not self._is_radiotherapy(resource):
            return self.skipped.get(entry.index)
        start = self.date(entry, "performedPeriod", "start")
        first_operation = min((op["date"] for op in self.operations if "date" in op), default=None)
        if start and first_operation and start > first_operation:
            return (
                f"radiotherapy starting {start}, after the operation of {first_operation}, is "
                "adjuvant; RectoPlan records neoadjuvant radiotherapy only"
            )
        if self.radiotherapy is not None:
            self.problem(
                entry.path,
                f"a second radiotherapy course (the first is {self.radiotherapy.path}); a case "
                "records one",
                "neoadjuvant.radiotherapy",
            )
            return None
        self.radiotherapy = entry
        dose, fractions, dose_element = self._dose(entry)
        sessions = next(
            (
                e.get("valueUnsignedInt")
                for e in resource.get("extension") or ()
                if e.get("url") == fc.EXT_RT_SESSIONS
            ),
            None,
        )
        field = "neoadjuvant.radiotherapy"
        if dose is None:
            self.problem(
                entry.at("extension"),
                f"no totalDoseDelivered in extension {fc.EXT_RT_DOSE} (in cGy)",
                f"{field}.total_dose_gy",
            )
        else:
            self.put(f"{field}.total_dose_gy", dose, dose_element)
        if fractions is None:
            fractions = sessions
        if fractions is None:
            self.problem(
                entry.at("extension"),
                f"no fractionsDelivered in {fc.EXT_RT_DOSE} and no {fc.EXT_RT_SESSIONS}",
                f"{field}.fractions",
            )
        else:
            self.put(f"{field}.fractions", fractions, entry.at("extension"))
        for key in ("start", "end"):
            if (day := self.date(entry, "performedPeriod", key)) is not None:
                self.put(f"{field}.{key}_date", day, entry.at("performedPeriod", key))
        return None

    def _dose(self, entry: Entry) -> tuple[float | None, int | None, str]:
        """The largest total dose over the course's volumes (Gy) and its fractions."""
        best: tuple[float | None, int | None, str] = (None, None, entry.at("extension"))
        for i, extension in enumerate(entry.resource.get("extension") or ()):
            if extension.get("url") != fc.EXT_RT_DOSE:
                continue
            parts = {e.get("url"): e for e in extension.get("extension") or ()}
            quantity = (parts.get("totalDoseDelivered") or {}).get("valueQuantity")
            if quantity is None:
                continue
            element = entry.at("extension", i, "totalDoseDelivered")
            unit = quantity.get("code") or quantity.get("unit")
            scale = {"cGy": 0.01, "Gy": 1.0}.get(str(unit))
            if scale is None or quantity.get("value") is None:
                self.problem(element, f"dose unit must be cGy or Gy (UCUM), not {unit!r}")
                continue
            gy = round(float(quantity["value"]) * scale, 6)
            if best[0] is None or gy > best[0]:
                fractions = (parts.get("fractionsDelivered") or {}).get("valueUnsignedInt")
                best = (gy, fractions, element)
        return best

    def medication(self, entry: Entry) -> str | None:
        resource = entry.resource
        kind_code = self._local(resource.get("category"), fc.LOCAL_COURSE)
        part_of = [self.index.resolve(r) for r in resource.get("partOf") or ()]
        if kind_code is None and self.radiotherapy is not None and self.radiotherapy in part_of:
            kind_code = fc.CourseKind.concurrent.value
        if kind_code not in {k.value for k in fc.CourseKind}:
            return f"not a RectoPlan neoadjuvant course (no category from {fc.LOCAL_COURSE})"
        kind = fc.CourseKind(kind_code)
        period = {
            f"{key}_date": day
            for key in ("start", "end")
            if (day := self.date(entry, "effectivePeriod", key)) is not None
        }
        cycles = next(
            (
                e.get("valuePositiveInt")
                for e in resource.get("extension") or ()
                if e.get("url") == fc.EXT_CYCLES
            ),
            None,
        )
        medication = resource.get("medicationCodeableConcept")
        element = entry.at("medicationCodeableConcept")
        if kind is fc.CourseKind.immunotherapy:
            agent = (medication or {}).get("text") or next(
                (c.get("display") for c in codings(medication) if c.get("display")), None
            )
            if agent is None:
                self.problem(element, "an immunotherapy course needs the agent's name (text)")
                return None
            course = {"agent": agent, **period} | ({"cycles": cycles} if cycles else {})
            self.put("neoadjuvant.immunotherapy", course, entry.path)
            return None
        regimen = self._local(medication, fc.LOCAL_REGIMEN)
        if regimen not in {r.value for r in ChemoRegimen}:
            self.problem(
                element,
                f"{_describe(medication)} is not a RectoPlan regimen "
                f"({', '.join(r.value for r in ChemoRegimen)}) in {fc.LOCAL_REGIMEN}",
            )
            return None
        if kind is fc.CourseKind.concurrent:
            if self.radiotherapy is None:
                self.problem(entry.path, "concurrent chemotherapy without a radiotherapy course")
                return None
            self.put("neoadjuvant.radiotherapy.concurrent_chemotherapy", regimen, element)
            return None
        timing = "induction" if kind is fc.CourseKind.induction else "consolidation"
        course = {"regimen": regimen, "timing": timing, **period}
        if cycles:
            course["cycles"] = cycles
        self.sources[f"neoadjuvant.chemotherapy[{len(self.chemotherapy)}]"] = entry.path
        self.chemotherapy.append(course)
        return None

    # --- Observations -----------------------------------------------------------------------

    def observation(self, entry: Entry) -> str | None:
        resource = entry.resource
        code = resource.get("code")
        claimed = profile_of(resource)
        for (axis, kind), candidates in fc.STAGING_TYPES.items():
            if find(code, candidates) is not None:
                return self.staging(entry, axis, kind)
        for axis, profile in fc.AXIS_PROFILE.items():
            if profile in claimed:
                return self.staging(entry, axis, StagingType.generic)
        if find(code, [fc.TUMOR_SIZE]) is not None or Profile.tumor_size in claimed:
            return self.tumour_size(entry)
        if find(code, [fc.DISTANCE_FROM_ANAL_VERGE]) is not None:
            return self.distance(entry)
        if find(code, [fc.ECOG]) is not None:
            return self.integer(entry, "patient.ecog")
        if find(code, fc.CEA_ALTERNATIVES) is not None:
            return self.cea(entry)
        if find(code, [fc.NODES_EXAMINED]) is not None:
            return self.integer(entry, "pathology.nodes_examined")
        if find(code, [fc.NODES_POSITIVE]) is not None:
            return self.integer(entry, "pathology.nodes_positive")
        return f"code {_describe(code)} is not an observation RectoPlan maps"

    def effective(self, entry: Entry) -> str | None:
        return self.date(entry, "effectiveDateTime") or self.date(entry, "effectivePeriod", "start")

    def staging(self, entry: Entry, axis: Axis, kind: StagingType) -> str | None:
        value = entry.resource.get("valueCodeableConcept")
        element = entry.at("valueCodeableConcept")
        if value is None:
            self.problem(entry.at("value[x]"), "a TNM observation needs valueCodeableConcept")
            return None
        if axis is Axis.group:
            return self.stage_group(entry, value, kind)
        written = _ajcc_value(value)
        allowed = _KIND_PREFIXES[kind]
        guess = None if kind is StagingType.generic else _DESTINATION.get((allowed[0], axis))
        if written is None:
            self.problem(
                element,
                f"no AJCC (http://cancerstaging.org) or known SNOMED CT code for a {axis} "
                f"category: {_describe(value)}",
                guess,
            )
            return None
        try:
            prefix, category = parse_category(written, axis.value)
        except FieldError as exc:
            self.problem(element, f"unknown {axis} category code: {exc.message}", guess)
            return None
        if prefix is None:
            if kind is StagingType.generic:
                self.problem(
                    element,
                    f"{written!r} has no c/p/yc/yp prefix and the code does not say clinical or "
                    "pathologic",
                )
                return None
            prefix = allowed[0]
        if prefix not in allowed:
            self.problem(
                element,
                f"{written!r} contradicts the {kind.value} staging type in Observation.code "
                f"({_describe(entry.resource.get('code'))})",
                guess,
            )
            return None
        destination = _DESTINATION.get((prefix, axis))
        if destination is None:
            self.problem(element, f"{prefix}{axis} staging is not part of a RectoPlan case")
            return None
        self.put(destination, category.value, element)
        day = self.effective(entry)
        if prefix is Prefix.yc and day is not None:
            self.put("restaging.date", day, entry.at("effectiveDateTime"))
        if destination.startswith("pathology."):
            self.put("pathology.prefix", prefix.value, element)
            self.specimen(entry)
        return None

    def stage_group(self, entry: Entry, value: Mapping[str, Any], kind: StagingType) -> str | None:
        group = None
        for coding in codings(value):
            if coding.get("system") == fc.AJCC:
                group = fc.stage_group_from_code(str(coding.get("code", "")))
            elif coding.get("system") == fc.SNOMED:
                group = next(
                    (g for g, c in fc.SNOMED_STAGE_VALUES.items() if c.matches(coding)), group
                )
            if group:
                break
        if group is None:
            return f"stage group {_describe(value)} is not an AJCC 8 group RectoPlan can compare"
        prefix = {StagingType.clinical: Prefix.c, StagingType.pathologic: Prefix.p}.get(kind)
        self.groups.append((entry, group, prefix))
        return None

    def specimen(self, entry: Entry) -> None:
        """The operation that produced the staged specimen, from ``Specimen.collection``."""
        target = self.index.resolve(entry.resource.get("specimen"))
        if target is None or target.type != "Specimen":
            return
        method = (target.resource.get("collection") or {}).get("method")
        kind = self.operation_type(target, method, target.at("collection", "method"))
        if kind is not None:
            self.put("pathology.specimen", kind.value, target.at("collection", "method"))

    def length_cm(self, entry: Entry, quantity: Any, *path: str | int) -> float | None:
        element = entry.at(*path)
        if not isinstance(quantity, Mapping) or quantity.get("value") is None:
            self.problem(element, "needs a valueQuantity with a value")
            return None
        unit = quantity.get("code") or quantity.get("unit")
        scale = {"cm": 1.0, "mm": 0.1}.get(str(unit))
        if scale is None:
            self.problem(element, f"length unit must be cm or mm (UCUM), not {unit!r}")
            return None
        return round(float(quantity["value"]) * scale, 6)

    def tumour_size(self, entry: Entry) -> str | None:
        resource = entry.resource
        for i, component in enumerate(resource.get("component") or ()):
            if find(component.get("code"), [fc.TUMOR_LONGEST]) is None:
                continue
            cm = self.length_cm(entry, component.get("valueQuantity"), "component", i)
            if cm is None:
                return None
            element = entry.at("component", i, "valueQuantity")
            if resource.get("specimen"):
                self.put("pathology.tumour_size_cm", cm, element)
                self.specimen(entry)
            else:
                day = self.effective(entry)
                self.sizes.append((dt.date.fromisoformat(day) if day else None, cm, element))
            return None
        self.problem(entry.at("component"), "no tumorLongestDimension component (LOINC 33728-7)")
        return None

    def distance(self, entry: Entry) -> str | None:
        cm = self.length_cm(entry, entry.resource.get("valueQuantity"), "valueQuantity")
        if cm is None:
            return None
        self.put("tumour.distance_from_anal_verge_cm", cm, entry.at("valueQuantity"))
        method = entry.resource.get("method")
        local = self._local(method, fc.LOCAL_HEIGHT_MODALITY)
        by_snomed = {s: m for m, (_, s) in fc.HEIGHT_MODALITY.items() if s is not None}
        if local in {m.value for m in HeightModality}:
            self.put("tumour.height_modality", local, entry.at("method"))
        elif (found := find(method, by_snomed)) is not None:
            self.put("tumour.height_modality", by_snomed[found].value, entry.at("method"))
        elif method is not None:
            self.notes.append(
                f"{entry.at('method')}: {_describe(method)} is not a height modality RectoPlan "
                "maps; tumour.height_modality left empty"
            )
        return None

    def integer(self, entry: Entry, name: str) -> str | None:
        value = entry.resource.get("valueInteger")
        if value is None:
            self.problem(entry.at("value[x]"), "needs valueInteger", name)
            return None
        self.put(name, value, entry.at("valueInteger"))
        if name.startswith("pathology."):
            self.specimen(entry)
        return None

    def cea(self, entry: Entry) -> str | None:
        quantity = entry.resource.get("valueQuantity") or {}
        unit = quantity.get("code") or quantity.get("unit")
        if quantity.get("value") is None or unit not in fc.CEA_UNITS:
            self.problem(
                entry.at("valueQuantity"),
                f"CEA needs a valueQuantity in ng/mL (or ug/L), not {unit!r}",
                "tumour.cea_ng_ml",
            )
            return None
        self.put("tumour.cea_ng_ml", float(quantity["value"]), entry.at("valueQuantity"))
        return None

    # --- after the walk ---------------------------------------------------------------------

    def finish(self) -> None:
        if "primary" not in self.seen:
            self.notes.append(
                "Bundle: no rectal primary cancer Condition; the case is built from the other "
                "resources and the overrides"
            )
        if self.sizes:
            first = min(self.sizes, key=lambda s: (s[0] is None, s[0] or dt.date.min))
            self.put("tumour.longest_diameter_cm", first[1], first[2])
            for _day, cm, element in self.sizes:
                if element != first[2]:
                    self.notes.append(
                        f"{element}: {cm} cm not imported (the baseline size is the earliest, "
                        f"{first[2]})"
                    )
        if self.sites:
            self.data.setdefault("distant", {})["sites"] = self.sites
        if self.operations:
            self.data["operations"] = self.operations
        if self.chemotherapy:
            self.data.setdefault("neoadjuvant", {})["chemotherapy"] = self.chemotherapy
        if self.get("case_id") is None:
            identifier = self.raw.get("identifier") or {}
            if identifier.get("value"):
                self.put("case_id", identifier["value"], "Bundle.identifier.value")
        if self.get("case_id") is None:
            # A hospital's bundle names the patient by the hospital's record numbers, not by
            # RectoPlan's case id: RectoPlan makes its own (the case model has no slot for the
            # hospital's, which stay in the hospital's record).
            self.put("case_id", new_case_id(), "generated by RectoPlan (no RectoPlan case id)")
        if self.get("patient.age_years") is None and self.birth_date is not None:
            diagnosed = self.get("diagnosis_date")
            if diagnosed is not None:
                born, element = self.birth_date
                day = dt.date.fromisoformat(diagnosed)
                years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
                self.put("patient.age_years", years, f"{element} (at diagnosis)")
        pathology = self.data.get("pathology")
        if pathology is not None:
            if "specimen" not in pathology and self.operations:
                pathology["specimen"] = self.operations[-1]["type"]
                self.sources["pathology.specimen"] = self.sources[
                    f"operations[{len(self.operations) - 1}].type"
                ]
                self.notes.append(
                    "pathology.specimen: no Specimen names the operation; the last operation "
                    f"({pathology['specimen']}) is taken"
                )
            pathology["tumour_deposits"] = pathology.get("n") == NCategory.N1c.value

    def result(self, overrides: Mapping[str, Any]) -> ImportResult:
        for name, value in overrides.items():
            previous = self.get(name)
            if previous is not None and previous != value:
                self.notes.append(
                    f"{name}: override {value!r} replaces {previous!r} from {self.sources[name]}"
                )
            node = self.data
            *parents, leaf = name.split(".")
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = value
            self.sources[name] = "override"
        problems = []
        for problem in dict.fromkeys(self.problems):  # a bad date read twice is one problem
            if _settled(problem.case_field, overrides):
                self.notes.append(f"{problem} (settled by the override of {problem.case_field})")
            else:
                problems.append(problem)
        problems += self._missing(overrides)
        if problems:
            raise _refused(problems)
        try:
            case = Case.model_validate(self.data)
        except ValidationError as exc:
            raise _refused(self._case_problems(exc)) from None
        self._compare_stage_groups(case)
        return ImportResult(case, dict(self.sources), tuple(self.notes))

    def _missing(self, overrides: Mapping[str, Any]) -> list[Problem]:
        """Required fields nothing supplied (a field whose element was refused is not repeated)."""
        problems = []
        refused = {p.case_field for p in self.problems}
        for section, names in _REQUIRED:
            if section is not None and section not in self.data:
                continue
            for name in names:
                if name in refused:
                    continue
                if self.get(name) is None and not _settled(name, overrides):
                    problems.append(
                        Problem(
                            name,
                            f"missing: it comes from {SUPPLIED_BY[name]}; the bundle has none "
                            f"(or give it as an override {name}=VALUE)",
                            name,
                        )
                    )
        return problems

    def _case_problems(self, error: ValidationError) -> list[Problem]:
        problems = []
        for found in field_errors(error):
            name = "" if found.field == "(root)" else found.field
            source = self._source_of(name)
            where = f" (from {source})" if source else ""
            problems.append(Problem(name or "case", f"{found.message}{where}", name or None))
        return problems

    def _source_of(self, name: str) -> str | None:
        while name:
            if name in self.sources:
                return self.sources[name]
            name = name.rsplit(".", 1)[0] if "." in name else ""
        return None

    def _compare_stage_groups(self, case: Case) -> None:
        for entry, group, prefix in self.groups:
            derived = None
            m = case.distant.cm if case.distant else None
            if prefix is Prefix.c and case.mri is not None and m is not None:
                derived = stage(case.mri.ct, case.mri.cn, m).group
            elif prefix is Prefix.p and case.pathology and case.pathology.n and m is not None:
                derived = stage(case.pathology.t, case.pathology.n, m).group
            if derived is None:
                self.notes.append(
                    f"{entry.path}: stage group {group} not compared (its T, N and M are not all "
                    "in the case); RectoPlan derives stage groups itself"
                )
            elif derived != group:
                self.notes.append(
                    f"{entry.path}: the bundle's stage group {group} differs from the AJCC 8 "
                    f"group {derived} of the imported categories; RectoPlan uses {derived}"
                )


def _has(container: list | dict, part: str | int) -> bool:
    if isinstance(container, list):
        return isinstance(part, int) and 0 <= part < len(container)
    return part in container


def _settled(name: str | None, overrides: Mapping[str, Any]) -> bool:
    """Whether an override sets ``name`` or a section that contains it."""
    return name is not None and any(name == o or name.startswith(f"{o}.") for o in overrides)


def _years(age: Mapping[str, Any]) -> int | None:
    unit, value = age.get("code") or age.get("unit"), age.get("value")
    if value is None:
        return None
    if unit in ("a", "yr", "years", "year"):
        return int(value)
    if unit == "mo":
        return int(value) // 12
    return None


def _ajcc_value(value: Mapping[str, Any]) -> str | None:
    """The AJCC category text of a TNM value: its AJCC code, else a known SNOMED code's."""
    for coding in codings(value):
        if coding.get("system") == fc.AJCC and coding.get("code"):
            return str(coding["code"])
    for written, code in fc.SNOMED_TNM_VALUES.items():
        if find(value, [code]) is not None:
            return written
    return None

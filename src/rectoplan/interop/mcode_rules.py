"""The mCODE STU4 rules ``fhir.resources`` does not enforce, checked on a bundle's JSON.

``fhir.resources.R4B`` validates FHIR structure only: it accepts a tumour-size Observation
without its component, a TNM category without ``method``, a T observation coded as an N
category, ``Patient.gender = "xyz"``, a reference to nothing and any ``meta.profile``. Without
the HL7 validator and the IG packages (not reachable here), these checks stand in for it for the
profiles RectoPlan uses:

- profiles: a resource whose content makes it an mCODE kind (a T category, a tumour size, the
  radiotherapy course summary ...) claims that profile in ``meta.profile``;
- required elements and cardinalities of each claimed profile (`RULES`, from the mCODE STU4
  data dictionary; tests check them against it) and fixed codes (tumour size 21889-1, course
  summary 1217123003, ECOG 89247-1);
- required bindings of the base resources (status codes, gender, condition statuses) and, as
  RectoPlan's own rule, the TNM staging-type and staging-method value sets and AJCC values that
  parse for their axis (mCODE binds these "preferred"; a wrong one is still an error here);
- invariants: tumour size has a focus or a specimen but not both; a stage group has at most
  three members that resolve to T, N and M categories and agree with its value; a radiotherapy
  dose names a radiotherapy volume; surgery and radiotherapy give a reason (a warning, as in
  the IG);
- every reference resolves inside the bundle and every ``subject`` is the Patient;
- every date, dateTime and instant is a real date.

Value sets defined by SNOMED CT hierarchy (primary cancer, surgical procedures, TNM SNOMED
values) cannot be expanded offline; those bindings are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fhir.resources.R4B.bundle import Bundle

from rectoplan.clinical.staging import stage
from rectoplan.clinical.tnm import parse_category
from rectoplan.errors import FieldError
from rectoplan.interop import fhir_codes as fc
from rectoplan.interop.fhir_bundle import BundleIndex, Entry, date_problem, is_date_key, walk
from rectoplan.interop.fhir_codes import Axis, Code, Profile, codings, find, profile_of


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where, which rule, what is wrong."""

    element: str
    rule: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.element}: {self.message} [{self.rule}]"


@dataclass(frozen=True, slots=True)
class ProfileRules:
    """What one profile requires beyond FHIR structure (`RULES`)."""

    resource_type: str
    required: tuple[str, ...]
    fixed: tuple[tuple[str, Code], ...] = ()
    only: tuple[tuple[str, tuple[str, ...]], ...] = ()
    not_used: tuple[str, ...] = ()


_TNM = ("status", "code", "subject", "method")
_ONLY_CONCEPT = (("value[x]", ("valueCodeableConcept",)),)
_CONDITION = ProfileRules("Condition", ("category", "code", "subject"))
_CATEGORY = ProfileRules(
    "Observation", _TNM, only=_ONLY_CONCEPT, not_used=("device", "referenceRange", "hasMember")
)

RULES: Mapping[Profile, ProfileRules] = {
    Profile.patient: ProfileRules("Patient", ("identifier", "name", "gender")),
    Profile.primary_condition: _CONDITION,
    Profile.secondary_condition: _CONDITION,
    Profile.t_category: _CATEGORY,
    Profile.n_category: _CATEGORY,
    Profile.m_category: _CATEGORY,
    Profile.stage_group: ProfileRules(
        "Observation", (*_TNM, "focus"), only=_ONLY_CONCEPT, not_used=("component",)
    ),
    Profile.tumor: ProfileRules("BodyStructure", ("identifier", "location", "patient")),
    Profile.tumor_size: ProfileRules(
        "Observation", ("code", "subject", "component"), fixed=(("code", fc.TUMOR_SIZE),)
    ),
    Profile.tumor_marker: ProfileRules(
        "Observation",
        ("status", "category", "code", "subject", "value[x]"),
        fixed=(("category", fc.LABORATORY),),
    ),
    Profile.ecog: ProfileRules(
        "Observation",
        ("status", "code", "subject"),
        fixed=(("code", fc.ECOG),),
        only=(("value[x]", ("valueInteger",)),),
    ),
    Profile.specimen: ProfileRules("Specimen", ("type",)),
    Profile.surgery: ProfileRules("Procedure", ("status", "code", "subject")),
    Profile.radiotherapy: ProfileRules(
        "Procedure",
        ("status", "code", "subject", "category"),
        fixed=(("code", fc.RADIOTHERAPY_COURSE), ("category", fc.RADIOTHERAPY_CATEGORY)),
        only=(("performed[x]", ("performedPeriod",)),),
    ),
    Profile.radiotherapy_volume: ProfileRules("BodyStructure", ("patient",)),
    Profile.medication: ProfileRules(
        "MedicationAdministration", ("status", "medication[x]", "subject", "effective[x]")
    ),
}
"""Required elements (``x[x]`` = any choice), fixed codes, allowed choice types and elements the
profile excludes, per mCODE STU4 profile (data dictionary "Required", ``SD_*.fsh`` for the rest).
"""

_STATUS: Mapping[str, frozenset[str]] = {
    "Observation": fc.OBSERVATION_STATUS,
    "Procedure": fc.EVENT_STATUS,
    "MedicationAdministration": fc.MEDICATION_ADMIN_STATUS,
    "Specimen": fc.SPECIMEN_STATUS,
}
_CONDITION_STATUS: Mapping[str, tuple[str, frozenset[str]]] = {
    "clinicalStatus": (fc.CONDITION_CLINICAL, fc.CONDITION_CLINICAL_STATUS),
    "verificationStatus": (fc.CONDITION_VERIFICATION, fc.CONDITION_VERIFICATION_STATUS),
}


def check_bundle(bundle: Mapping[str, Any] | Bundle) -> list[Violation]:
    """Every mCODE rule the bundle breaks (errors and warnings), in entry order."""
    raw = bundle if isinstance(bundle, Mapping) else bundle.model_dump(mode="json")
    return list(_Checker(raw).violations())


def errors(bundle: Mapping[str, Any] | Bundle) -> list[Violation]:
    """The violations of severity ``error``."""
    return [v for v in check_bundle(bundle) if v.severity == "error"]


def expected_profile(resource: Mapping[str, Any]) -> Profile | None:
    """The mCODE profile a resource's content makes it (what it should claim), if any."""
    rtype, code = resource.get("resourceType"), resource.get("code")
    if rtype == "Patient":
        return Profile.patient
    if rtype == "Condition":
        if find(code, fc.RECTAL_PRIMARY_CODES):
            return Profile.primary_condition
        icd = [c.get("code", "") for c in codings(code) if c.get("system") == fc.ICD10CM]
        if any(fc.site_from_icd10(i) for i in icd):
            return Profile.secondary_condition
        return None
    if rtype == "Observation":
        for (axis, _kind), candidates in fc.STAGING_TYPES.items():
            if find(code, candidates):
                return fc.AXIS_PROFILE[axis]
        by_code = {fc.TUMOR_SIZE: Profile.tumor_size, fc.ECOG: Profile.ecog}
        by_code |= {c: Profile.tumor_marker for c in fc.CEA_ALTERNATIVES}
        found = find(code, by_code)
        return by_code[found] if found else None
    if rtype == "Procedure":
        if find(code, [fc.RADIOTHERAPY_COURSE]):
            return Profile.radiotherapy
        local = [c for c in codings(code) if c.get("system") == fc.LOCAL_OPERATION]
        return Profile.surgery if local else None
    if rtype == "MedicationAdministration":
        local = [c for c in codings(resource.get("category")) if c.get("system") == fc.LOCAL_COURSE]
        return Profile.medication if local else None
    return None


def _present(resource: Mapping[str, Any], element: str) -> bool:
    if element.endswith("[x]"):
        stem = element[:-3]
        return any(k.startswith(stem) and k[len(stem) :][:1].isupper() for k in resource)
    value = resource.get(element)
    return value not in (None, [], {}, "")


class _Checker:
    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.index = BundleIndex(raw)

    def violations(self) -> Iterator[Violation]:
        yield from self.bundle_rules()
        for entry in self.index.entries:
            yield from self.resource_rules(entry)
        yield from self.reference_rules()
        yield from self.date_rules()

    # --- the bundle --------------------------------------------------------------------------

    def bundle_rules(self) -> Iterator[Violation]:
        raw = self.raw
        claims = {str(p) for p in (raw.get("meta") or {}).get("profile") or ()}
        if Profile.bundle.value in claims:
            if raw.get("type") != "collection":
                yield Violation("Bundle.type", "fixed", "mcode-patient-bundle is a collection")
            patients = [
                e
                for e in self.index.of_type("Patient")
                if Profile.patient in profile_of(e.resource)
            ]
            if len(patients) != 1:
                yield Violation(
                    "Bundle.entry",
                    "cardinality",
                    f"mcode-patient-bundle needs exactly one CancerPatient, found {len(patients)}",
                )
        for i, entry in enumerate(raw.get("entry") or ()):
            if not entry.get("fullUrl"):
                yield Violation(
                    f"Bundle.entry[{i}].fullUrl",
                    "required",
                    "entries need a fullUrl to be referenced",
                )

    # --- one resource -----------------------------------------------------------------------

    def resource_rules(self, entry: Entry) -> Iterator[Violation]:
        resource = entry.resource
        claimed = profile_of(resource)
        expected = expected_profile(resource)
        if expected is not None and expected not in claimed:
            yield Violation(entry.at("meta", "profile"), "profile", f"does not claim {expected}")
        for profile in claimed:
            yield from self.profile_rules(entry, profile)
        yield from self.binding_rules(entry)
        if Profile.tumor_size in claimed:
            yield from self.tumour_size_rules(entry)
        if claimed & {Profile.t_category, Profile.n_category, Profile.m_category}:
            yield from self.category_rules(entry, claimed)
        if Profile.stage_group in claimed:
            yield from self.stage_group_rules(entry)
        procedure = claimed & {Profile.surgery, Profile.radiotherapy}
        if procedure and not (resource.get("reasonCode") or resource.get("reasonReference")):
            yield Violation(
                entry.at("reasonReference"),
                "mcode-reason-required",
                "a cancer-related procedure should give reasonCode or reasonReference",
                "warning",
            )
        if Profile.radiotherapy in claimed:
            yield from self.radiotherapy_rules(entry)
        if Profile.radiotherapy_volume in claimed and not (
            resource.get("description") or resource.get("identifier")
        ):
            yield Violation(
                entry.path, "mcode-description-or-id-required", "needs description or identifier"
            )

    def profile_rules(self, entry: Entry, profile: Profile) -> Iterator[Violation]:
        rules = RULES.get(profile)
        if rules is None:
            return
        resource = entry.resource
        name = profile.value.rsplit("/", 1)[-1]
        if entry.type != rules.resource_type:
            yield Violation(entry.path, "profile", f"{name} profiles a {rules.resource_type}")
            return
        for element in rules.required:
            if not _present(resource, element):
                yield Violation(entry.at(element), "required", f"{name} requires {element}")
        for element, code in rules.fixed:
            value = resource.get(element)
            values = value if isinstance(value, list) else [value]
            if element in resource and not any(find(v, [code]) for v in values):
                yield Violation(
                    entry.at(element),
                    "fixed",
                    f"{name} fixes {element} to {code.system}|{code.code}",
                )
        for element, allowed in rules.only:
            stem = element[:-3]
            for key in resource:
                if key.startswith(stem) and key[len(stem) :][:1].isupper() and key not in allowed:
                    yield Violation(
                        entry.at(key), "type", f"{name} allows only {', '.join(allowed)}"
                    )
        for element in rules.not_used:
            if _present(resource, element):
                yield Violation(entry.at(element), "not-used", f"{name} does not use {element}")

    def binding_rules(self, entry: Entry) -> Iterator[Violation]:
        resource = entry.resource
        allowed = _STATUS.get(entry.type)
        if allowed is not None and "status" in resource and resource["status"] not in allowed:
            yield Violation(
                entry.at("status"),
                "binding",
                f"{resource['status']!r} is not a {entry.type} status",
            )
        if entry.type == "Patient" and resource.get("gender") not in (
            None,
            *fc.ADMINISTRATIVE_GENDER,
        ):
            yield Violation(
                entry.at("gender"),
                "binding",
                f"{resource['gender']!r} is not in AdministrativeGender",
            )
        if entry.type == "Condition":
            for element, (system, codes) in _CONDITION_STATUS.items():
                for coding in codings(resource.get(element)):
                    if coding.get("system") != system or coding.get("code") not in codes:
                        yield Violation(
                            entry.at(element),
                            "binding",
                            f"{coding.get('system')}|{coding.get('code')} is not in {system}",
                        )

    def category_rules(self, entry: Entry, claimed: set[Profile]) -> Iterator[Violation]:
        resource = entry.resource
        axis = next(a for a, p in fc.AXIS_PROFILE.items() if p in claimed)
        yield from self.staging_code_rules(entry, axis)
        value = resource.get("valueCodeableConcept")
        if value is None:
            return
        ajcc = [c.get("code") for c in codings(value) if c.get("system") == fc.AJCC]
        snomed = find(value, fc.SNOMED_TNM_VALUES.values())
        if not ajcc and snomed is None:
            yield Violation(
                entry.at("valueCodeableConcept"),
                "binding",
                f"no AJCC ({fc.AJCC}) or known SNOMED CT {axis} category",
            )
        for code in ajcc:
            try:
                parse_category(str(code), axis.value)
            except FieldError as exc:
                yield Violation(entry.at("valueCodeableConcept"), "binding", exc.message)

    def staging_code_rules(self, entry: Entry, axis: Axis) -> Iterator[Violation]:
        resource = entry.resource
        allowed = [c for (a, _), codes in fc.STAGING_TYPES.items() if a is axis for c in codes]
        if "code" in resource and find(resource["code"], allowed) is None:
            yield Violation(
                entry.at("code"),
                "binding",
                f"{_describe(resource['code'])} is not a {axis} staging type of mCODE STU4",
            )
        if "method" in resource and find(resource["method"], fc.TNM_STAGING_METHODS) is None:
            yield Violation(
                entry.at("method"),
                "binding",
                f"{_describe(resource['method'])} is not in mCODE TNMStagingMethodVS",
            )
        focus = resource.get("focus") or []
        for i, reference in enumerate(focus):
            target = self.index.resolve(reference)
            if target is not None and Profile.primary_condition not in profile_of(target.resource):
                yield Violation(
                    entry.at("focus", i), "reference", "focus must be the PrimaryCancerCondition"
                )

    def stage_group_rules(self, entry: Entry) -> Iterator[Violation]:
        resource = entry.resource
        yield from self.staging_code_rules(entry, Axis.group)
        if len(resource.get("focus") or ()) > 1:
            yield Violation(entry.at("focus"), "cardinality", "a stage group has one focus")
        members = resource.get("hasMember") or []
        if len(members) > 3:
            yield Violation(entry.at("hasMember"), "cardinality", "at most 3 TNM categories")
        categories: dict[Axis, str] = {}
        for i, reference in enumerate(members):
            target = self.index.resolve(reference)
            if target is None:
                continue
            axes = [a for a, p in fc.AXIS_PROFILE.items() if p in profile_of(target.resource)]
            if not axes or axes[0] is Axis.group:
                yield Violation(
                    entry.at("hasMember", i),
                    "reference",
                    "members must be TNM category observations",
                )
                continue
            codes = codings(target.resource.get("valueCodeableConcept"))
            ajcc = [c.get("code") for c in codes if c.get("system") == fc.AJCC]
            if ajcc:
                categories[axes[0]] = str(ajcc[0])
        value = resource.get("valueCodeableConcept")
        written = [c.get("code") for c in codings(value) if c.get("system") == fc.AJCC]
        group = fc.stage_group_from_code(str(written[0])) if written else None
        if written and group is None:
            yield Violation(
                entry.at("valueCodeableConcept"), "binding", f"{written[0]!r} is not an AJCC group"
            )
        if group and len(categories) == 3:
            try:
                derived = stage(categories[Axis.T], categories[Axis.N], categories[Axis.M])
            except FieldError:
                return
            if derived.stageable and derived.group != group:
                yield Violation(
                    entry.at("valueCodeableConcept"),
                    "stage-consistency",
                    f"stage {group} disagrees with its members "
                    f"({', '.join(categories.values())} give {derived.group})",
                )

    def tumour_size_rules(self, entry: Entry) -> Iterator[Violation]:
        resource = entry.resource
        if bool(resource.get("focus")) == bool(resource.get("specimen")):
            yield Violation(
                entry.path,
                "must-have-focus-or-specimen-invariant",
                "a tumour size has a focus or a specimen, not both and not neither",
            )
        components = resource.get("component") or []
        longest = [c for c in components if find(c.get("code"), [fc.TUMOR_LONGEST])]
        other = [c for c in components if find(c.get("code"), [fc.TUMOR_OTHER])]
        if len(longest) != 1:
            yield Violation(
                entry.at("component"),
                "cardinality",
                f"needs exactly one tumorLongestDimension (LOINC 33728-7), found {len(longest)}",
            )
        if len(other) > 2:
            yield Violation(entry.at("component"), "cardinality", "at most 2 tumorOtherDimension")
        for i, component in enumerate(components):
            quantity = component.get("valueQuantity")
            if quantity is None:
                continue
            if quantity.get("system") != fc.UCUM or quantity.get("code") not in fc.TUMOR_SIZE_UNITS:
                yield Violation(
                    entry.at("component", i, "valueQuantity"),
                    "binding",
                    "tumour size units are UCUM cm or mm",
                )

    def radiotherapy_rules(self, entry: Entry) -> Iterator[Violation]:
        for i, extension in enumerate(entry.resource.get("extension") or ()):
            if extension.get("url") != fc.EXT_RT_DOSE:
                continue
            parts = {e.get("url"): e for e in extension.get("extension") or ()}
            volume = (parts.get("volume") or {}).get("valueReference")
            target = self.index.resolve(volume)
            if volume is None:
                yield Violation(
                    entry.at("extension", i), "required", "doseDeliveredToVolume needs a volume"
                )
            elif target is not None and Profile.radiotherapy_volume not in profile_of(
                target.resource
            ):
                yield Violation(
                    entry.at("extension", i, "volume"),
                    "reference",
                    "the volume must be a RadiotherapyVolume BodyStructure",
                )
            quantity = (parts.get("totalDoseDelivered") or {}).get("valueQuantity")
            if quantity is not None and (
                quantity.get("system") != fc.UCUM or quantity.get("code") != fc.CGY
            ):
                yield Violation(
                    entry.at("extension", i, "totalDoseDelivered"),
                    "fixed",
                    "totalDoseDelivered is in UCUM cGy",
                )

    # --- across resources ---------------------------------------------------------------------

    def reference_rules(self) -> Iterator[Violation]:
        for entry in self.index.entries:
            for path, key, value in walk(entry.resource, entry.path):
                if key != "reference" or not isinstance(value, str) or value.startswith("#"):
                    continue
                target = self.index.resolve(value)
                if target is None:
                    yield Violation(path, "reference", f"{value!r} is not an entry of this bundle")
                elif path.endswith((".subject.reference", ".patient.reference")) and (
                    target.type != "Patient"
                ):
                    yield Violation(path, "reference", f"must be the Patient, not {target.type}")

    def date_rules(self) -> Iterator[Violation]:
        top = {k: v for k, v in self.raw.items() if k != "entry"}
        places = [(top, "Bundle")] + [(e.resource, e.path) for e in self.index.entries]
        for value, base in places:
            for path, key, item in walk(value, base):
                if isinstance(item, str) and is_date_key(key) and (reason := date_problem(item)):
                    yield Violation(path, "date", reason)


def _describe(concept: Mapping[str, Any]) -> str:
    first = next(iter(codings(concept)), {})
    return f"{first.get('system', '?')}|{first.get('code', '?')}"

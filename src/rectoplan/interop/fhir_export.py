"""A case as an mCODE STU4 collection Bundle (FHIR R4, checked with ``fhir.resources.R4B``).

The export is a pure function of the case: resource ids are UUIDs derived from the case id and
the resource's role, and no timestamp is written, so the same case always gives the same bundle
(a receiver can de-duplicate, a test can compare). ``docs/fhir-mapping.md`` has the field-by-
field table; the decisions that are not obvious from it:

Post-therapy staging (yc, yp). mCODE's staging-type value sets (``Observation.code``) offer
only clinical, pathologic and generic codes, while its T, N and stage-group *value* sets include
the post-therapy hierarchies (ypT 1222595002, ypN 1222596001, yp stage group 1222594003). So the
y-prefix is carried in the value, where mCODE itself puts it, and the code says what kind of
classification it is: ypT/ypN are pathologic categories (``code`` = SNOMED 384625004 pT /
371494008 pN) with AJCC values ``ypT0`` / ``ypN1a`` in ``http://cancerstaging.org``; ycT/ycN at
restaging are clinical (399504009 cT / 399534004 cN) with values ``ycT2`` / ``ycN0``. Every code
stays inside mCODE's value sets (no local code, no extension), a receiver that filters on
"pathologic staging" finds the yp stage, and a receiver that reads values sees the y. SNOMED value
codes are written beside the AJCC code only for plain c/p values from the mCODE examples, never
for y values (no verified SNOMED yp codes were available). The yp stage group is a pathologic
stage group (399588009) whose ``hasMember`` are the ypT, ypN and the clinical M, and whose text
says "post-therapy".

Stage groups are written only when AJCC 8 gives one (`clinical.staging.stage`): ypT0N0 (a
pathological complete response) and a bare N2 where it matters have none, and yc staging has no
M, so it has no group.

Case fields mCODE cannot hold are carried in FHIR's own elements where one fits (``onsetAge``
for the age at diagnosis, ``Specimen.collection.method`` for the operation that produced the
specimen, ``MedicationAdministration.partOf`` for chemotherapy given with radiotherapy, the core
``procedure-method`` extension for the approach) and otherwise in local codes under
`fhir_codes.LOCAL`, each beside a standard code or a display text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from rectoplan.clinical.case import (
    Case,
    ChemotherapyCourse,
    ImmunotherapyCourse,
    Operation,
    Pathology,
)
from rectoplan.clinical.staging import stage
from rectoplan.clinical.tnm import Prefix
from rectoplan.interop import fhir_codes as fc
from rectoplan.interop.fhir_codes import Axis, Code, Profile, StagingType, concept

_NAMESPACE = uuid.UUID("6f1c2d2a-3b7e-5c61-9a0e-2f4b8d6c1e70")
"""Fixed namespace for the uuid5 resource ids (any constant would do; it must never change)."""

_PREFIX_TEXT = {
    Prefix.c: "clinical",
    Prefix.p: "pathological",
    Prefix.yc: "post-therapy clinical (yc)",
    Prefix.yp: "post-therapy pathological (yp)",
}


def case_to_bundle(case: Case) -> Bundle:
    """The case as an mCODE STU4 collection Bundle (an ``fhir.resources.R4B`` model)."""
    return Bundle.model_validate(bundle_json(case))


def bundle_json(case: Case) -> dict[str, Any]:
    """The FHIR JSON of `case_to_bundle` (the model is the checked form of this)."""
    return _Writer(case).bundle()


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": fc.UCUM, "code": unit}


def _absent() -> dict[str, Any]:
    return {"extension": [{"url": fc.EXT_DATA_ABSENT, "valueCode": "unknown"}]}


def _period(start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    """A Period, or one marked data-absent: US Core needs ``performed`` on a completed event."""
    period = {k: v.isoformat() for k, v in (("start", start), ("end", end)) if v is not None}
    return period or _absent()


def _status(start: dt.date | None, end: dt.date | None) -> str:
    """A course with an end date is completed; one with only a start is in progress."""
    if end is not None:
        return "completed"
    return "in-progress" if start is not None else "unknown"


def _ajcc(value: str) -> Code:
    return Code(fc.AJCC, value, f"AJCC {value}", source="ajcc_code_system", verified=False)


class _Writer:
    """Builds the entries of one case's bundle; references are the entries' ``urn:uuid``s."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.entries: list[dict[str, Any]] = []

    # --- plumbing ---------------------------------------------------------------------------

    def _id(self, role: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.case.case_id}/{role}"))

    def ref(self, role: str) -> dict[str, str]:
        return {"reference": f"urn:uuid:{self._id(role)}"}

    def add(self, role: str, resource: dict[str, Any], profile: Profile | None = None) -> None:
        body: dict[str, Any] = {"resourceType": resource.pop("resourceType"), "id": self._id(role)}
        if profile is not None:
            body["meta"] = {"profile": [profile.value]}
        body.update(resource)
        self.entries.append({"fullUrl": f"urn:uuid:{self._id(role)}", "resource": body})

    def observation(
        self, role: str, code: dict[str, Any], profile: Profile | None, **elements: Any
    ) -> None:
        resource = {"resourceType": "Observation", "status": "final", "code": code}
        resource["subject"] = self.ref("patient")
        resource.update({k: v for k, v in elements.items() if v is not None})
        self.add(role, resource, profile)

    # --- the bundle -------------------------------------------------------------------------

    def bundle(self) -> dict[str, Any]:
        case = self.case
        self.patient()
        self.primary_condition()
        self.tumour()
        self.metastases()
        self.baseline_observations()
        self.clinical_staging()
        if case.neoadjuvant is not None:
            self.neoadjuvant()
        if case.restaging is not None:
            self.post_therapy_clinical_staging()
        for i, operation in enumerate(case.operations):
            self.operation(i, operation)
        if case.pathology is not None:
            self.pathology(case.pathology)
        return {
            "resourceType": "Bundle",
            "id": self._id("bundle"),
            "meta": {"profile": [Profile.bundle.value]},
            "identifier": {"system": fc.CASE_ID_SYSTEM, "value": case.case_id},
            "type": "collection",
            "entry": self.entries,
        }

    def patient(self) -> None:
        self.add(
            "patient",
            {
                "resourceType": "Patient",
                "identifier": [{"system": fc.CASE_ID_SYSTEM, "value": self.case.case_id}],
                # US Core requires a name; a pseudonymised case has none to give.
                "name": [{"extension": [{"url": fc.EXT_DATA_ABSENT, "valueCode": "masked"}]}],
                "gender": self.case.patient.sex.value,
            },
            Profile.patient,
        )

    def primary_condition(self) -> None:
        case = self.case
        extensions = []
        if case.diagnosis_date is not None:
            extensions.append(
                {"url": fc.EXT_ASSERTED_DATE, "valueDateTime": case.diagnosis_date.isoformat()}
            )
        histology = fc.HISTOLOGY[case.tumour.histology]
        extensions.append({"url": fc.EXT_HISTOLOGY, "valueCodeableConcept": concept(histology)})
        self.add(
            "condition",
            {
                "resourceType": "Condition",
                "extension": extensions,
                "clinicalStatus": concept(fc.CONDITION_ACTIVE),
                "verificationStatus": concept(fc.CONDITION_CONFIRMED),
                "category": [concept(fc.PROBLEM_LIST_ITEM)],
                "code": concept(fc.RECTAL_CANCER, fc.RECTAL_CANCER_ICD10, text="Rectal cancer"),
                "bodySite": [concept(fc.RECTUM)],
                "subject": self.ref("patient"),
                "onsetAge": _quantity(case.patient.age_years, "a"),
            },
            Profile.primary_condition,
        )

    def tumour(self) -> None:
        self.add(
            "tumour",
            {
                "resourceType": "BodyStructure",
                "extension": [
                    {"url": fc.EXT_RELATED_CONDITION, "valueReference": self.ref("condition")}
                ],
                "identifier": [
                    {"system": fc.TUMOUR_ID_SYSTEM, "value": f"{self.case.case_id}/primary"}
                ],
                "morphology": concept(fc.HISTOLOGY[self.case.tumour.histology]),
                "location": concept(fc.RECTUM),
                "patient": self.ref("patient"),
            },
            Profile.tumor,
        )

    def metastases(self) -> None:
        if self.case.distant is None:
            return
        for site in self.case.distant.sites:
            self.add(
                f"metastasis/{site.value}",
                {
                    "resourceType": "Condition",
                    "extension": [
                        {"url": fc.EXT_RELATED_CONDITION, "valueReference": self.ref("condition")}
                    ],
                    "clinicalStatus": concept(fc.CONDITION_ACTIVE),
                    "verificationStatus": concept(fc.CONDITION_CONFIRMED),
                    "category": [concept(fc.PROBLEM_LIST_ITEM)],
                    "code": concept(fc.SECONDARY_SITES[site]),
                    "subject": self.ref("patient"),
                },
                Profile.secondary_condition,
            )

    def _diagnosed(self) -> str | None:
        date = self.case.diagnosis_date
        return date.isoformat() if date else None

    def baseline_observations(self) -> None:
        case, when = self.case, self._diagnosed()
        tumour = case.tumour
        modality = fc.HEIGHT_MODALITY.get(tumour.height_modality)  # type: ignore[arg-type]
        self.observation(
            "anal-verge-distance",
            concept(fc.DISTANCE_FROM_ANAL_VERGE, text="Distance of the tumour from the anal verge"),
            None,
            focus=[self.ref("condition")],
            effectiveDateTime=when,
            valueQuantity=_quantity(tumour.distance_from_anal_verge_cm, "cm"),
            method=concept(*modality) if modality else None,
        )
        self.observation(
            "tumour-size",
            concept(fc.TUMOR_SIZE),
            Profile.tumor_size,
            focus=[self.ref("tumour")],
            effectiveDateTime=when,
            component=[self._longest(tumour.longest_diameter_cm)],
        )
        if tumour.cea_ng_ml is not None:
            self.observation(
                "cea",
                concept(fc.CEA),
                Profile.tumor_marker,
                extension=[
                    {"url": fc.EXT_RELATED_CONDITION, "valueReference": self.ref("condition")}
                ],
                category=[concept(fc.LABORATORY)],
                effectiveDateTime=when,
                valueQuantity=_quantity(tumour.cea_ng_ml, "ng/mL"),
            )
        if case.patient.ecog is not None:
            self.observation(
                "ecog",
                concept(fc.ECOG),
                Profile.ecog,
                effectiveDateTime=when,
                valueInteger=case.patient.ecog,
            )

    @staticmethod
    def _longest(cm: float) -> dict[str, Any]:
        return {"code": concept(fc.TUMOR_LONGEST), "valueQuantity": _quantity(cm, "cm")}

    # --- staging ----------------------------------------------------------------------------

    def category(
        self,
        role: str,
        axis: Axis,
        prefix: Prefix,
        value: str,
        effective: str | None,
        **elements: Any,
    ) -> None:
        """A T, N or M category: the staging-type code says c or p, the value keeps the y."""
        kind = StagingType.pathologic if prefix in (Prefix.p, Prefix.yp) else StagingType.clinical
        written = f"{prefix.value}{value}"
        self.observation(
            role,
            concept(fc.STAGING_TYPES[(axis, kind)][0]),
            fc.AXIS_PROFILE[axis],
            focus=[self.ref("condition")],
            effectiveDateTime=effective,
            valueCodeableConcept=concept(_ajcc(written), fc.SNOMED_TNM_VALUES.get(written)),
            method=concept(fc.AJCC_8),
            **elements,
        )

    def stage_group(
        self, m_role: str, prefix: Prefix, t: str, n: str, m: str, effective: str | None
    ) -> None:
        """The AJCC 8 group of T, N, M when there is one; ``hasMember`` are the three.

        The M member is the clinical M (``m_role``) for every group: AJCC writes a pathological
        stage as pT pN cM unless metastasis was proven on a specimen.
        """
        result = stage(t, n, m)
        if not result.stageable:
            return
        kind = StagingType.pathologic if prefix in (Prefix.p, Prefix.yp) else StagingType.clinical
        snomed = None if prefix is Prefix.yp else fc.SNOMED_STAGE_VALUES.get(result.group)
        text = f"AJCC 8 stage {result.group} ({_PREFIX_TEXT[prefix]})"
        self.observation(
            f"{prefix.value}/group",
            concept(fc.STAGING_TYPES[(Axis.group, kind)][0]),
            Profile.stage_group,
            focus=[self.ref("condition")],
            effectiveDateTime=effective,
            valueCodeableConcept=concept(
                _ajcc(fc.ajcc_stage_code(result.group)), snomed, text=text
            ),
            method=concept(fc.AJCC_8),
            hasMember=[
                self.ref(f"{prefix.value}/T"),
                self.ref(f"{prefix.value}/N"),
                self.ref(m_role),
            ],
        )

    def clinical_staging(self) -> None:
        case, when = self.case, self._diagnosed()
        if case.mri is not None:
            self.category("c/T", Axis.T, Prefix.c, case.mri.ct.value, when)
            self.category("c/N", Axis.N, Prefix.c, case.mri.cn.value, when)
        if case.distant is not None and case.distant.cm is not None:
            self.category("c/M", Axis.M, Prefix.c, case.distant.cm.value, when)
            if case.mri is not None:
                self.stage_group("c/M", Prefix.c, case.mri.ct, case.mri.cn, case.distant.cm, when)

    def post_therapy_clinical_staging(self) -> None:
        restaging = self.case.restaging
        assert restaging is not None
        when = restaging.date.isoformat() if restaging.date else None
        if restaging.yct is not None:
            self.category("yc/T", Axis.T, Prefix.yc, restaging.yct.value, when)
        if restaging.ycn is not None:
            self.category("yc/N", Axis.N, Prefix.yc, restaging.ycn.value, when)

    # --- treatment --------------------------------------------------------------------------

    def neoadjuvant(self) -> None:
        neoadjuvant = self.case.neoadjuvant
        assert neoadjuvant is not None
        rt = neoadjuvant.radiotherapy
        if rt is not None:
            self.radiotherapy_volume()
            status = _status(rt.start_date, rt.end_date)
            self.add(
                "radiotherapy",
                {
                    "resourceType": "Procedure",
                    "extension": [
                        {"url": fc.EXT_RT_SESSIONS, "valueUnsignedInt": rt.fractions},
                        {
                            "url": fc.EXT_RT_DOSE,
                            "extension": [
                                {
                                    "url": "volume",
                                    "valueReference": self.ref("radiotherapy-volume"),
                                },
                                {
                                    "url": "totalDoseDelivered",
                                    "valueQuantity": _quantity(
                                        round(rt.total_dose_gy * 100, 4), fc.CGY
                                    ),
                                },
                                {"url": "fractionsDelivered", "valueUnsignedInt": rt.fractions},
                            ],
                        },
                    ],
                    "status": status,
                    "category": concept(fc.RADIOTHERAPY_CATEGORY),
                    "code": concept(fc.RADIOTHERAPY_COURSE),
                    "subject": self.ref("patient"),
                    "performedPeriod": _period(rt.start_date, rt.end_date),
                    "reasonReference": [self.ref("condition")],
                    "bodySite": [concept(fc.RECTUM), concept(fc.PELVIC_NODES)],
                },
                Profile.radiotherapy,
            )
            if rt.concurrent_chemotherapy is not None:
                self.medication(
                    "radiotherapy/concurrent",
                    fc.CourseKind.concurrent,
                    concept(
                        fc.REGIMENS[rt.concurrent_chemotherapy],
                        text=rt.concurrent_chemotherapy.value,
                    ),
                    status,
                    _period(rt.start_date, rt.end_date),
                    partOf=[self.ref("radiotherapy")],
                )
        for i, course in enumerate(neoadjuvant.chemotherapy):
            self.chemotherapy(i, course)
        if neoadjuvant.immunotherapy is not None:
            self.immunotherapy(neoadjuvant.immunotherapy)

    def radiotherapy_volume(self) -> None:
        self.add(
            "radiotherapy-volume",
            {
                "resourceType": "BodyStructure",
                "identifier": [
                    {
                        "use": "usual",
                        "system": fc.TUMOUR_ID_SYSTEM,
                        "value": f"{self.case.case_id}/pelvis",
                    }
                ],
                "description": "Pelvis: rectum, mesorectum and regional lymph nodes",
                "location": concept(fc.RECTUM),
                "patient": self.ref("patient"),
            },
            Profile.radiotherapy_volume,
        )

    def medication(
        self,
        role: str,
        kind: fc.CourseKind,
        medication: dict[str, Any],
        status: str,
        period: dict[str, Any],
        cycles: int | None = None,
        **elements: Any,
    ) -> None:
        resource: dict[str, Any] = {"resourceType": "MedicationAdministration"}
        if cycles is not None:
            resource["extension"] = [{"url": fc.EXT_CYCLES, "valuePositiveInt": cycles}]
        resource.update(
            status=status,
            category=concept(fc.COURSE_KINDS[kind]),
            medicationCodeableConcept=medication,
            subject=self.ref("patient"),
            effectivePeriod=period,
            reasonReference=[self.ref("condition")],
            **elements,
        )
        self.add(role, resource, Profile.medication)

    def chemotherapy(self, i: int, course: ChemotherapyCourse) -> None:
        kind = (
            fc.CourseKind.induction if course.timing == "induction" else fc.CourseKind.consolidation
        )
        self.medication(
            f"chemotherapy/{i}",
            kind,
            concept(fc.REGIMENS[course.regimen], text=course.regimen.value),
            _status(course.start_date, course.end_date),
            _period(course.start_date, course.end_date),
            course.cycles,
        )

    def immunotherapy(self, course: ImmunotherapyCourse) -> None:
        self.medication(
            "immunotherapy",
            fc.CourseKind.immunotherapy,
            {"text": course.agent},
            _status(course.start_date, course.end_date),
            _period(course.start_date, course.end_date),
            course.cycles,
        )

    def operation(self, i: int, operation: Operation) -> None:
        local_code, snomed = fc.OPERATIONS[operation.type]
        resource: dict[str, Any] = {"resourceType": "Procedure"}
        if operation.approach is not None:
            resource["extension"] = [
                {
                    "url": fc.EXT_PROCEDURE_METHOD,
                    "valueCodeableConcept": concept(fc.APPROACHES[operation.approach]),
                }
            ]
        resource.update(
            status="completed",
            code=concept(local_code, snomed, text=local_code.display),
            subject=self.ref("patient"),
        )
        if operation.date is not None:
            resource["performedDateTime"] = operation.date.isoformat()
        else:
            resource["_performedDateTime"] = _absent()
        resource.update(reasonReference=[self.ref("condition")], bodySite=[concept(fc.RECTUM)])
        self.add(f"operation/{i}", resource, Profile.surgery)

    # --- pathology --------------------------------------------------------------------------

    def _specimen_date(self, pathology: Pathology) -> dt.date | None:
        dated = [op.date for op in self.case.operations if op.type is pathology.specimen]
        return dated[-1] if dated else None

    def pathology(self, pathology: Pathology) -> None:
        date = self._specimen_date(pathology)
        when = date.isoformat() if date else None
        local_code, snomed = fc.OPERATIONS[pathology.specimen]
        collection: dict[str, Any] = {
            "method": concept(local_code, snomed, text=local_code.display),
            "bodySite": concept(fc.RECTUM),
        }
        if when:
            collection["collectedDateTime"] = when
        self.add(
            "specimen",
            {
                "resourceType": "Specimen",
                "type": concept(fc.TISSUE),
                "subject": self.ref("patient"),
                "collection": collection,
            },
            Profile.specimen,
        )
        specimen = self.ref("specimen")
        prefix = pathology.prefix
        self.category(
            f"{prefix.value}/T", Axis.T, prefix, pathology.t.value, when, specimen=specimen
        )
        if pathology.n is not None:
            self.category(
                f"{prefix.value}/N", Axis.N, prefix, pathology.n.value, when, specimen=specimen
            )
            distant = self.case.distant
            if distant is not None and distant.cm is not None:
                self.stage_group("c/M", prefix, pathology.t, pathology.n, distant.cm, when)
        if pathology.tumour_size_cm is not None:
            self.observation(
                "specimen/tumour-size",
                concept(fc.TUMOR_SIZE),
                Profile.tumor_size,
                effectiveDateTime=when,
                specimen=specimen,
                method=concept(fc.GROSS_EXAMINATION),
                component=[self._longest(pathology.tumour_size_cm)],
            )
        for role, code, count in (
            ("specimen/nodes-examined", fc.NODES_EXAMINED, pathology.nodes_examined),
            ("specimen/nodes-positive", fc.NODES_POSITIVE, pathology.nodes_positive),
        ):
            if count is not None:
                self.observation(
                    role,
                    concept(code),
                    None,
                    category=[concept(fc.LABORATORY)],
                    effectiveDateTime=when,
                    specimen=specimen,
                    valueInteger=count,
                )

"""Why an MDT deviated, in the words an MDT uses, mapped onto the HL7 non-adherence codes.

The CDS Hooks non-adherence CodeSystem (29 reasons under six categories, e.g. "PC CDS delivered
in suboptimal context") is what CDS Hooks feedback and FHIR carry, so every deviation is still
stored as one of its codes. At the meeting a team picks from seven reasons of its own; each maps
to one code, and any code (from feedback, an import or an older decision) reads back as one of
the seven. The mapping is this project's judgement, not a published crosswalk.

A leaf module: the registry, the analytics and the pages all read it.
"""

from __future__ import annotations

from enum import StrEnum


class MdtReason(StrEnum):
    patient_preference = "patient_preference"
    comorbidity_frailty = "comorbidity_frailty"
    new_information = "new_information"
    clinical_trial = "clinical_trial"
    availability = "availability"
    clinician_judgement = "clinician_judgement"
    other = "other"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def choice(self) -> str:
        """The label as a form offers it ("Other" asks for its text)."""
        return "Other (say what in the note)" if self is MdtReason.other else self.label

    @property
    def code(self) -> str:
        """The HL7 non-adherence code the reason is stored and exchanged as."""
        return HL7_CODES[self]


LABELS = {
    MdtReason.patient_preference: "Patient preference",
    MdtReason.comorbidity_frailty: "Comorbidity or frailty",
    MdtReason.new_information: "New information at the meeting",
    MdtReason.clinical_trial: "Clinical trial",
    MdtReason.availability: "Availability of a treatment",
    MdtReason.clinician_judgement: "Clinician judgement",
    MdtReason.other: "Other",
}

HL7_CODES = {
    MdtReason.patient_preference: "prefers-alternative",
    MdtReason.comorbidity_frailty: "comorbidity-disability",
    MdtReason.new_information: "wrong-time-workflow",
    MdtReason.clinical_trial: "policy-contradicts",
    MdtReason.availability: "service-not-available",
    MdtReason.clinician_judgement: "risk-benefit-ratio",
    MdtReason.other: "cds-not-applicable",
}
"""new information: the assessment reached the meeting before what was learnt there ("PC CDS
delivered at wrong time in workflow"); clinical trial: the trial protocol decides ("policy
contradicts the recommended action"); other: "PC CDS does not apply to patient", with the
reason in the note."""

_BY_CODE = {
    **{code: reason for reason, code in HL7_CODES.items()},
    "patient-refuses": MdtReason.patient_preference,
    "patient-fears-discomfort": MdtReason.patient_preference,
    "patient-does-not-want-change": MdtReason.patient_preference,
    "cultural-religious-reason": MdtReason.patient_preference,
    "inadequate-support": MdtReason.comorbidity_frailty,
    "patient-contraindication": MdtReason.comorbidity_frailty,
    "patient-ineligible": MdtReason.comorbidity_frailty,
    "need-more-info": MdtReason.new_information,
    "action-completed": MdtReason.new_information,
    "indication-order-exists": MdtReason.new_information,
    "implementation-challenges": MdtReason.availability,
    "too-costly-uncovered": MdtReason.availability,
}
_BY_CATEGORY = {
    "does-not-align-preferences": MdtReason.patient_preference,
    "not-convenient-feasible": MdtReason.availability,
    "recipient-concerns-outcomes": MdtReason.clinician_judgement,
    "recipient-disagrees-evidence": MdtReason.clinician_judgement,
    "cds-suboptimal-context": MdtReason.new_information,
    "cds-not-applicable": MdtReason.other,
}


def reason_of(code: str | None, category: str | None = None) -> MdtReason | None:
    """The MDT reason an HL7 code reads as (by code, else by its category); None for none."""
    if not code:
        return None
    return _BY_CODE.get(code) or _BY_CATEGORY.get(category or "", MdtReason.other)


def needs_note(code: str | None) -> bool:
    """ "Other" must say what the reason was."""
    return code == MdtReason.other.code

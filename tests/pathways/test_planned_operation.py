"""The operation planned at diagnosis and after downsizing, checked against Rullier 2013's table.

Rullier et al. (Dis Colon Rectum 2013;56:560; shared/domain/clinical-guidelines.md §8) type a
tumour < 6 cm from the anal verge on the pre-treatment MRI: > 1 cm above the anorectal ring is
type I (coloanal anastomosis), < 1 cm type II (partial ISR), internal sphincter invaded type III
(total ISR), external sphincter invaded type IV (APR). The table below is written from that text,
not from the engine; every neoadjuvant risk group must show that operation at diagnosis.
"""

from __future__ import annotations

import itertools

import pytest

from rectoplan.clinical.case import Case
from rectoplan.clinical.thresholds import DEFAULT_THRESHOLDS
from rectoplan.pathways import assess
from rectoplan.pathways.primary import options as o
from rectoplan.pathways.recommendation import Strength

RULLIER_OPERATION = {
    "I": o.SURGERY_COLOANAL,
    "II": o.SURGERY_ISR_PARTIAL,
    "III": o.SURGERY_ISR_TOTAL,
    "IV": o.SURGERY_APR,
}


def _expected_type(external: bool, internal: bool, ring_mm: float) -> str:
    if external:
        return "IV"
    if internal:
        return "III"
    return "I" if ring_mm > 10 else "II"


def _finding(assessment, fid):
    return next((f for f in assessment.findings if f.id == fid), None)


# the risk-group drivers: intermediate (cT3b cN1), locally advanced (cT3c), advanced (MRF 0.5)
GROUPS = {
    "intermediate": {"ct": "cT3", "extramural_depth_mm": 3.0, "cn": "cN1a"},
    "locally_advanced": {"ct": "cT3", "extramural_depth_mm": 8.0, "cn": "cN0"},
    "advanced": {"ct": "cT3", "extramural_depth_mm": 3.0, "cn": "cN1a", "mrf_distance_mm": 0.5},
}


@pytest.mark.parametrize(
    ("group", "external", "internal", "ring_mm", "wants_op"),
    list(itertools.product(GROUPS, (False, True), (False, True), (4.0, 15.0), (False, True))),
)
def test_every_neoadjuvant_group_plans_the_rullier_operation_at_diagnosis(
    seed_diagnosis, group, external, internal, ring_mm, wants_op
):
    seed_diagnosis["patient"]["wants_organ_preservation"] = wants_op
    seed_diagnosis["tumour"]["distance_from_anal_verge_cm"] = 4.0
    mri = seed_diagnosis["mri"]
    mri.update({"mrf_distance_mm": 6.0, "emvi": False, **GROUPS[group]})
    mri.update(
        external_sphincter_invaded=external,
        internal_sphincter_invaded=internal,
        distance_to_anorectal_ring_mm=ring_mm,
    )
    a = assess(Case.model_validate(seed_diagnosis))
    kind = _expected_type(external, internal, ring_mm)
    operation = RULLIER_OPERATION[kind]
    rec = a.recommendation(operation.id)
    assert rec is not None, f"{group}: the Rullier {kind} operation is not listed at diagnosis"
    assert rec.strength is not Strength.not_recommended
    planned = _finding(a, "planned_operation")
    assert planned is not None and planned.value == operation.title
    assert _finding(a, "rullier_type").value == kind
    # organ preservation is worth pursuing for every low tumour in a patient fit for chemotherapy
    assert _finding(a, "organ_preservation_worth_pursuing").value is True
    # the neoadjuvant therapy still leads unless organ preservation does
    top = a.preferred()[0].id
    assert top.startswith(("primary.neoadjuvant.", "primary.tnt.", "primary.organ_preservation."))


@pytest.mark.parametrize("height_cm", [6.0, 8.0, 10.0])
def test_above_the_rullier_zone_the_planned_operation_is_an_anterior_resection(
    seed_diagnosis, height_cm
):
    seed_diagnosis["patient"]["wants_organ_preservation"] = False
    seed_diagnosis["tumour"]["distance_from_anal_verge_cm"] = height_cm
    a = assess(Case.model_validate(seed_diagnosis))
    assert _finding(a, "planned_operation").value == o.SURGERY_LAR.title
    assert _finding(a, "organ_preservation_worth_pursuing").value is False
    assert a.recommendation(o.SURGERY_LAR.id).strength is Strength.preferred


def test_unfit_for_chemotherapy_is_not_steered_to_organ_preservation(seed_diagnosis):
    seed_diagnosis["patient"]["fit_for_chemotherapy"] = False
    seed_diagnosis["tumour"]["distance_from_anal_verge_cm"] = 4.0
    a = assess(Case.model_validate(seed_diagnosis))
    assert _finding(a, "organ_preservation_worth_pursuing").value is False


RESTAGED = [
    # (baseline external, restaging external, restaging internal) -> Rullier type after therapy
    (True, False, True, "III"),
    (True, False, False, "II"),
    (True, True, True, "IV"),
    (False, True, True, "IV"),
]


@pytest.mark.parametrize(("base_ext", "yc_ext", "yc_int", "kind"), RESTAGED)
def test_restaging_sphincter_facts_retype_the_tumour(
    seed_restaging, base_ext, yc_ext, yc_int, kind
):
    """After therapy, each recorded restaging fact replaces the baseline one; the ring distance
    (8 mm, < 1 cm) stays from the baseline MRI, so a sphincter-free residual is type II."""
    seed_restaging["tumour"]["distance_from_anal_verge_cm"] = 3.0
    seed_restaging["mri"].update(
        external_sphincter_invaded=base_ext,
        internal_sphincter_invaded=True,
        distance_to_anorectal_ring_mm=8.0,
    )
    seed_restaging["restaging"].update(
        endoscopy="visible_tumour",
        dre="palpable_tumour",
        mri_t2="intermediate",
        mri_dwi="little_regression",
        yc_external_sphincter_invaded=yc_ext,
        yc_levator_involved=False,
        yc_internal_sphincter_invaded=yc_int,
        yc_intersphincteric_plane_invaded=yc_int,
    )
    a = assess(Case.model_validate(seed_restaging))
    operation = RULLIER_OPERATION[kind]
    assert a.recommendation(operation.id).strength is Strength.preferred
    baseline = _expected_type(base_ext, True, 8.0)
    changed = _finding(a, "rullier_type_restaging")
    if kind == baseline:
        assert changed is None
    else:
        assert changed is not None and changed.value == kind
        assert f"type {baseline} on the baseline MRI" in changed.derivation


def test_the_rullier_cut_off_is_the_named_setting():
    assert DEFAULT_THRESHOLDS.rullier_max_distance_cm == 6.0  # Rullier 2013: < 6 cm
    assert DEFAULT_THRESHOLDS.rullier_supra_anal_mm == 10.0  # type I: > 1 cm from the ring

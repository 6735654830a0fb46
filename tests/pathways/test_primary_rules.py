"""Rule-by-rule behaviour of the primary pathway on variations of the seed-001 case."""

from __future__ import annotations

from rectoplan.clinical.case import Case
from rectoplan.clinical.thresholds import NeoadjuvantPolicy, Thresholds
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Strength


def _assess(data: dict, thresholds: Thresholds | None = None):
    case = Case.model_validate(data)
    return assess(case, thresholds) if thresholds else assess(case)


def _strength(assessment, option_id):
    rec = assessment.recommendation(option_id)
    return rec.strength if rec else None


def _warned(assessment, field):
    return any(w.field == field for w in assessment.warnings)


def test_engine_is_deterministic(seed_restaging):
    assert _assess(seed_restaging) == _assess(seed_restaging)


def test_dmmr_puts_checkpoint_inhibitor_first(seed_diagnosis):
    seed_diagnosis["tumour"]["mmr_status"] = "dMMR"
    a = _assess(seed_diagnosis)
    assert _strength(a, "primary.dmmr.checkpoint_inhibitor") is Strength.preferred
    assert [r.id for r in a.preferred()] == ["primary.dmmr.checkpoint_inhibitor"]


def test_unknown_mmr_is_a_warning_and_a_workup_step(seed_diagnosis):
    del seed_diagnosis["tumour"]["mmr_status"]
    a = _assess(seed_diagnosis)
    assert _warned(a, "tumour.mmr_status")
    assert _strength(a, "primary.workup.mmr_testing") is Strength.preferred


def test_neoadjuvant_policy_setting_decides_intermediate_risk(seed_diagnosis):
    seed_diagnosis["patient"]["wants_organ_preservation"] = False
    esmo = _assess(seed_diagnosis)
    assert _strength(esmo, "primary.neoadjuvant.short_course_rt") is Strength.preferred
    assert _strength(esmo, "primary.tnt.short_course") is Strength.consider
    nccn = _assess(seed_diagnosis, Thresholds(neoadjuvant_policy=NeoadjuvantPolicy.nccn))
    assert _strength(nccn, "primary.tnt.short_course") is Strength.preferred


def test_unknown_wish_for_organ_preservation_is_asked(seed_diagnosis):
    seed_diagnosis["patient"]["wants_organ_preservation"] = None
    a = _assess(seed_diagnosis)
    assert _warned(a, "patient.wants_organ_preservation")
    assert a.recommendation("primary.organ_preservation.crt_local_excision") is None


def test_high_risk_gets_tnt(seed_diagnosis):
    seed_diagnosis["patient"]["wants_organ_preservation"] = False
    seed_diagnosis["mri"]["mrf_distance_mm"] = 0.5
    a = _assess(seed_diagnosis)
    assert a.risk_group == "advanced"
    assert _strength(a, "primary.tnt.short_course") is Strength.preferred
    assert _strength(a, "primary.tnt.long_course") is Strength.alternative


def test_unfit_for_chemotherapy_gets_short_course_alone(seed_diagnosis):
    seed_diagnosis["patient"]["fit_for_chemotherapy"] = False
    seed_diagnosis["mri"]["mrf_distance_mm"] = 0.5
    a = _assess(seed_diagnosis)
    assert _strength(a, "primary.neoadjuvant.short_course_rt") is Strength.preferred
    assert _strength(a, "primary.tnt.short_course") is Strength.not_recommended


def test_no_mri_means_workup_only(seed_diagnosis):
    del seed_diagnosis["mri"]
    a = _assess(seed_diagnosis)
    assert [r.id for r in a.recommendations] == ["primary.workup.mri"]
    assert a.stage is None and a.risk_group == "unknown"


def test_ccr_with_incomplete_workup_is_only_an_alternative(seed_restaging):
    seed_restaging["restaging"].update(
        endoscopy="flat_white_scar", dre="normal", mri_t2="dark_only", mri_dwi=None
    )
    a = _assess(seed_restaging)
    assert _strength(a, "primary.restaging.watch_and_wait") is Strength.alternative
    assert _warned(a, "restaging.mri_dwi")
    seed_restaging["restaging"]["mri_dwi"] = "no_visible_tumour"
    assert _strength(_assess(seed_restaging), "primary.restaging.watch_and_wait") is (
        Strength.preferred
    )


def test_large_residual_is_not_excised(seed_restaging):
    seed_restaging["restaging"]["residual_size_cm"] = 2.5
    a = _assess(seed_restaging)
    assert _strength(a, "primary.restaging.local_excision") is Strength.not_recommended
    assert _strength(a, "primary.restaging.reassess") is Strength.preferred
    unmet = [c.name for c in a.recommendation("primary.restaging.eftr").criteria if not c.met]
    assert unmet == ["residual <= 2 cm"]


def test_restaging_outside_window_is_warned(seed_restaging):
    seed_restaging["restaging"]["date"] = "2025-09-30"
    assert _warned(_assess(seed_restaging), "restaging.date")


def test_incomplete_response_goes_to_tme_by_rullier(seed_restaging):
    seed_restaging["restaging"]["endoscopy"] = "visible_tumour"
    seed_restaging["mri"]["internal_sphincter_invaded"] = True
    a = _assess(seed_restaging)
    assert _strength(a, "primary.restaging.tme") is Strength.preferred
    assert _strength(a, "primary.surgery.isr_total") is Strength.preferred
    assert _strength(a, "primary.surgery.apr") is Strength.alternative


def test_local_excision_with_ypt2_needs_completion_tme(seed_after_eftr):
    seed_after_eftr["pathology"]["t"] = "ypT2"
    a = _assess(seed_after_eftr)
    assert _strength(a, "primary.postop.completion_tme") is Strength.preferred


def test_close_margin_after_tme_reads_r1_on_one_convention(seed_restaging):
    seed_restaging["operations"] = [{"type": "lar", "date": "2025-07-10"}]
    seed_restaging["pathology"] = {
        "specimen": "lar",
        "t": "ypT3",
        "nodes_examined": 14,
        "nodes_positive": 0,
        "crm_distance_mm": 0.8,
        "distal_margin_mm": 15,
        "tme_grade": "mesorectal",
    }
    a = _assess(seed_restaging)
    findings = {f.id: f.value for f in a.findings}
    assert findings["r_status"] == "R1" and findings["r_status_uicc"] == "R0"
    assert findings["crm_positive"] is True
    assert _strength(a, "primary.postop.positive_margin_review") is Strength.preferred


def test_complications_give_a_cci(seed_after_eftr):
    seed_after_eftr["complications"] = [
        {"description": "wound infection", "clavien_dindo": "I"},
        {"description": "ileus needing TPN", "clavien_dindo": "II"},
    ]
    findings = {f.id: f.value for f in _assess(seed_after_eftr).findings}
    assert findings["cci"] == 22.6  # Slankamenac 2013 worked example: I + II


def test_every_synthetic_case_gets_a_preferred_option_with_evidence():
    """Invariant over a varied cohort: the MDT is always given at least one preferred option."""
    from rectoplan.registry.synthetic import generate_cohort

    for record in generate_cohort(600, seed=11):
        assessment = assess(Case.model_validate(record["case"]))
        assert assessment.preferred(), record["case"]["case_id"]
        assert all(r.evidence for r in assessment.recommendations)

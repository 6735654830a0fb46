"""Seed 001 through the whole pathway: the "Done when" items of issue 2.

A 2.0 cm low (5 cm) cT3b cN1a adenocarcinoma; the patient wants to keep the rectum. At diagnosis
a neoadjuvant option with organ-preservation intent leads; after chemoradiotherapy (1.5 cm
residual, near-complete response) excision of the residual is offered with every criterion met;
the EFTR specimen with clear margins reads R0 under both R conventions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rectoplan.clinical.case import Case
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Assessment, Strength

CASES_DIR = Path(__file__).resolve().parents[2] / "examples" / "cases"
EXCISION_IDS = ("primary.restaging.local_excision", "primary.restaging.eftr")
OFFERED = (Strength.preferred, Strength.alternative)


def _assess(name: str) -> Assessment:
    return assess(Case.model_validate_json((CASES_DIR / name).read_text(encoding="utf-8")))


def _finding(result: Assessment, finding_id: str):
    found = [f for f in result.findings if f.id == finding_id]
    assert len(found) == 1, f"finding {finding_id!r}: {len(found)} found"
    return found[0].value


@pytest.fixture(scope="module")
def diagnosis() -> Assessment:
    return _assess("seed001_1_diagnosis.json")


@pytest.fixture(scope="module")
def restaging() -> Assessment:
    return _assess("seed001_2_restaging.json")


@pytest.fixture(scope="module")
def after_eftr() -> Assessment:
    return _assess("seed001_3_after_eftr.json")


def test_diagnosis_stage_and_risk(diagnosis):
    assert diagnosis.phase == "diagnosis"
    assert diagnosis.stage is not None and diagnosis.stage.group == "IIIB"  # cT3 cN1a cM0
    assert diagnosis.risk_group == "intermediate"  # ESMO 2017: low cT3b, cN1


def test_diagnosis_prefers_neoadjuvant_therapy_with_organ_preservation_intent(diagnosis):
    preferred = [r for r in diagnosis.preferred() if r.id.startswith("primary.organ_preservation.")]
    assert preferred, [r.id for r in diagnosis.preferred()]
    # organ preservation here starts with neoadjuvant chemoradiotherapy, then restaging
    assert all(r.title.lower().startswith("chemoradiotherapy") for r in preferred)
    # no plain TME-first option outranks it
    assert all(not r.id.startswith("primary.surgery.") for r in diagnosis.preferred())


def test_restaging_reads_a_near_complete_response_with_a_15_mm_residual(restaging):
    assert restaging.phase == "restaging"
    assert _finding(restaging, "response_tier").startswith("near-complete")
    assert _finding(restaging, "size_change_pct") == pytest.approx(-25.0)  # 2.0 -> 1.5 cm


def test_restaging_offers_excision_of_the_residual_with_every_criterion_met(restaging):
    offered = [
        r for r in restaging.recommendations if r.id in EXCISION_IDS and r.strength in OFFERED
    ]
    assert offered, "neither local excision nor EFTR is offered"
    assert any(r.strength is Strength.preferred for r in offered)
    for rec in offered:
        assert rec.criteria, f"{rec.id} shows no criteria"
        unmet = [c.name for c in rec.criteria if c.met is not True]
        assert not unmet, f"{rec.id}: criteria not met {unmet}"
        assert any("residual" in c.name and "2" in c.name for c in rec.criteria), rec.id


def test_after_eftr_the_clear_margins_read_r0_under_both_conventions(after_eftr):
    assert after_eftr.phase == "postoperative"
    assert _finding(after_eftr, "r_status") == "R0"  # R1 if <= 1 mm (CRM convention)
    assert _finding(after_eftr, "r_status_uicc") == "R0"  # R1 only at 0 mm (UICC)


def test_after_eftr_the_organ_is_kept_under_surveillance(after_eftr):
    preferred = {r.id for r in after_eftr.preferred()}
    assert "primary.postop.local_excision_surveillance" in preferred
    assert "primary.postop.completion_tme" not in preferred

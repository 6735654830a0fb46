"""Properties over the named thresholds (hypothesis, quick enough for `make test`).

1. **No cliffs between thresholds.** For each numeric input that a named cut-off reads
   (`clinical.thresholds`, and the MERCURY T3 substage limits in `clinical.staging`), two values
   on the same side of every cut-off give the same preferred options: the answer may change only
   at a named threshold.
2. **The standard is always offered.** Every operable, non-metastatic case before surgery lists a
   radical operation (some strength), whatever its numbers.
3. **No unfilled values.** No rationale, criterion, finding, warning or next step shows "None",
   "nan", a Python truth value or an empty placeholder, whichever fields are missing.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rectoplan.clinical.case import Case
from rectoplan.clinical.staging import _T3_SUBSTAGE_LIMITS_MM
from rectoplan.clinical.thresholds import DEFAULT_THRESHOLDS as TH
from rectoplan.pathways import assess

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"


def load_example(name: str) -> dict:
    """An example case as a fresh dict (not conftest's: tests/web has a conftest of its own)."""
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


QUICK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

# --- 1. sweeps ---------------------------------------------------------------------------------

T3_LIMITS = [limit for _, limit in _T3_SUBSTAGE_LIMITS_MM]

SWEEPS: dict[str, tuple[float, float, list[float]]] = {
    # input path: (lowest, highest, the named cut-offs that read it)
    "tumour.distance_from_anal_verge_cm": (
        0.5,
        15.0,
        [
            TH.low_rectum_max_cm,
            TH.mid_rectum_max_cm,
            TH.rectum_max_cm,
            TH.rullier_max_distance_cm,
            TH.local_excision_max_distance_cm,
        ],
    ),
    "tumour.longest_diameter_cm": (
        0.3,
        9.0,
        [
            TH.local_excision_max_size_cm,
            TH.eftr_max_size_cm,
            TH.organ_preservation_max_baseline_cm,
        ],
    ),
    "tumour.circumferential_extent_pct": (5.0, 100.0, [TH.local_excision_max_circumference_pct]),
    "mri.mrf_distance_mm": (0.0, 30.0, [TH.mrf_involved_mm, TH.mrf_threatened_mm]),
    "mri.extramural_depth_mm": (0.1, 25.0, T3_LIMITS),
    "mri.distance_to_anorectal_ring_mm": (-30.0, 60.0, [TH.rullier_supra_anal_mm]),
    "restaging.residual_size_cm": (
        0.1,
        6.0,
        [TH.local_excision_max_residual_cm, TH.eftr_max_size_cm],
    ),
    "pathology.crm_distance_mm": (0.0, 30.0, [TH.crm_positive_mm, TH.local_excision_min_margin_mm]),
    "pathology.tumour_size_cm": (0.2, 9.0, [TH.local_excision_high_risk_size_cm]),
    "pathology.nodes_examined": (0, 60, [TH.nodes_examined_min]),
    "recurrence.external_iliac_encasement_deg": (
        0.0,
        360.0,
        [TH.external_iliac_encasement_max_deg],
    ),
}

BASES = [
    "seed001_1_diagnosis.json",
    "very_early_ct1_sm1_local_excision.json",
    "very_early_ct1_sm1_upper_esd.json",
    "low_ct1_sm3_rullier_ii_partial_isr.json",
    "low_ct2n0_wants_organ_preservation.json",
    "mid_ct3bn1_intermediate_scrt.json",
    "upper_ct3an0_tme_alone.json",
    "high_risk_mrf_involved_tnt.json",
    "locally_advanced_ct3cn0_mid_crt.json",
    "low_ct3bn1_planned_partial_isr.json",
    "low_ct4b_external_sphincter_planned_apr.json",
    "seed001_2_restaging.json",
    "restaging_ncr_residual_too_large.json",
    "restaging_icr_rullier_iii_total_isr.json",
    "seed001_3_after_eftr.json",
    "after_tme_pt3n0_low_risk_surveillance.json",
    "after_local_excision_high_risk_completion_tme.json",
    "recurrence_anterior_exenteration.json",
]
BASE_DATA = {name: load_example(name) for name in BASES}


def _set(data: dict, path: str, value) -> bool:
    """Set ``path`` in ``data``; False if its section is absent or the input does not apply."""
    section, field = path.split(".")
    part = data.get(section)
    if not isinstance(part, dict):
        return False
    if field == "extramural_depth_mm" and part.get("ct") not in ("T3", "cT3"):
        return False
    part[field] = value
    return True


def _intervals(lo: float, hi: float, cuts: list[float]) -> list[tuple[float, float]]:
    points = sorted({lo, hi, *(c for c in cuts if lo < c < hi)})
    return list(itertools.pairwise(points))


@st.composite
def _same_side_pair(draw, path: str):
    lo, hi, cuts = SWEEPS[path]
    a, b = draw(st.sampled_from(_intervals(lo, hi, cuts)))
    integer = isinstance(lo, int)
    if integer:
        values = st.integers(int(a) + 1, int(b) - 1) if b - a > 1 else st.just(None)
        if a == lo:
            values = st.integers(int(a), int(b) - 1)
    else:
        span = b - a
        values = st.floats(a + span * 1e-3, b - span * 1e-3, allow_nan=False)
    return draw(values), draw(values)


@pytest.mark.parametrize("path", sorted(SWEEPS))
@QUICK
@given(data=st.data())
def test_the_preferred_plan_changes_only_at_named_thresholds(path, data):
    name = data.draw(st.sampled_from(BASES), label="base case")
    x, y = data.draw(_same_side_pair(path), label="two values between the same cut-offs")
    if x is None:
        return
    first, second = copy.deepcopy(BASE_DATA[name]), copy.deepcopy(BASE_DATA[name])
    if not (_set(first, path, x) and _set(second, path, y)):
        return
    try:
        cases = Case.model_validate(first), Case.model_validate(second)
    except ValueError:
        return  # e.g. fewer nodes examined than the base case's positive nodes
    one, two = ({r.id for r in assess(c).preferred()} for c in cases)
    assert one == two, (name, path, x, y)


# --- 2 and 3. generated cases ------------------------------------------------------------------

RADICAL = ("primary.surgery.", "primary.restaging.tme")
UNFILLED = re.compile(r"\bNone\b|\bnan\b|\bTrue\b|\bFalse\b|\{|\}|\[\]|\(\)|''|<[a-z_.]+>")

maybe_bool = st.sampled_from([True, False, None])


@st.composite
def diagnosis_cases(draw) -> dict:
    ct = draw(st.sampled_from(["cT1", "cT2", "cT3", "cT4a", "cT4b"]))
    mri = {
        "ct": ct,
        "cn": draw(st.sampled_from(["cN0", "cN1a", "cN1b", "cN2a", "cN2b"])),
        "mrf_distance_mm": draw(st.none() | st.floats(0, 25)),
        "emvi": draw(maybe_bool),
        "extranodal_extension": draw(maybe_bool),
        "levator_involved": draw(maybe_bool),
        "internal_sphincter_invaded": draw(maybe_bool),
        "external_sphincter_invaded": draw(maybe_bool),
        "distance_to_anorectal_ring_mm": draw(st.none() | st.floats(-20, 40)),
    }
    if ct == "cT3":
        mri["extramural_depth_mm"] = draw(st.none() | st.floats(0.1, 20))
    if draw(st.booleans()):
        mri["lateral_nodes"] = [{"station": "obturator", "short_axis_mm": draw(st.floats(2, 15))}]
    tumour = {
        "distance_from_anal_verge_cm": draw(st.floats(0.5, 15)),
        "longest_diameter_cm": draw(st.floats(0.5, 8)),
        "circumferential_extent_pct": draw(st.none() | st.floats(5, 100)),
        "grade": draw(st.sampled_from([None, "G1", "G2", "G3"])),
        "mmr_status": draw(st.sampled_from([None, "pMMR", "dMMR"])),
        "biopsy_lvi": draw(maybe_bool),
        "biopsy_pni": draw(maybe_bool),
        "mobile": draw(maybe_bool),
    }
    if ct == "cT1":
        tumour["submucosal_depth"] = draw(st.sampled_from([None, "sm1", "sm2", "sm3"]))
    patient = {
        "age_years": 60,
        "sex": "female",
        "fit_for_major_surgery": True,
        "fit_for_chemotherapy": draw(st.sampled_from([True, False, None])),
        "wants_organ_preservation": draw(maybe_bool),
    }
    return {
        "case_id": "generated",
        "patient": patient,
        "tumour": {k: v for k, v in tumour.items() if v is not None},
        "mri": {k: v for k, v in mri.items() if v is not None},
        "distant": {"cm": "M0", "sites": []},
    }


@st.composite
def restaging_cases(draw) -> dict:
    data = draw(diagnosis_cases())
    data["neoadjuvant"] = {
        "radiotherapy": {"total_dose_gy": 50, "fractions": 25},
        "chemotherapy": [{"regimen": "CAPOX", "cycles": 6}] if draw(st.booleans()) else [],
    }
    if draw(st.booleans()):  # on treatment, not yet restaged
        return data
    findings = {
        "endoscopy": ["flat_white_scar", "irregular_mucosa", "visible_tumour"],
        "dre": ["normal", "smooth_induration", "palpable_tumour"],
        "mri_t2": ["dark_only", "mostly_dark", "intermediate"],
        "mri_dwi": ["no_visible_tumour", "significant_regression", "little_regression"],
    }
    restaging = {k: draw(st.sampled_from([None, *v])) for k, v in findings.items()}
    restaging["residual_size_cm"] = draw(st.none() | st.floats(0, 6))
    restaging["ycn"] = draw(st.sampled_from([None, "N0", "N1"]))
    restaging["yc_external_sphincter_invaded"] = draw(maybe_bool)
    restaging["yc_distance_to_anorectal_ring_mm"] = draw(st.none() | st.floats(-20, 40))
    data["restaging"] = {k: v for k, v in restaging.items() if v is not None}
    return data


def _texts(assessment) -> list[str]:
    out = []
    for r in assessment.recommendations:
        out += [*r.rationale, *r.next_steps]
        out += [t for c in r.criteria for t in (c.name, c.detail)]
    for f in assessment.findings:
        out += [f.label, f.derivation]
        if isinstance(f.value, str):
            out.append(f.value)
    out += [w.message for w in assessment.warnings]
    if assessment.stage is not None:
        out += [assessment.stage.group, assessment.stage.basis]
    return out


def _operable(data: dict) -> bool:
    return data["patient"].get("fit_for_major_surgery") is not False


@QUICK
@given(data=st.one_of(diagnosis_cases(), restaging_cases()))
def test_every_operable_m0_case_lists_a_radical_operation(data):
    try:
        case = Case.model_validate(data)
    except ValueError:
        return  # an impossible combination the generator drew (the case model refuses it)
    assert _operable(data)
    a = assess(case)
    listed = [r.id for r in a.recommendations]
    assert any(i.startswith(RADICAL) for i in listed), listed


POSTOP_BASES = [
    "after_tme_pt3n1_upfront_adjuvant_chemo.json",
    "seed001_3_after_eftr.json",
    "after_local_excision_high_risk_completion_tme.json",
]
RECURRENCE_BASES = [
    "recurrence_anterior_exenteration.json",
    "seed002_posterior_recurrence.json",
    "recurrence_lateral_encased_metastatic.json",
]
OPTIONAL_PATHOLOGY = (
    "grade",
    "lvi",
    "pni",
    "budding",
    "tumour_size_cm",
    "nodes_examined",
    "deep_margin_mm",
    "crm_distance_mm",
    "distal_margin_mm",
    "tme_grade",
    "regression",
)
OPTIONAL_RECURRENCE = (
    "hydronephrosis",
    "distant_metastases",
    "ecog",
    "prior_pelvic_rt_dose_gy",
    "sciatic_notch_extension",
    "external_iliac_encasement_deg",
    "tumour_upper_extent",
)


@st.composite
def later_cases(draw) -> dict:
    """Post-operative and recurrence cases with a random subset of their data removed."""
    if draw(st.booleans()):
        data = copy.deepcopy(load_example(draw(st.sampled_from(POSTOP_BASES))))
        for field in draw(st.sets(st.sampled_from(OPTIONAL_PATHOLOGY))):
            data["pathology"].pop(field, None)
    else:
        data = copy.deepcopy(load_example(draw(st.sampled_from(RECURRENCE_BASES))))
        for field in draw(st.sets(st.sampled_from(OPTIONAL_RECURRENCE))):
            data["recurrence"].pop(field, None)
    for field in draw(st.sets(st.sampled_from(("grade", "mmr_status", "mobile")))):
        data["tumour"].pop(field, None)
    return data


@QUICK
@given(data=st.one_of(diagnosis_cases(), restaging_cases(), later_cases()))
def test_no_text_shows_an_unfilled_value(data):
    try:
        case = Case.model_validate(data)
    except ValueError:
        return
    for text in _texts(assess(case)):
        assert not UNFILLED.search(text), text

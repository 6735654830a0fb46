"""MRI risk group and the imaging facts under it, at the thresholds' boundaries."""

from __future__ import annotations

import pytest

from rectoplan.clinical.case import Case, MesorectalNode
from rectoplan.clinical.risk import (
    HeightBand,
    MrfStatus,
    RiskGroup,
    height_band,
    mrf_status,
    mri_risk_group,
    node_suspicious,
)
from rectoplan.clinical.thresholds import Thresholds

T = Thresholds()


@pytest.mark.parametrize(
    ("cm", "band"),
    [
        (0.0, HeightBand.low),
        (5.0, HeightBand.low),
        (5.1, HeightBand.mid),
        (10.0, HeightBand.mid),
        (10.1, HeightBand.high),
        (15.0, HeightBand.high),
        (15.1, HeightBand.above_rectum),
    ],
)
def test_height_bands_follow_esmo(cm, band):
    assert height_band(cm, T) is band


@pytest.mark.parametrize(
    ("mm", "status"),
    [
        (0.0, MrfStatus.involved),
        (1.0, MrfStatus.involved),
        (1.5, MrfStatus.threatened),
        (2.0, MrfStatus.threatened),
        (2.1, MrfStatus.clear),
    ],
)
def test_mrf_status_esgar_and_esmo(mm, status):
    assert mrf_status(mm, T) is status


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (MesorectalNode(short_axis_mm=9.0), True),
        (MesorectalNode(short_axis_mm=6.0, round=True, irregular_border=True), True),
        (
            MesorectalNode(
                short_axis_mm=6.0, round=True, irregular_border=False, heterogeneous_signal=False
            ),
            False,
        ),
        (MesorectalNode(short_axis_mm=6.0, round=True), None),
        (
            MesorectalNode(
                short_axis_mm=4.0, round=True, irregular_border=True, heterogeneous_signal=True
            ),
            True,
        ),
        (
            MesorectalNode(
                short_axis_mm=4.0, round=True, irregular_border=True, heterogeneous_signal=False
            ),
            False,
        ),
        (MesorectalNode(short_axis_mm=3.0, mucinous=True), True),
    ],
)
def test_esgar_node_criteria(node, expected):
    assert node_suspicious(node, T) is expected


def _case(seed: dict, **mri) -> Case:
    seed["mri"].update(mri)
    return Case.model_validate(seed)


def _group(seed: dict, distance_cm: float = 5.0, **mri) -> RiskGroup:
    seed["tumour"]["distance_from_anal_verge_cm"] = distance_cm
    return mri_risk_group(_case(seed, **mri), T).group


def test_seed_is_intermediate(seed_diagnosis):
    assert _group(seed_diagnosis) is RiskGroup.intermediate


def test_mrf_involved_ct3_is_advanced(seed_diagnosis):
    assert _group(seed_diagnosis, mrf_distance_mm=0.5) is RiskGroup.advanced


def test_ct4b_is_advanced(seed_diagnosis):
    assert _group(seed_diagnosis, ct="T4b") is RiskGroup.advanced


def test_t3c_or_emvi_is_locally_advanced(seed_diagnosis):
    assert _group(dict(seed_diagnosis), extramural_depth_mm=8.0) is RiskGroup.locally_advanced
    seed_diagnosis["mri"]["extramural_depth_mm"] = 3.0
    assert _group(seed_diagnosis, emvi=True) is RiskGroup.locally_advanced


def test_ct2n0_low_is_intermediate_mid_is_early(seed_diagnosis):
    base = {"ct": "T2", "cn": "N0", "extramural_depth_mm": None, "mesorectal_nodes": []}
    assert _group(dict(seed_diagnosis), 4.0, **base) is RiskGroup.intermediate
    assert _group(seed_diagnosis, 8.0, **base) is RiskGroup.early


def test_ct3a_n0_mid_is_early(seed_diagnosis):
    kw = {"cn": "N0", "extramural_depth_mm": 0.5, "mesorectal_nodes": []}
    assert _group(seed_diagnosis, 8.0, **kw) is RiskGroup.early


def test_high_ct3b_n1_is_early(seed_diagnosis):
    """ESMO 2017: cT3b and cN1 count as early in the high rectum."""
    assert _group(seed_diagnosis, 12.0, extramural_depth_mm=3.0) is RiskGroup.early


def test_ct1_sm1_n0_is_very_early(seed_diagnosis):
    seed_diagnosis["tumour"]["submucosal_depth"] = "sm1"
    kw = {"ct": "T1", "cn": "N0", "extramural_depth_mm": None, "mesorectal_nodes": []}
    assert _group(seed_diagnosis, 6.0, **kw) is RiskGroup.very_early


def test_metastatic(seed_diagnosis):
    seed_diagnosis["distant"] = {"sites": ["liver"]}
    assert mri_risk_group(Case.model_validate(seed_diagnosis), T).group is RiskGroup.metastatic


def test_lateral_node_threshold(seed_diagnosis):
    near = [{"station": "obturator", "short_axis_mm": 6.9}]
    result = mri_risk_group(_case(dict(seed_diagnosis), lateral_nodes=near), T)
    assert not result.high_risk_features
    big = [{"station": "obturator", "short_axis_mm": 7.0}]
    result = mri_risk_group(_case(seed_diagnosis, lateral_nodes=big), T)
    assert any("lateral node" in f for f in result.high_risk_features)


def test_threatened_mrf_counts_only_when_configured(seed_diagnosis):
    case = _case(seed_diagnosis, mrf_distance_mm=1.5)
    assert not mri_risk_group(case, T).high_risk_features
    strict = Thresholds(threatened_mrf_is_high_risk=True)
    assert "MRF threatened" in mri_risk_group(case, strict).high_risk_features


def test_missing_depth_is_reported(seed_diagnosis):
    result = mri_risk_group(_case(seed_diagnosis, extramural_depth_mm=None), T)
    assert "mri.extramural_depth_mm" in result.missing


def test_thresholds_refuse_unordered_bands():
    with pytest.raises(ValueError, match="height bands"):
        Thresholds(low_rectum_max_cm=12.0)

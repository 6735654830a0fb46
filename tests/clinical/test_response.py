"""OPRA response tiers, size change and regression scales (directions differ by scale)."""

from __future__ import annotations

import pytest

from rectoplan.clinical.response import (
    DreFinding,
    DwiFinding,
    EndoscopyFinding,
    RegressionScale,
    ResponseTier,
    T2Finding,
    is_complete_regression,
    is_good_response,
    percent_size_change,
    response_tier,
)


def test_all_four_complete_is_ccr():
    r = response_tier(
        EndoscopyFinding.flat_white_scar,
        DreFinding.normal,
        T2Finding.dark_only,
        DwiFinding.no_visible_tumour,
    )
    assert r.tier is ResponseTier.complete and r.complete_workup


def test_worst_modality_decides():
    r = response_tier(
        EndoscopyFinding.flat_white_scar,
        DreFinding.palpable_tumour,
        T2Finding.dark_only,
        DwiFinding.no_visible_tumour,
    )
    assert r.tier is ResponseTier.incomplete
    r = response_tier(
        EndoscopyFinding.irregular_mucosa,
        DreFinding.normal,
        T2Finding.dark_only,
        DwiFinding.no_visible_tumour,
    )
    assert r.tier is ResponseTier.near_complete


def test_missing_modalities_are_listed():
    r = response_tier(EndoscopyFinding.flat_white_scar, None, T2Finding.dark_only, None)
    assert r.tier is ResponseTier.complete and r.missing == ("dre", "mri_dwi")
    assert response_tier(None, None, None, None).tier is None


def test_size_change_from_the_seed():
    assert percent_size_change(2.0, 1.5) == pytest.approx(-25.0)
    with pytest.raises(ValueError):
        percent_size_change(0.0, 1.0)


@pytest.mark.parametrize(
    ("scale", "good", "poor"),
    [
        (RegressionScale.mandard, [1, 2], [3, 4, 5]),
        (RegressionScale.dworak, [3, 4], [0, 1, 2]),
        (RegressionScale.cap, [0, 1], [2, 3]),
        (RegressionScale.mrtrg, [1, 2], [3, 4, 5]),
    ],
)
def test_good_response_per_siddiqui(scale, good, poor):
    assert all(is_good_response(scale, g) for g in good)
    assert not any(is_good_response(scale, g) for g in poor)


def test_complete_regression_has_opposite_directions():
    assert is_complete_regression(RegressionScale.mandard, 1)
    assert is_complete_regression(RegressionScale.dworak, 4)
    assert is_complete_regression(RegressionScale.cap, 0)
    with pytest.raises(ValueError):
        is_good_response(RegressionScale.dworak, 5)

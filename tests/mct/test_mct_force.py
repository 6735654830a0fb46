"""The coaxial closed form against published values, 40-digit mpmath and the Bessel integral.

Oracles: magcode's test suite (AUMAG/magcode testcyl01.m), the same closed form evaluated by
mpmath at 40 digits (`rectoplan.mct.reference`, written from the paper, not from the kernel),
the Fourier-Bessel form of the charge model, the tables of magnet-physics.md measured with
an independent port, and invariants (hypothesis).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rectoplan.mct.force import (
    axial_force,
    axial_stiffness,
    identical_ring_pair_force,
    ring_pair_force,
)
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.reference import REFERENCE_PAIRS, RING_A, bessel_force, closed_form_force_mp

GAPS_M = np.array([0.0, 1e-9, 1e-6, 1e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 3e-2])


@pytest.mark.parametrize(
    ("r1", "h1", "r2", "h2", "gap", "published_n"),
    [
        (0.02, 0.04, 0.02, 0.04, 0.010, 265.537),
        (0.02, 0.04, 0.015, 0.03, 0.015, 111.490),
        (0.02, 0.02, 0.02, 0.01, 0.035, 18.953),
    ],
)
def test_magcode_published_values_to_one_millinewton(r1, h1, r2, h2, gap, published_n):
    # testcyl01.m: J = 1.3 T in opposite directions (repulsion); asserts round(1000 F).
    lower = RingMagnet(2 * r1, 0.0, h1, 1.3)
    upper = RingMagnet(2 * r2, 0.0, h2, -1.3)
    repulsion = -float(axial_force(lower, upper, gap))
    assert round(1000 * repulsion) == round(1000 * published_n)
    assert repulsion == pytest.approx(published_n, abs=1e-3)


@pytest.mark.parametrize("name", sorted(REFERENCE_PAIRS))
def test_float64_kernel_matches_40_digit_mpmath_from_contact_to_30_mm(name):
    lower, upper = REFERENCE_PAIRS[name]
    kernel = axial_force(lower, upper, GAPS_M)
    for gap, value in zip(GAPS_M, kernel, strict=True):
        reference = float(closed_form_force_mp(lower, upper, gap))
        assert value == pytest.approx(reference, rel=1e-8), f"gap {gap}"


@pytest.mark.parametrize("difference_m", [0.0, 1e-12, 1e-9])
def test_equal_and_nearly_equal_radii_match_mpmath(difference_m):
    # Equal radii make n = m / (1 - a2) infinite; 1e-12 m gave NaN without the guard.
    lower = RingMagnet(0.020, 0.008, 0.005, 1.3)
    upper = RingMagnet(0.020 + 2 * difference_m, 0.008, 0.004, 1.3)
    for gap in (0.0, 1e-7, 1e-3, 1e-2, 3e-2):
        value = float(axial_force(lower, upper, gap))
        assert math.isfinite(value)
        assert value == pytest.approx(float(closed_form_force_mp(lower, upper, gap)), rel=1e-8)


@pytest.mark.parametrize("name", sorted(REFERENCE_PAIRS))
def test_closed_form_matches_the_bessel_integral(name):
    lower, upper = REFERENCE_PAIRS[name]
    for gap in (5e-4, 2e-3, 1e-2):
        axial, _ = bessel_force(lower, upper, gap)
        assert float(axial_force(lower, upper, gap)) == pytest.approx(axial, rel=1e-9)


def test_geometry_a_reproduces_the_domain_tables():
    # magnet-physics.md 1.4 and 2.8 (an independent port): 1.3 T, OD20/ID8/h5.
    expected = {0.0: 91.5, 1e-3: 51.9772, 2e-3: 35.2877, 5e-3: 14.7295, 1e-2: 5.5588}
    for gap, force in expected.items():
        digits = 1e-1 if gap == 0 else 1e-4
        assert float(axial_force(RING_A, RING_A, gap)) == pytest.approx(force, abs=digits)
    stiffness_n_per_mm = {1e-3: -22, 2e-3: -12, 5e-3: -3.6, 1e-2: -0.9}
    for gap, k in stiffness_n_per_mm.items():
        assert float(axial_stiffness(RING_A, RING_A, gap)) / 1e3 == pytest.approx(k, rel=0.05)


def test_identical_pair_fast_path_equals_the_general_kernel():
    rng = np.random.default_rng(7)
    ro = rng.uniform(3e-3, 15e-3, 200)
    ri = ro * rng.uniform(0.0, 0.9, 200)
    ri[:20] = 0.0
    h = rng.uniform(1e-3, 15e-3, 200)
    gaps = np.array([0.0, 1e-4, 3e-3, 3e-2])[:, None]
    fast = identical_ring_pair_force(ri, ro, h, 1.2, 1.4, gaps)
    general = ring_pair_force(ri, ro, h, 1.2, ri, ro, h, 1.4, gaps)
    # 9 terms against 16, summed in another order: at 30 mm the force is a small difference
    # of large terms and the two roundings differ by up to ~1e-10.
    np.testing.assert_allclose(fast, general, rtol=1e-9, atol=1e-14)


def test_kernel_broadcasts_over_gaps_and_geometries():
    outer = np.array([0.010, 0.0125])[:, None]
    gaps = np.array([1e-3, 5e-3, 1e-2])[None, :]
    grid = ring_pair_force(0.004, outer, 0.005, 1.3, 0.004, outer, 0.005, 1.3, gaps)
    assert grid.shape == (2, 3)
    single = RingMagnet(0.025, 0.008, 0.005, 1.3)
    assert grid[1, 1] == pytest.approx(float(axial_force(single, single, 5e-3)), rel=1e-14)


def test_stiffness_is_the_derivative_of_the_mpmath_force():
    import mpmath

    for name in ("equal", "unequal", "disc"):
        lower, upper = REFERENCE_PAIRS[name]
        for gap in (1e-4, 2e-3, 2e-2):
            derivative = mpmath.diff(
                lambda g, lo=lower, up=upper: closed_form_force_mp(lo, up, g), gap
            )
            assert float(axial_stiffness(lower, upper, gap)) == pytest.approx(
                float(derivative), rel=1e-8
            )


def test_stiffness_diverges_logarithmically_at_contact_for_equal_radii():
    # magnet-physics.md 0.5: -22, -63, -106, -149, -192 N/mm at 1e-3 ... 1e-7 m.
    gaps = np.array([1e-3, 1e-4, 1e-5, 1e-6, 1e-7])
    k = axial_stiffness(RING_A, RING_A, gaps) / 1e3
    np.testing.assert_allclose(k, [-22, -63, -106, -149, -192], rtol=0.02)
    assert np.all(np.diff(k) < 0)
    assert float(axial_stiffness(RING_A, RING_A, 0.0)) == -math.inf
    lower, upper = REFERENCE_PAIRS["unequal"]
    assert math.isfinite(float(axial_stiffness(lower, upper, 0.0)))


def test_negative_or_missing_gap_is_rejected_naming_the_field():
    with pytest.raises(ValueError, match="gap_m"):
        axial_force(RING_A, RING_A, -1e-3)
    with pytest.raises(ValueError, match="gap_m"):
        axial_stiffness(RING_A, RING_A, [1e-3, math.nan])


# --- invariants -------------------------------------------------------------------------

lengths = st.floats(1e-3, 2e-2)
polarizations = st.floats(0.2, 1.5)


@st.composite
def cross_sections(draw):
    """(outer, inner) diameters of surgical rings: 5-35 mm across, any bore up to 90 %."""
    outer = draw(st.floats(5e-3, 3.5e-2))
    inner = draw(st.one_of(st.just(0.0), st.floats(0.0, 0.9))) * outer
    return outer, inner


@settings(max_examples=60, deadline=None)
@given(cross_sections(), lengths, lengths, polarizations, polarizations, st.floats(0.0, 0.03))
def test_same_cross_section_attracts_and_weakens_with_gap(shape, h1, h2, j1, j2, gap):
    # For equal cross-sections the Bessel integrand S^2 (1-e^-kL1)(1-e^-kL2) e^-kd / k is >= 0,
    # so attraction is positive and strictly decreasing. (Unequal rings can repel near contact.)
    outer, inner = shape
    lower = RingMagnet(outer, inner, h1, j1)
    upper = RingMagnet(outer, inner, h2, j2)
    near, far = axial_force(lower, upper, [gap, gap * 1.1 + 1e-4])
    assert near > 0
    assert far < near
    assert float(axial_stiffness(lower, upper, gap + 1e-5)) < 0


@settings(max_examples=60, deadline=None)
@given(cross_sections(), cross_sections(), lengths, lengths, st.floats(0.0, 0.03))
def test_force_scales_with_j1_j2_and_is_symmetric_under_swap(shape1, shape2, h1, h2, gap):
    lower = RingMagnet(shape1[0], shape1[1], h1, 1.0)
    upper = RingMagnet(shape2[0], shape2[1], h2, 1.0)
    unit = float(axial_force(lower, upper, gap))
    scaled = float(axial_force(lower.with_polarization(1.3), upper.with_polarization(-0.7), gap))
    assert scaled == pytest.approx(-0.91 * unit, rel=1e-12, abs=1e-12)
    assert float(axial_force(upper, lower, gap)) == pytest.approx(unit, rel=1e-8, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(cross_sections(), lengths, st.floats(0.0, 7.5e-3), st.floats(0.25, 4.0))
def test_scaling_every_length_by_lambda_scales_force_by_lambda_squared(shape, h, gap, scale):
    # magnet-physics.md 6: at fixed J the force goes as lambda^2, so pressure is scale-free.
    # Both gaps stay within the 0-30 mm the kernel is certified for: far out the force of a
    # thin ring is a small difference of the 16 terms and loses digits (rectoplan.mct.force).
    outer, inner = shape
    small = RingMagnet(outer, inner, h, 1.3)
    large = RingMagnet(outer * scale, inner * scale, h * scale, 1.3)
    ratio = float(axial_force(large, large, gap * scale)) / float(axial_force(small, small, gap))
    assert ratio == pytest.approx(scale**2, rel=1e-8)

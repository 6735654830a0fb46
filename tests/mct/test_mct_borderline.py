"""Borderline coupling verdicts: near one of the four assumptions the verdict says so.

The band is `CouplingSettings.borderline_fraction`. The rail decision is checked against the
closed-form coaxial pull computed here: with the directly placed pull far below the direct
threshold, the verdict hangs on the rail threshold exactly when moving that threshold by the
band crosses the pull, i.e. when (1 - band) * rail <= F < (1 + band) * rail.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rectoplan.mct.design import CouplingSettings, Verdict, assess_coupling
from rectoplan.mct.force import axial_force
from rectoplan.mct.magnets import RingMagnet

RING = RingMagnet.from_mm(20, 3, 8, "N50")  # the seed-000 case's designed ring


@settings(max_examples=12, deadline=None)
@given(gap_mm=st.floats(30, 60))
def test_the_rail_decision_is_borderline_exactly_within_the_band(gap_mm):
    s = CouplingSettings()
    pull = float(axial_force(RING, RING, gap_mm * 1e-3))
    a = assess_coupling(RING, RING, gap_mm * 1e-3, s)
    assert a.misaligned_force_n < (1 - s.borderline_fraction) * s.direct_force_n
    band = s.borderline_fraction
    expected = (1 - band) * s.rail_force_n <= pull < (1 + band) * s.rail_force_n
    assert ("rail_force_n" in a.borderline) is expected
    assert a.is_borderline is expected  # nothing else can matter this far from direct
    if expected:
        assert "rail coupling threshold (0.5 N)" in a.explanation
        assert "20%" in a.borderline_note()


def test_a_verdict_near_the_direct_threshold_names_it():
    s = CouplingSettings()
    # the gap at which the directly placed pull is 10 % above the direct threshold
    gaps = np.linspace(15e-3, 35e-3, 81)
    pulls = [assess_coupling(RING, RING, g, s).misaligned_force_n for g in gaps[::10]]
    gap = next(g for g, p in zip(gaps[::10], pulls, strict=True) if p < 1.1 * s.direct_force_n)
    a = assess_coupling(RING, RING, gap, s)
    assert abs(a.misaligned_force_n / s.direct_force_n - 1) < s.borderline_fraction
    assert "direct_force_n" in a.borderline
    assert "direct coupling threshold (2 N)" in a.borderline_note()


def test_far_from_every_threshold_the_verdict_is_clear():
    a = assess_coupling(RING, RING, 5e-3)
    assert a.verdict is Verdict.COUPLES_DIRECTLY and a.misaligned_force_n > 5 * 2.0
    assert a.borderline == () and a.borderline_note() == ""
    assert "Borderline" not in a.explanation


def test_a_zero_band_is_never_borderline():
    a = assess_coupling(RING, RING, 45e-3, CouplingSettings(borderline_fraction=0))
    assert a.borderline == ()


@pytest.mark.parametrize("fraction", [-0.1, 1.0])
def test_the_band_must_be_a_fraction(fraction):
    with pytest.raises(ValueError, match="borderline_fraction"):
        CouplingSettings(borderline_fraction=fraction)

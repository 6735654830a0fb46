"""Contact area and pressure: geometry by independent counting, pressures from the domain tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rectoplan.mct.force import axial_force
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.reference import RING_A
from rectoplan.mct.tissue import (
    PressureStatus,
    PressureWindow,
    annulus_overlap_area,
    classify_pressure,
    format_pressure,
    lens_area,
    mean_pressure_pa,
    ring_overlap_area,
)
from rectoplan.mct.units import PA_PER_MMHG


def _counted_overlap(ri1, ro1, ri2, ro2, offset, cells=1500):
    """Overlap by counting grid cells: shares nothing with the lens formula."""
    half = max(ro1, ro2 + abs(offset))
    axis = (np.arange(cells) + 0.5) / cells * 2 * half - half
    x, y = np.meshgrid(axis, axis, indexing="ij")
    r1 = np.hypot(x, y)
    r2 = np.hypot(x - offset, y)
    inside = (r1 >= ri1) & (r1 <= ro1) & (r2 >= ri2) & (r2 <= ro2)
    return inside.sum() * (2 * half / cells) ** 2


@pytest.mark.parametrize(
    "case",
    [
        (4e-3, 10e-3, 4e-3, 10e-3, 3e-3),
        (4e-3, 10e-3, 5e-3, 12.5e-3, 8e-3),
        (0.0, 10e-3, 3e-3, 7.5e-3, 5e-3),
        (4e-3, 10e-3, 4e-3, 10e-3, 15e-3),
    ],
)
def test_offset_overlap_matches_cell_counting(case):
    assert float(annulus_overlap_area(*case)) == pytest.approx(_counted_overlap(*case), rel=4e-3)


def test_overlap_limits():
    assert float(ring_overlap_area(RING_A, RING_A)) == pytest.approx(math.pi * (1e-4 - 1.6e-5))
    assert float(annulus_overlap_area(4e-3, 10e-3, 4e-3, 10e-3, 2.1e-2)) == 0.0
    # coaxial unequal annuli overlap on the common band of radii
    assert float(annulus_overlap_area(3e-3, 7.5e-3, 5e-3, 12.5e-3)) == pytest.approx(
        math.pi * (7.5e-3**2 - 5e-3**2)
    )
    assert float(lens_area(1.0, 2.0, 0.5)) == pytest.approx(math.pi)  # small circle inside


def test_pressures_match_the_domain_tables():
    # magnet-physics.md 2.8 at J = 1.30 T: A 1 mm 197 kPa, 2 mm 134, 5 mm 56, 10 mm 21,
    # contact 347; B (OD15/ID5/h3) 2 mm 13.3 N, 85 kPa; C (OD35/ID15/h10) 2 mm 163 N, 207 kPa.
    area_a = ring_overlap_area(RING_A, RING_A)
    for gap, kpa in {1e-3: 197, 2e-3: 134, 5e-3: 56, 1e-2: 21, 0.0: 347}.items():
        pressure = mean_pressure_pa(axial_force(RING_A, RING_A, gap), area_a) / 1e3
        assert float(pressure) == pytest.approx(kpa, abs=0.5 if kpa > 50 else 0.6)
    for (od, id_, h), force_n, kpa in (((15, 5, 3), 13.3, 85), ((35, 15, 10), 163, 207)):
        ring = RingMagnet(od * 1e-3, id_ * 1e-3, h * 1e-3, 1.3)
        force = float(axial_force(ring, ring, 2e-3))
        assert force == pytest.approx(force_n, rel=5e-3)
        assert force / float(ring_overlap_area(ring, ring)) / 1e3 == pytest.approx(kpa, abs=0.6)


def test_units_for_clinicians():
    # 1 kPa = 7.50 mmHg (magnet-physics.md 2.8).
    assert pytest.approx(7.50, abs=0.005) == 1e3 / PA_PER_MMHG
    assert format_pressure(134e3) == "134 kPa (1005 mmHg)"


def test_pressure_window_is_only_what_the_user_sets():
    assert classify_pressure(50e3, None) is PressureStatus.NO_WINDOW
    window = PressureWindow(low_kpa=20, high_kpa=100)
    assert window.classify(10e3) is PressureStatus.BELOW
    assert window.classify(50e3) is PressureStatus.WITHIN
    assert window.classify(150e3) is PressureStatus.ABOVE
    assert PressureWindow(high_kpa=30).classify(10e3) is PressureStatus.WITHIN
    with pytest.raises(ValueError, match="low_kpa"):
        PressureWindow(low_kpa=100, high_kpa=20)
    with pytest.raises(ValueError, match="high_kpa"):
        PressureWindow(high_kpa=-1)

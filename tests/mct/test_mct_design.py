"""Coupling verdict and ring optimizer: consistency with independent physics and brute force."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from rectoplan.errors import FieldError
from rectoplan.mct.demag import screen_demagnetization
from rectoplan.mct.design import (
    CouplingSettings,
    DeliveryLimits,
    DesignGrid,
    Objective,
    Verdict,
    assess_coupling,
    design_rings,
)
from rectoplan.mct.force import axial_force, ring_pair_force
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.materials import GRADES
from rectoplan.mct.reference import bessel_force
from rectoplan.mct.tissue import PressureStatus, PressureWindow

RING = RingMagnet.from_mm(20, 8, 5, "N45")
ARGUMENTS = ("inner_radius_m", "outer_radius_m", "height_m", "polarization_t")
SETTINGS = CouplingSettings()


@pytest.fixture(scope="module")
def at_20mm():
    return assess_coupling(RING, RING, 20e-3)


def test_ranges_are_where_independent_physics_meets_the_thresholds(at_20mm):
    # The rail range is where the Bessel-integral force (not the closed form) equals the rail
    # threshold; the direct range is where magpylib's getFT, at the direct-placement pose,
    # pulls with the direct threshold.
    rail, _ = bessel_force(RING, RING, at_20mm.max_coupling_gap_m)
    assert rail == pytest.approx(SETTINGS.rail_force_n, rel=1e-6)
    magpylib = pytest.importorskip("magpylib")
    from scipy.spatial.transform import Rotation

    gap, tilt = at_20mm.max_direct_gap_m, SETTINGS.direct_tilt_rad
    assert gap > RING.outer_radius_m * math.sin(tilt)  # the full tilt fits at that gap

    def ring(position, orientation=None):
        return magpylib.magnet.CylinderSegment(
            position=position,
            orientation=orientation,
            dimension=(RING.inner_radius_m, RING.outer_radius_m, RING.height_m, 0, 360),
            polarization=(0, 0, RING.polarization_t),
        )

    rotation = Rotation.from_rotvec([tilt, 0, 0])
    centroid = np.array([SETTINGS.direct_offset_m, 0, gap]) + rotation.apply(
        [0, 0, 0.5 * RING.height_m]
    )
    force, _ = magpylib.getFT(
        ring((0, 0, -0.5 * RING.height_m)), ring(centroid, rotation), meshing=5000
    )
    assert -force[2] == pytest.approx(SETTINGS.direct_force_n, rel=1e-3)


def test_assessment_numbers_agree_with_independent_oracles(at_20mm):
    axial, _ = bessel_force(RING, RING, 20e-3)
    assert at_20mm.force_n == pytest.approx(axial, rel=1e-9)
    _, radial_offset = bessel_force(RING, RING, 20e-3, SETTINGS.direct_offset_m)
    assert at_20mm.lateral_restoring_force_n == pytest.approx(-radial_offset, rel=1e-6)
    assert at_20mm.lateral_restoring_force_n > 0
    area = math.pi * (0.01**2 - 0.004**2)
    assert at_20mm.contact_area_m2 == pytest.approx(area)
    assert at_20mm.pressure_pa == pytest.approx(axial / area, rel=1e-9)
    final, _ = bessel_force(RING, RING, SETTINGS.final_gap_m)
    assert at_20mm.final_pressure_pa == pytest.approx(final / area, rel=1e-8)
    assert at_20mm.stiffness_n_per_m < 0


def test_verdict_bands_follow_the_two_ranges(at_20mm):
    direct, rail = at_20mm.max_direct_gap_m, at_20mm.max_coupling_gap_m
    assert 0 < direct < rail < SETTINGS.max_search_gap_m
    expected = {
        0.9 * direct: Verdict.COUPLES_DIRECTLY,
        1.1 * direct: Verdict.NEEDS_GUIDEWIRE_RAIL,
        0.95 * rail: Verdict.NEEDS_GUIDEWIRE_RAIL,
        1.05 * rail: Verdict.CANNOT_COUPLE,
    }
    for gap, verdict in expected.items():
        assert assess_coupling(RING, RING, gap).verdict is verdict, gap
    assert at_20mm.verdict is Verdict.NEEDS_GUIDEWIRE_RAIL


def test_explanation_states_the_numbers_and_marks_assumptions(at_20mm):
    text = at_20mm.explanation
    for number in (
        f"{at_20mm.force_n:.2f} N",
        f"{at_20mm.misaligned_force_n:.2f} N",
        f"{at_20mm.lateral_restoring_force_n:.2f} N",
        f"{at_20mm.max_coupling_gap_m * 1e3:.1f} mm",
        f"{at_20mm.max_direct_gap_m * 1e3:.1f} mm",
        "20 mm",
        "0.5 N",
        "2 N",
    ):
        assert number in text
    assert text.count("(assumption)") >= 2
    assert "guide-wire rail" in text


def test_thresholds_are_settings_and_change_the_verdict():
    strict = CouplingSettings(rail_force_n=1.5, direct_force_n=3.0)
    assert assess_coupling(RING, RING, 20e-3, strict).verdict is Verdict.CANNOT_COUPLE
    lenient = CouplingSettings(rail_force_n=0.1, direct_force_n=0.2)
    assert assess_coupling(RING, RING, 20e-3, lenient).verdict is Verdict.COUPLES_DIRECTLY
    for bad in ({"rail_force_n": -1.0}, {"direct_force_n": 0.1}, {"direct_tilt_rad": 2.0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            CouplingSettings(**bad)
    with pytest.raises(ValueError, match="planned_gap_m"):
        assess_coupling(RING, RING, -1e-3)


def test_pressure_window_is_reported_not_invented():
    plain = assess_coupling(RING, RING, 10e-3)
    assert plain.pressure_status is PressureStatus.NO_WINDOW
    windowed = assess_coupling(RING, RING, 10e-3, pressure_window=PressureWindow(30, 150))
    assert windowed.pressure_status is PressureStatus.BELOW  # ~20 kPa at 10 mm
    assert windowed.final_pressure_status is PressureStatus.ABOVE  # ~190 kPa at 1 mm
    assert "user window 30..150 kPa" in windowed.explanation


def test_unequal_pair_and_short_gap():
    small = RingMagnet.from_mm(15, 5, 4, "N42")
    assessment = assess_coupling(RING, small, 1.5e-3)
    assert assessment.verdict is Verdict.COUPLES_DIRECTLY
    # at 1.5 mm a 15 mm ring can tilt asin(1.5 / 7.5) = 11.5 deg before its rim touches
    assert math.degrees(assessment.misaligned_tilt_rad) == pytest.approx(11.537, abs=1e-3)
    assert "(lower)" in assessment.explanation and "tilt limited" in assessment.explanation


# --- optimizer ----------------------------------------------------------------------------

LIMITS = DeliveryLimits(16e-3, 4e-3, 5e-3)
GRID = DesignGrid(step_m=1e-3, height_step_m=1e-3, min_outer_diameter_m=8e-3)
GRADE_NAMES = ("N35", "N45", "N52")


@pytest.fixture(scope="module")
def brute_force():
    """Every candidate built one by one with the object API; its rail range by bisection.

    Independent of the optimizer's grid enumeration, interpolation, Newton polish and Pareto
    filter; the kernel itself is checked against mpmath in test_mct_force.py.
    """
    rows = []
    for od, id_, h in itertools.product(range(8, 17), range(4, 17), range(1, 6)):
        if od - id_ < 2:
            continue
        for name in GRADE_NAMES:
            ring = RingMagnet.from_mm(od, id_, h, name)
            screen = screen_demagnetization(
                ring.inner_radius_m,
                ring.outer_radius_m,
                ring.height_m,
                ring.polarization_t,
                GRADES[name],
            )
            rows.append((od, id_, h, name, ring, not screen.at_risk))
    rings = [row[4] for row in rows]
    ri, ro, h, j = (np.array([getattr(r, a) for r in rings]) for a in ARGUMENTS)

    def excess(gap):
        return ring_pair_force(ri, ro, h, j, ri, ro, h, j, gap) - SETTINGS.rail_force_n

    low, high = np.zeros(len(rows)), np.full(len(rows), SETTINGS.max_search_gap_m)
    for _ in range(60):  # bisection: the pull of identical rings falls monotonically
        middle = 0.5 * (low + high)
        above = excess(middle) >= 0
        low, high = np.where(above, middle, low), np.where(above, high, middle)
    reach = np.where(excess(0.0) < 0, 0.0, 0.5 * (low + high))
    return [(*row[:4], float(r), row[5]) for row, r in zip(rows, reach, strict=True)]


@pytest.fixture(scope="module")
def result():
    return design_rings(LIMITS, planned_gap_m=10e-3, grid=GRID, grades=GRADE_NAMES)


def test_every_design_fits_the_limits_and_passes_the_screen(result):
    assert result.designs
    for design in result.designs:
        assert design.outer_diameter_m <= LIMITS.max_outer_diameter_m + 1e-12
        assert design.inner_diameter_m >= LIMITS.min_inner_diameter_m - 1e-12
        assert design.height_m <= LIMITS.max_height_m + 1e-12
        assert design.outer_diameter_m - design.inner_diameter_m >= 2 * GRID.min_wall_m - 1e-12
        assert design.demag_margin >= 1.0
        ring = design.ring()
        assert design.force_at_planned_gap_n == pytest.approx(
            float(axial_force(ring, ring, 10e-3)), rel=1e-12
        )


def test_optimizer_returns_exactly_the_brute_force_pareto_set(result, brute_force):
    feasible = [row for row in brute_force if row[5]]
    assert result.n_candidates == len(brute_force)
    assert result.n_feasible == len(feasible)
    by_key = {(od, id_, h, name): reach for od, id_, h, name, reach, _ in feasible}

    def objectives(reach, id_, h):
        return np.array([reach, id_, -h])

    points = np.array([objectives(reach, id_, h) for (_, id_, h, _), reach in by_key.items()])
    for design in result.designs:
        key = (
            round(design.outer_diameter_m * 1e3),
            round(design.inner_diameter_m * 1e3),
            round(design.height_m * 1e3),
            design.grade,
        )
        assert design.coupling_range_m == pytest.approx(by_key[key], rel=1e-9)
        own = objectives(design.coupling_range_m, key[1], key[2])
        dominated = np.all(points >= own - 1e-12, axis=1) & np.any(points > own + 1e-9, axis=1)
        assert not dominated.any(), key
    # completeness: every non-dominated (inner diameter, height) cell is represented
    front_cells = {
        (round(d.inner_diameter_m * 1e3), round(d.height_m * 1e3)) for d in result.designs
    }
    for (_, id_, h, _), reach in by_key.items():
        own = objectives(reach, id_, h)
        if not (np.all(points >= own, axis=1) & np.any(points > own, axis=1)).any():
            assert (id_, h) in front_cells


def test_pressure_objective_finds_the_closest_feasible_pressure(brute_force):
    target = 120.0
    found = design_rings(
        LIMITS,
        objective=Objective.PRESSURE,
        target_pressure_kpa=target,
        grid=GRID,
        grades=GRADE_NAMES,
    )
    best = found.designs[0]
    closest = math.inf
    for od, id_, h, name, _, ok in brute_force:
        if ok:
            ring = RingMagnet.from_mm(od, id_, h, name)
            pressure = float(axial_force(ring, ring, SETTINGS.final_gap_m)) / ring.face_area_m2
            closest = min(closest, abs(pressure / 1e3 - target))
    assert abs(best.final_pressure_pa / 1e3 - target) == pytest.approx(closest, abs=1e-9)
    with pytest.raises(ValueError, match="target_pressure_kpa"):
        design_rings(LIMITS, objective=Objective.PRESSURE, grid=GRID)
    with pytest.raises(FieldError, match="N99"):
        design_rings(LIMITS, grid=GRID, grades=("N45", "N99"))


def test_delivery_limits_validate_and_intersect():
    anus = DeliveryLimits(30e-3, 3e-3, 10e-3)
    stoma = DeliveryLimits(22e-3, 2e-3, 8e-3)
    assert anus.intersect(stoma) == DeliveryLimits(22e-3, 3e-3, 8e-3)
    with pytest.raises(FieldError, match="min_inner_diameter_m") as caught:
        DeliveryLimits(10e-3, 12e-3, 5e-3)
    assert caught.value.message == (
        "the bore to keep (12 mm) must be narrower than the widest ring the route passes (10 mm)"
    )
    with pytest.raises(FieldError, match="max_outer_diameter_m") as caught:
        DeliveryLimits(25.0, 3e-3, 5e-3)  # millimetres given as metres
    assert "at most 1000 mm, got 25000 mm" in caught.value.message
    assert dataclasses.is_dataclass(anus)

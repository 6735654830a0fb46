"""What keeps one assessment of a stenosis case cheap whatever the case holds (issue 12).

A generated case once made the engine take seconds: delivery limits as wide as the case
accepts (60 mm across, 40 mm high, no bore) are a million-geometry design grid, and a small
planned ring near contact needs quadrature poses that each cost a tenth of a second. The
design grid is coarsened to `MAX_DESIGN_GRID` (checked by counting the grid independently),
and the direct-placement search walks only the gaps where the coaxial pull reaches the direct
threshold (checked against the poses themselves and by counting the poses it computes).
No test here times anything: cost is counted, speed is measured in ``benchmarks/``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rectoplan.clinical.case import Case
from rectoplan.mct import design
from rectoplan.mct.design import (
    MAX_DESIGN_GRID,
    CouplingSettings,
    DeliveryLimits,
    DesignGrid,
    Verdict,
    assess_coupling,
    bounded_grid,
    grid_size,
)
from rectoplan.mct.force import axial_force
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.pose import pose_force
from rectoplan.pathways import assess
from rectoplan.pathways.stenosis import plan_rings

MM = 1e-3
WIDEST = DeliveryLimits(60 * MM, 0.0, 40 * MM)
"""The widest limits the case model accepts (`MagnetDeliveryLimits`)."""
SEED000 = Path(__file__).resolve().parents[2] / "examples/cases/seed000_anastomotic_stenosis.json"


def _values(low: float, high: float, step: float) -> int:
    """Grid values k * step in [low, high] (to a billionth of a step), counted one by one
    rather than by the library's formula."""
    k, count = 0, 0
    while k * step <= high + 1e-9 * step:
        count += k * step >= low - 1e-9 * step
        k += 1
    return count


def _box(limits: DeliveryLimits, grid: DesignGrid) -> int:
    od = _values(grid.min_outer_diameter_m, limits.max_outer_diameter_m, grid.step_m)
    bore = _values(limits.min_inner_diameter_m, limits.max_outer_diameter_m, grid.step_m)
    height = _values(grid.min_height_m, limits.max_height_m, grid.height_step_m)
    return od * bore * height


def test_the_seed000_limits_keep_the_fine_grid():
    limits = DeliveryLimits(20 * MM, 3 * MM, 8 * MM)
    assert bounded_grid(limits) == DesignGrid()
    assert grid_size(limits, DesignGrid()) == _box(limits, DesignGrid()) == 31 * 35 * 15


@settings(max_examples=60, deadline=None)
@given(
    od_mm=st.floats(1, 60),
    bore_fraction=st.floats(0, 0.99),
    height_mm=st.floats(0.01, 40),
)
def test_the_engines_grid_is_the_finest_within_the_bound(od_mm, bore_fraction, height_mm):
    limits = DeliveryLimits(od_mm * MM, od_mm * bore_fraction * MM, height_mm * MM)
    grid = bounded_grid(limits)
    fine = DesignGrid()
    factor = round(grid.step_m / fine.step_m)
    assert grid.step_m == pytest.approx(factor * fine.step_m)
    assert grid.height_step_m == pytest.approx(factor * fine.height_step_m)
    assert grid_size(limits, grid) == _box(limits, grid) <= MAX_DESIGN_GRID
    if factor > 1:  # one step finer would be over the bound
        finer = DesignGrid(step_m=(factor - 1) * fine.step_m, height_step_m=(factor - 1) * 0.5e-3)
        assert _box(limits, finer) > MAX_DESIGN_GRID


def test_the_widest_limits_are_searched_on_a_coarser_grid_that_the_case_page_names():
    assert grid_size(WIDEST, DesignGrid()) > 15 * MAX_DESIGN_GRID  # ~40 s at 0.5 mm
    grid = bounded_grid(WIDEST)
    assert grid.step_m == pytest.approx(1.5 * MM)
    data = json.loads(SEED000.read_text())
    data["stenosis"]["delivery_limits"] = {
        "max_od_anus_mm": 60,
        "max_od_stoma_mm": 60,
        "min_id_mm": 0,
        "max_height_mm": 40,
    }
    case = Case.model_validate(data)
    plan, warnings = plan_rings(case.stenosis)
    assert warnings == [] and plan is not None and plan.designed
    assert plan.step_mm == pytest.approx(1.5)
    ring = plan.lower
    assert ring.od_mm <= 60 and ring.height_mm <= 40
    for value in (ring.od_mm, ring.id_mm, ring.height_mm):  # on the 1.5 mm grid
        assert value / 1.5 == pytest.approx(round(value / 1.5), abs=1e-6)
    finding = next(f for f in assess(case).findings if f.id == "designed_ring")
    assert "on a 1.5 mm grid" in finding.derivation


def _spy_on_poses(monkeypatch) -> list:
    calls: list = []

    def counted(*args, **kwargs):
        calls.append(args[2])
        return pose_force(*args, **kwargs)

    monkeypatch.setattr(design, "pose_force", counted)
    return calls


def test_a_small_ring_near_contact_needs_a_handful_of_poses(monkeypatch):
    # the generated case of issue 12: a 5 mm ring at a 0.1 mm planned gap took 27 poses, all
    # at zero clearance (the gap limits the tilt so the rim touches), several seconds in all
    ring = RingMagnet.from_mm(5, 0.89, 1, "N35")
    s = CouplingSettings()
    calls = _spy_on_poses(monkeypatch)
    a = assess_coupling(ring, ring, 0.1 * MM, s)
    assert len(calls) <= 6, calls
    # what the skipped poses would have said, computed here pose by pose
    assert a.verdict is Verdict.NEEDS_GUIDEWIRE_RAIL and a.max_direct_gap_m == 0.0
    for gap in (0.0, 0.1 * MM, 0.3 * MM, 1 * MM, 3 * MM, 10 * MM):
        tilt = min(s.direct_tilt_rad, math.asin(min(1.0, gap / ring.outer_radius_m)))
        pull = -float(pose_force(ring, ring, gap, s.direct_offset_m, tilt)[0][2])
        assert pull < s.direct_force_n
        assert pull <= float(axial_force(ring, ring, gap))  # the bound the search rests on


def test_a_pair_too_weak_to_couple_directly_anywhere_costs_only_the_planned_gaps_poses(
    monkeypatch,
):
    ring = RingMagnet.from_mm(3, 2.5, 1, "N35")
    s = CouplingSettings()
    assert float(axial_force(ring, ring, 0.0)) < s.direct_force_n
    calls = _spy_on_poses(monkeypatch)
    a = assess_coupling(ring, ring, 0.2 * MM, s)
    assert a.max_direct_gap_m == 0.0
    assert calls == [0.2 * MM, 0.2 * MM]  # the misaligned and the lateral pull, no search


def _borderline_by_every_move(ring, gap, s: CouplingSettings) -> tuple[str, ...]:
    """The borderline assumptions with every move's poses computed (no shortcut)."""
    a = assess_coupling(ring, ring, gap, s)
    found = []
    for factor in (1 - s.borderline_fraction, 1 + s.borderline_fraction):
        if (
            design._verdict_at(
                a.force_n,
                a.misaligned_force_n,
                a.lateral_restoring_force_n,
                s.rail_force_n * factor,
                s.direct_force_n,
            )
            is not a.verdict
        ):
            found.append("rail_force_n")
        if (
            design._verdict_at(
                a.force_n,
                a.misaligned_force_n,
                a.lateral_restoring_force_n,
                s.rail_force_n,
                s.direct_force_n * factor,
            )
            is not a.verdict
        ):
            found.append("direct_force_n")
    for name in ("direct_offset_m", "direct_tilt_rad"):
        for factor in (1 - s.borderline_fraction, 1 + s.borderline_fraction):
            moved = design.replace(s, **{name: getattr(s, name) * factor})
            tilt = min(moved.direct_tilt_rad, math.asin(min(1.0, gap / ring.outer_radius_m)))
            pull = -float(pose_force(ring, ring, gap, moved.direct_offset_m, tilt)[0][2])
            side = -float(pose_force(ring, ring, gap, moved.direct_offset_m, 0.0)[0][0])
            verdict = design._verdict_at(a.force_n, pull, side, s.rail_force_n, s.direct_force_n)
            if verdict is not a.verdict:
                found.append(name)
                break
    return tuple(dict.fromkeys(found))


@pytest.mark.parametrize(
    ("ring_mm", "gap_mm"),
    [((5, 0.89, 1, "N35"), 0.1), ((20, 8, 5, "N45"), 1.0), ((20, 3, 8, "N50"), 24.0)],
)
def test_the_borderline_shortcuts_change_no_answer(ring_mm, gap_mm):
    ring = RingMagnet.from_mm(*ring_mm)
    s = CouplingSettings()
    assert assess_coupling(ring, ring, gap_mm * MM, s).borderline == _borderline_by_every_move(
        ring, gap_mm * MM, s
    )

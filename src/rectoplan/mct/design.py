"""Will this ring pair couple across this stenosis, and which ring would? (the planner layer)

`assess_coupling` answers the first question for a planned gap (the stenosis length) and a
ring pair; `design_rings` searches the ring designs that fit the delivery route for the
second and returns the Pareto set. Both sit on the exact kernels below them.

**The coupling criterion.** Seed 000 (``zhang_mct_rectal``): rings placed directly at both
ends of a long stenotic segment did not attract each other effectively; threaded on a zebra
guide wire through the segment they coupled, compressed it and passed on day 6. The force
between the rings is the same with or without a wire, so the wire must have changed what the
force had to do. Placed directly, each ring lies wherever the endoscope left it, off the
other's axis and tilted, and the pull must both drag it through folds and the bend of the
segment and turn it into line before it can compress anything. On a rail the rings are held
coaxial and only have to stay together and advance along the wire. Hence two thresholds:

* **couples directly** when the axial pull at the planned gap, with the misalignment expected
  from direct placement (`CouplingSettings.direct_offset_m`, `direct_tilt_rad`; computed by
  surface-charge quadrature, `rectoplan.mct.pose`), reaches `direct_force_n`;
* **needs a guide-wire rail** when it does not, but the coaxial pull reaches the lower
  `rail_force_n`;
* **cannot couple** with this pair when even the coaxial pull is below `rail_force_n`.

No published study gives these numbers (the rat-colon contact forces of Tian 2024, 4.1 and
8.3 N, and the instrument-anchoring data of Best 2011 are different situations), so every
threshold is a named, configurable assumption, and the verdict quotes them next to the
computed forces.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from scipy import optimize

from rectoplan.errors import FieldError
from rectoplan.evidence import cite
from rectoplan.i18n import N_, _
from rectoplan.mct.demag import demagnetization_factor, peak_internal_field_per_tesla
from rectoplan.mct.force import (
    axial_force,
    axial_stiffness,
    identical_ring_pair_force,
    ring_pair_stiffness,
)
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.materials import GRADES, MaterialModel
from rectoplan.mct.materials import grade as lookup_grade
from rectoplan.mct.pose import pose_force
from rectoplan.mct.tissue import (
    PressureStatus,
    PressureWindow,
    classify_pressure,
    format_pressure,
    mean_pressure_pa,
    ring_overlap_area,
)
from rectoplan.mct.units import KPA, MM

COUPLING_EVIDENCE = cite("zhang_mct_rectal", "xian_atresia_rail_2024", "best_2011", "tian_2024")
#: Density of sintered NdFeB, kg/m^3 (7.3-7.6 g/cm^3 in the vendor tables; mid value).
NDFEB_DENSITY_KG_PER_M3 = 7500.0


class Verdict(StrEnum):
    COUPLES_DIRECTLY = "couples_directly"
    NEEDS_GUIDEWIRE_RAIL = "needs_guidewire_rail"
    CANNOT_COUPLE = "cannot_couple"

    @property
    def label(self) -> str:
        """The verdict in words (the case page, the planner and the command line say it so)."""
        return {
            Verdict.COUPLES_DIRECTLY: _("Couples directly"),
            Verdict.NEEDS_GUIDEWIRE_RAIL: _("Needs a guide-wire rail"),
            Verdict.CANNOT_COUPLE: _("Cannot couple with this pair"),
        }[self]


@dataclass(frozen=True, slots=True)
class CouplingSettings:
    """Thresholds of the coupling verdict. Every value is an assumption; calibrate on bench data.

    rail_force_n
        Assumption: the coaxial pull that holds two rings together on a guide wire and advances
        them as the tissue yields, against their weight (~0.1 N for a 10 g ring) and the drag
        of wire and bowel: 0.5 N, about five ring weights.
    direct_force_n
        Assumption: the pull a directly placed ring needs to drag itself across folds and the
        angle of the segment and into line with its partner: 2.0 N, four times the rail
        threshold.
    direct_offset_m, direct_tilt_rad
        Assumption: the misalignment left by endoscopic placement without a rail, 5 mm and
        15 degrees (about half the play of a 20 mm ring in a 30 mm lumen). Near contact the
        tilt is reduced to the largest the gap allows.
    final_gap_m
        Assumption: the tissue thickness (two compressed walls) at which the late compression
        pressure is quoted, 1 mm.
    max_search_gap_m
        How far the coupling range is searched (0.1 m: beyond it no surgical pair couples).
    borderline_fraction
        [P] The band around the four assumptions above within which the verdict is called
        borderline: if moving any one of ``rail_force_n``, ``direct_force_n``,
        ``direct_offset_m`` or ``direct_tilt_rad`` by this fraction either way changes the
        verdict, the verdict says so and names that assumption. 0.2 is twice the ~10 % by
        which the force model itself is uncertain (grade tolerance +/-4 %, 37 degC -3 to -4 %,
        demagnetization ~5 %: magnet-physics notes sections 0 and 5); unverified.
    """

    rail_force_n: float = 0.5
    direct_force_n: float = 2.0
    direct_offset_m: float = 5e-3
    direct_tilt_rad: float = math.radians(15.0)
    final_gap_m: float = 1e-3
    max_search_gap_m: float = 0.1
    borderline_fraction: float = 0.2

    def __post_init__(self) -> None:
        for name in ("rail_force_n", "direct_force_n", "final_gap_m", "max_search_gap_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise FieldError(name, f"must be a positive number, got {value}")
        if self.direct_force_n < self.rail_force_n:
            raise FieldError("direct_force_n", "must not be below rail_force_n")
        if not (math.isfinite(self.direct_offset_m) and self.direct_offset_m >= 0):
            raise FieldError("direct_offset_m", f"must be >= 0, got {self.direct_offset_m}")
        if not 0 <= self.direct_tilt_rad < 0.5 * math.pi:
            raise FieldError("direct_tilt_rad", f"must be in [0, pi/2), got {self.direct_tilt_rad}")
        if not 0 <= self.borderline_fraction < 1:
            raise FieldError(
                "borderline_fraction", f"must be in [0, 1), got {self.borderline_fraction}"
            )


ASSUMPTION_WORDS = {
    "rail_force_n": N_("the rail coupling threshold"),
    "direct_force_n": N_("the direct coupling threshold"),
    "direct_offset_m": N_("the direct-placement offset"),
    "direct_tilt_rad": N_("the direct-placement tilt"),
}
"""The four coupling assumptions in words (the borderline note names them); English message
ids, shown through `assumption_words`."""


def assumption_words(name: str) -> str:
    """An assumption named in words, in the current locale."""
    return _(ASSUMPTION_WORDS[name])


def assumption_value(settings: CouplingSettings, name: str) -> str:
    """An assumption's value as people read it: ``0.5 N``, ``5 mm``, ``15 deg``."""
    value = getattr(settings, name)
    if name.endswith("_force_n"):
        return f"{value:g} N"
    if name == "direct_offset_m":
        return f"{value / MM:g} mm"
    return _("{degrees:g} deg").format(degrees=math.degrees(value))


@dataclass(frozen=True, slots=True)
class CouplingAssessment:
    """The coupling verdict for one ring pair across one planned gap, with its numbers (SI)."""

    lower: RingMagnet
    upper: RingMagnet
    planned_gap_m: float
    force_n: float
    stiffness_n_per_m: float
    contact_area_m2: float
    pressure_pa: float
    final_pressure_pa: float
    misaligned_force_n: float
    misaligned_tilt_rad: float
    lateral_restoring_force_n: float
    max_coupling_gap_m: float
    max_direct_gap_m: float
    verdict: Verdict
    explanation: str
    settings: CouplingSettings
    pressure_window: PressureWindow | None = None
    evidence: tuple[str, ...] = COUPLING_EVIDENCE
    borderline: tuple[str, ...] = ()
    """The assumptions (`CouplingSettings` field names) the verdict hangs on: moving one by
    ``settings.borderline_fraction`` changes it. Empty: the verdict is not borderline."""

    @property
    def is_borderline(self) -> bool:
        return bool(self.borderline)

    def borderline_note(self) -> str:
        """ "Borderline: it hangs on the rail coupling threshold (0.5 N, an assumption) ..." or
        "" when the verdict is clear of every assumption's band."""
        if not self.borderline:
            return ""
        s = self.settings
        named = [f"{assumption_words(n)} ({assumption_value(s, n)})" for n in self.borderline]
        return _(
            "Borderline: the verdict changes if {assumptions} is off by {fraction:.0%}; each is "
            "an assumption, not a measured value."
        ).format(assumptions=_(" or ").join(named), fraction=s.borderline_fraction)

    @property
    def pressure_kpa(self) -> float:
        return self.pressure_pa / KPA

    @property
    def pressure_status(self) -> PressureStatus:
        """Pressure at the planned gap against the user's window (`NO_WINDOW` without one)."""
        return classify_pressure(self.pressure_pa, self.pressure_window)

    @property
    def final_pressure_status(self) -> PressureStatus:
        return classify_pressure(self.final_pressure_pa, self.pressure_window)


def _largest_gap_above(curve, threshold: float, grid: np.ndarray) -> float:
    """Largest gap on ``grid``'s span where ``curve(gap) >= threshold``; ``grid[0]`` if none.

    Walks the grid down from the far end and stops at the first point above the threshold
    (the pull need not be monotone for unequal rings, and the near-contact poses are the
    expensive ones), then refines that crossing with Brent's method. Returns ``grid[-1]`` if
    the curve is still above the threshold there.
    """
    previous = None
    for gap in grid[::-1]:
        if curve(gap) >= threshold:
            if previous is None:
                return float(gap)
            return float(optimize.brentq(lambda g: curve(g) - threshold, gap, previous, xtol=1e-7))
        previous = gap
    return float(grid[0])


def _search_grid(settings: CouplingSettings, points: int) -> np.ndarray:
    return np.concatenate([[0.0], np.geomspace(5e-4, settings.max_search_gap_m, points)])


def _direct_range(lower, upper, settings: CouplingSettings) -> float:
    """Largest gap at which the pair couples directly (misaligned pull >= ``direct_force_n``).

    Each misaligned pull is a quadrature pose, and near contact a pose costs a tenth of a
    second or more. A misaligned pair pulls less than the coaxial one (the assumption
    `_hangs_on` rests on too), so only the gaps where the cheap coaxial pull reaches the
    threshold are walked, and a pair whose coaxial pull never reaches it couples directly
    nowhere (no pose at all). Near contact the poses left dominate (benchmarks/
    stenosis_worst.py).
    """
    grid = _search_grid(settings, 16)
    threshold = settings.direct_force_n
    if float(axial_force(lower, upper, 0.0)) < threshold:
        return 0.0
    coaxial = _largest_gap_above(lambda g: float(axial_force(lower, upper, g)), threshold, grid)
    if coaxial < grid[-1]:
        grid = np.append(grid[grid < coaxial], coaxial)
    return _largest_gap_above(
        lambda g: _misaligned_pull(lower, upper, g, settings)[0], threshold, grid
    )


def _tilt(upper, gap, settings: CouplingSettings) -> float:
    """The direct-placement tilt, reduced near contact to the largest the gap allows."""
    return min(settings.direct_tilt_rad, math.asin(min(1.0, gap / upper.outer_radius_m)))


def _misaligned_pull(lower, upper, gap, settings) -> tuple[float, float]:
    """(axial pull, tilt used) at ``gap`` with the direct-placement misalignment."""
    tilt = _tilt(upper, gap, settings)
    force, _torque = pose_force(lower, upper, gap, settings.direct_offset_m, tilt)
    return -float(force[2]), tilt


def _verdict(force, misaligned, lateral, settings) -> Verdict:
    return _verdict_at(force, misaligned, lateral, settings.rail_force_n, settings.direct_force_n)


def _verdict_at(force, misaligned, lateral, rail_force_n, direct_force_n) -> Verdict:
    if misaligned >= direct_force_n and lateral > 0:
        return Verdict.COUPLES_DIRECTLY
    if force >= rail_force_n:
        return Verdict.NEEDS_GUIDEWIRE_RAIL
    return Verdict.CANNOT_COUPLE


def _hangs_on(
    lower, upper, gap, force, misaligned_pull, lateral_pull, settings: CouplingSettings, verdict
) -> tuple[str, ...]:
    """The assumptions whose move by +/- ``borderline_fraction`` changes the verdict.

    The two thresholds are compared with the computed pulls; the misalignment is recomputed
    (a quadrature pose per move: milliseconds far apart, a tenth of a second or more near
    contact), except where the move cannot change the pose: a tilt the gap already limits
    below both moved values, and the lateral pull (untilted) under a tilt move. The lateral
    pull only matters once the axial pull reaches ``direct_force_n``."""
    band = settings.borderline_fraction
    if band == 0:
        return ()
    rail, direct = settings.rail_force_n, settings.direct_force_n
    misaligned, lateral = misaligned_pull, lateral_pull
    found = []
    for factor in (1 - band, 1 + band):
        if _verdict_at(force, misaligned, lateral, rail * factor, direct) is not verdict:
            found.append("rail_force_n")
        if _verdict_at(force, misaligned, lateral, rail, direct * factor) is not verdict:
            found.append("direct_force_n")
    # A misaligned pair pulls less than the coaxial one, so when even the coaxial pull is
    # below the direct threshold no move of the misalignment can make the rings couple
    # directly: the quadrature poses (slow near contact) are then skipped.
    misalignment_matters = verdict is Verdict.COUPLES_DIRECTLY or force >= direct
    for name in ("direct_offset_m", "direct_tilt_rad") if misalignment_matters else ():
        for factor in (1 - band, 1 + band):
            value = getattr(settings, name) * factor
            if name == "direct_tilt_rad":
                value = min(value, 0.5 * math.pi - 1e-9)
            moved = replace(settings, **{name: value})
            if name == "direct_tilt_rad" and _tilt(upper, gap, moved) == _tilt(
                upper, gap, settings
            ):
                continue  # the gap limits the tilt either way: the same pose, the same pull
            pull, _tilt_used = _misaligned_pull(lower, upper, gap, moved)
            side = lateral
            if name == "direct_offset_m" and pull >= direct:
                side = -float(pose_force(lower, upper, gap, moved.direct_offset_m, 0.0)[0][0])
            if _verdict_at(force, pull, side, rail, direct) is not verdict:
                found.append(name)
                break
    return tuple(dict.fromkeys(found))


def _range_text(gap: float, settings: CouplingSettings) -> str:
    if gap >= settings.max_search_gap_m:
        return f">= {settings.max_search_gap_m / MM:g} mm"
    return f"{gap / MM:.1f} mm"


def _explain(a: CouplingAssessment) -> str:
    s = a.settings
    pair = (
        _("two {ring} rings").format(ring=a.lower.describe())
        if a.lower == a.upper
        else _("{lower} (lower) and {upper} (upper)").format(
            lower=a.lower.describe(), upper=a.upper.describe()
        )
    )
    tilt_note = (
        ""
        if a.misaligned_tilt_rad == s.direct_tilt_rad
        else _(" (tilt limited to {degrees:.1f} deg by the gap)").format(
            degrees=math.degrees(a.misaligned_tilt_rad)
        )
    )
    lateral = (
        _("the lateral pull back toward the axis is {force:.2f} N.")
        if a.lateral_restoring_force_n > 0
        else _(
            "the lateral pull back toward the axis is {force:.2f} N, i.e. away from it: "
            "no self-centring."
        )
    ).format(force=a.lateral_restoring_force_n)
    lines = [
        _(
            "At the planned {gap:g} mm gap {pair} pull {force:.2f} N when coaxial: {pressure} "
            "over {area:.0f} mm2, rising to {final_pressure} at {final_gap:g} mm."
        ).format(
            gap=a.planned_gap_m / MM,
            pair=pair,
            force=a.force_n,
            pressure=format_pressure(a.pressure_pa),
            area=a.contact_area_m2 / MM**2,
            final_pressure=format_pressure(a.final_pressure_pa),
            final_gap=s.final_gap_m / MM,
        ),
        _(
            "Placed directly, with {offset:g} mm offset and {tilt:g} deg tilt{tilt_note}, the "
            "axial pull is {pull:.2f} N against the {needed:g} N needed to self-align "
            "(assumption); {lateral}"
        ).format(
            offset=s.direct_offset_m / MM,
            tilt=math.degrees(s.direct_tilt_rad),
            tilt_note=tilt_note,
            pull=a.misaligned_force_n,
            needed=s.direct_force_n,
            lateral=lateral,
        ),
        _(
            "On a guide-wire rail the rings stay coaxial and need {force:g} N (assumption). "
            "They couple on a rail up to {rail_range} and directly up to {direct_range}."
        ).format(
            force=s.rail_force_n,
            rail_range=_range_text(a.max_coupling_gap_m, s),
            direct_range=_range_text(a.max_direct_gap_m, s),
        ),
    ]
    if a.pressure_window is not None:
        lines.append(
            f"Against the {a.pressure_window.describe()} the planned-gap pressure is "
            f"{a.pressure_status.replace('_', ' ')} and the late one "
            f"{a.final_pressure_status.replace('_', ' ')} (no window is established in the "
            "literature; this one is the user's)."
        )
    if a.borderline:
        lines.append(a.borderline_note())
    conclusion = {
        Verdict.COUPLES_DIRECTLY: _("Verdict: couples directly."),
        Verdict.NEEDS_GUIDEWIRE_RAIL: _("Verdict: needs a guide-wire rail (as in seed 000)."),
        Verdict.CANNOT_COUPLE: _(
            "Verdict: cannot couple with this pair; a stronger or larger pair, a shorter "
            "segment or another approach is needed."
        ),
    }[a.verdict]
    return " ".join([*lines, conclusion])


def assess_coupling(
    lower: RingMagnet,
    upper: RingMagnet,
    planned_gap_m: float,
    settings: CouplingSettings | None = None,
    pressure_window: PressureWindow | None = None,
) -> CouplingAssessment:
    """Coupling verdict for a ring pair across a planned gap (the stenosis length, metres).

    ``lower`` goes in from below (anus), ``upper`` from above (stoma); for the physics only
    their order along the axis matters. Takes ~10-200 ms (the direct range needs some
    quadrature poses). `CouplingAssessment.explanation` states every number and threshold.
    """
    settings = settings or CouplingSettings()
    gap = float(planned_gap_m)
    if not (math.isfinite(gap) and gap >= 0):
        raise FieldError("planned_gap_m", f"must be a finite distance >= 0, got {planned_gap_m}")
    if gap > settings.max_search_gap_m:
        raise FieldError(
            "planned_gap_m",
            f"{gap / MM:g} mm is beyond the {settings.max_search_gap_m / MM:g} mm "
            "searched; no surgical ring pair couples that far",
        )
    area = float(ring_overlap_area(lower, upper))
    force = float(axial_force(lower, upper, gap))
    pressure = float(mean_pressure_pa(force, area))
    final = float(axial_force(lower, upper, min(settings.final_gap_m, gap)))
    misaligned, tilt = _misaligned_pull(lower, upper, gap, settings)
    lateral, _torque = pose_force(lower, upper, gap, settings.direct_offset_m, 0.0)
    assessment = CouplingAssessment(
        lower=lower,
        upper=upper,
        planned_gap_m=gap,
        force_n=force,
        stiffness_n_per_m=float(axial_stiffness(lower, upper, gap)),
        contact_area_m2=area,
        pressure_pa=pressure,
        final_pressure_pa=float(mean_pressure_pa(final, area)),
        misaligned_force_n=misaligned,
        misaligned_tilt_rad=tilt,
        lateral_restoring_force_n=-float(lateral[0]),
        max_coupling_gap_m=_largest_gap_above(
            lambda g: float(axial_force(lower, upper, g)),
            settings.rail_force_n,
            _search_grid(settings, 40),
        ),
        max_direct_gap_m=_direct_range(lower, upper, settings),
        verdict=_verdict(force, misaligned, -float(lateral[0]), settings),
        explanation="",
        settings=settings,
        pressure_window=pressure_window,
    )
    borderline = _hangs_on(
        lower,
        upper,
        gap,
        force,
        misaligned,
        assessment.lateral_restoring_force_n,
        settings,
        assessment.verdict,
    )
    return _with_explanation(replace(assessment, borderline=borderline))


def _with_explanation(a: CouplingAssessment) -> CouplingAssessment:
    return replace(a, explanation=_explain(a))


# --- design optimizer -------------------------------------------------------------------


class Objective(StrEnum):
    RANGE = "range"
    PRESSURE = "pressure"


@dataclass(frozen=True, slots=True)
class DeliveryLimits:
    """What fits the route (SI): the narrowest passage, the lumen to keep, the rigid length.

    ``max_outer_diameter_m``: the tightest of anus, stoma or endoscope channel on the way in;
    ``min_inner_diameter_m``: the guide wire and the new lumen; ``max_height_m``: the longest
    rigid ring that negotiates the bends. The same ring design is used on both sides, so pass
    the stricter route's limits (`DeliveryLimits.intersect`).
    """

    max_outer_diameter_m: float
    min_inner_diameter_m: float
    max_height_m: float

    def __post_init__(self) -> None:
        for name in ("max_outer_diameter_m", "max_height_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 < value <= 1.0):
                raise FieldError(
                    name, f"must be a length above 0 and at most 1000 mm, got {value / MM:g} mm"
                )
        inner = self.min_inner_diameter_m
        if not (math.isfinite(inner) and inner >= 0):
            raise FieldError("min_inner_diameter_m", f"must be a length >= 0 mm, got {inner}")
        if inner >= self.max_outer_diameter_m:
            raise FieldError(
                "min_inner_diameter_m",
                f"the bore to keep ({inner / MM:g} mm) must be narrower than the widest ring "
                f"the route passes ({self.max_outer_diameter_m / MM:g} mm)",
            )

    def intersect(self, other: DeliveryLimits) -> DeliveryLimits:
        """Limits that satisfy both routes (e.g. the anus and the stoma)."""
        return DeliveryLimits(
            min(self.max_outer_diameter_m, other.max_outer_diameter_m),
            max(self.min_inner_diameter_m, other.min_inner_diameter_m),
            min(self.max_height_m, other.max_height_m),
        )


@dataclass(frozen=True, slots=True)
class DesignGrid:
    """The candidate grid. ``min_wall_m`` (radial wall) and ``min_height_m`` are assumptions:
    thinner coated NdFeB rings chip and are hard to make (no source retrieved)."""

    step_m: float = 0.5e-3
    height_step_m: float = 0.5e-3
    min_outer_diameter_m: float = 5e-3
    min_height_m: float = 1e-3
    min_wall_m: float = 1e-3
    gap_count: int = 30
    min_gap_m: float = 0.2e-3


MAX_DESIGN_GRID = 60_000
"""Candidate geometries (OD x ID x height, `grid_size`) one design search may sweep when it
answers a request rather than a deliberate command: about two seconds of work on one core.
The sweep grows with the cube of the limits over the step: the widest limits the case
accepts (60 mm across, 40 mm high, no bore) are a million geometries at 0.5 mm, about 40 s.
The API refuses a larger grid naming its step; the engine's own search coarsens its step
instead (`bounded_grid`). The command line has no such limit."""


def _count(low: float, high: float, step: float) -> int:
    """How many grid values ``k * step`` lie in [low, high] (as `_steps` makes them)."""
    return max(0, math.floor(high / step + 1e-9) - math.ceil(low / step - 1e-9) + 1)


def grid_size(limits: DeliveryLimits, grid: DesignGrid) -> int:
    """Candidate geometries of the search box (OD x ID x height) before the wall rule: what
    the sweep's time grows with."""
    outer = _count(grid.min_outer_diameter_m, limits.max_outer_diameter_m, grid.step_m)
    inner = _count(limits.min_inner_diameter_m, limits.max_outer_diameter_m, grid.step_m)
    heights = _count(grid.min_height_m, limits.max_height_m, grid.height_step_m)
    return outer * inner * heights


def bounded_grid(
    limits: DeliveryLimits, grid: DesignGrid | None = None, max_size: int = MAX_DESIGN_GRID
) -> DesignGrid:
    """``grid``, or the finest coarsening of it (both steps times 2, 3, ...) whose search box
    holds at most ``max_size`` geometries: wide limits cost the engine a coarser ring table,
    not a worker's minute. It ends: past the widest limit every axis holds one value."""
    grid = grid or DesignGrid()
    factor = 1
    while True:
        coarse = replace(
            grid, step_m=grid.step_m * factor, height_step_m=grid.height_step_m * factor
        )
        if grid_size(limits, coarse) <= max(max_size, 1):
            return coarse
        factor += 1


@dataclass(frozen=True, slots=True)
class RingDesign:
    """One Pareto-optimal design: the same ring on both sides."""

    outer_diameter_m: float
    inner_diameter_m: float
    height_m: float
    grade: str
    polarization_t: float
    coupling_range_m: float
    final_pressure_pa: float
    demag_margin: float
    mass_kg: float
    force_at_planned_gap_n: float = math.nan

    def ring(self) -> RingMagnet:
        return RingMagnet(
            self.outer_diameter_m,
            self.inner_diameter_m,
            self.height_m,
            self.polarization_t,
            self.grade,
        )


@dataclass(frozen=True, slots=True)
class DesignResult:
    """The Pareto set of ring designs and how much of the grid it was chosen from."""

    designs: tuple[RingDesign, ...]
    objective: Objective
    limits: DeliveryLimits
    n_geometries: int
    n_candidates: int
    n_feasible: int
    gaps_m: np.ndarray = field(repr=False, compare=False)
    planned_gap_m: float | None = None
    target_pressure_kpa: float | None = None


def _steps(low: float, high: float, step: float) -> np.ndarray:
    """Grid values ``k * step`` in [low, high], as integer multiples (no drift from arange)."""
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return np.arange(first, last + 1) * step


def _candidate_geometries(limits: DeliveryLimits, grid: DesignGrid):
    """All (inner radius, outer radius, height) on the grid within limits and wall rules."""
    outer = _steps(grid.min_outer_diameter_m, limits.max_outer_diameter_m, grid.step_m)
    inner = _steps(limits.min_inner_diameter_m, limits.max_outer_diameter_m, grid.step_m)
    heights = _steps(grid.min_height_m, limits.max_height_m, grid.height_step_m)
    od, idia, h = (a.ravel() for a in np.meshgrid(outer, inner, heights, indexing="ij"))
    keep = od - idia >= 2 * grid.min_wall_m - 1e-12
    return 0.5 * idia[keep], 0.5 * od[keep], h[keep]


def _pareto_cells(score, inner, height) -> np.ndarray:
    """Which of the per-cell best candidates are Pareto-optimal (score up, bore up, height down).

    ``score``, ``inner`` and ``height`` hold one candidate per (bore, height) cell. A cell is
    dominated when a cell with a bore at least as wide and a height at least as low, other
    than itself, scores at least as well. With the scores on the (bore, height) grid, the best
    score over every such quadrant is two cumulative maxima, so the front costs O(cells)
    instead of comparing all pairs.
    """
    bores, i = np.unique(inner, return_inverse=True)
    heights, j = np.unique(height, return_inverse=True)
    grid = np.full((bores.size, heights.size), -np.inf)
    grid[i, j] = score
    best = np.maximum.accumulate(grid[::-1], axis=0)[::-1]  # over bores >= this one
    best = np.maximum.accumulate(best, axis=1)  # and heights <= this one
    wider = np.vstack([best[1:], np.full((1, heights.size), -np.inf)])
    lower = np.hstack([np.full((bores.size, 1), -np.inf), best[:, :-1]])
    return np.maximum(wider, lower)[i, j] < score


def _crossing_gaps(forces: np.ndarray, gaps: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Gap where each row of a decreasing force curve crosses its threshold.

    Inverse cubic interpolation of log(gap) against log(force) through the four grid points
    around the crossing (the curve is smooth and monotone for identical rings: in the Bessel
    form the integrand is a square). 0 if even the first gap is below, the last gap if above.
    """
    above = forces >= threshold[:, None]
    count = above.sum(axis=1)
    result = np.where(count == 0, 0.0, gaps[-1])
    inside = np.flatnonzero((count > 0) & (count < len(gaps)))
    if inside.size == 0:
        return result
    first = np.clip(count[inside] - 2, 0, len(gaps) - 4)
    cols = first[:, None] + np.arange(4)
    x = np.log(forces[inside[:, None], cols])
    y = np.log(np.maximum(gaps[cols], 1e-300))
    target = np.log(threshold[inside])[:, None]
    estimate = np.zeros(inside.size)
    for j in range(4):  # Lagrange basis in x, evaluated at the threshold
        basis = np.ones(inside.size)
        for k in range(4):
            if k != j:
                basis *= (target[:, 0] - x[:, k]) / (x[:, j] - x[:, k])
        estimate += basis * y[:, j]
    result[inside] = np.exp(estimate)
    return result


def _polish_ranges(ri, ro, h, polarization, estimate, gaps, threshold) -> np.ndarray:
    """Newton steps on the closed form (with its closed-form stiffness) from the interpolated
    crossing, kept inside the bracketing grid interval; three steps reach ~1e-12."""
    inside = (estimate > 0) & (estimate < gaps[-1])
    index = np.searchsorted(gaps, estimate)
    low = gaps[np.clip(index - 1, 0, len(gaps) - 1)]
    high = gaps[np.clip(index, 0, len(gaps) - 1)]
    gap = estimate.copy()
    for _attempt in range(3):
        excess = identical_ring_pair_force(ri, ro, h, polarization, polarization, gap) - threshold
        slope = ring_pair_stiffness(ri, ro, h, polarization, ri, ro, h, polarization, gap)
        gap = np.where(inside, np.clip(gap - excess / slope, low, high), gap)
    return gap


def sweep_unit_forces(inner_radius, outer_radius, height, gaps, chunk: int = 64):
    """Force (N) between identical rings with J = 1 T at ``gaps``: shape (geometries, gaps).

    Chunks of ``chunk`` geometries keep the temporaries in cache and are spread over threads
    (NumPy and SciPy ufuncs release the GIL), which is what makes 10^5 x 30 run in ~1 s.
    """
    from concurrent.futures import ThreadPoolExecutor
    from os import cpu_count

    ri, ro, h = (np.asarray(v, dtype=float) for v in (inner_radius, outer_radius, height))
    out = np.empty((ri.size, gaps.size))

    def run(start: int) -> None:
        part = slice(start, start + chunk)
        out[part] = identical_ring_pair_force(
            ri[part, None], ro[part, None], h[part, None], 1.0, 1.0, gaps[None, :]
        )

    with ThreadPoolExecutor(max_workers=min(4, cpu_count() or 1)) as pool:
        list(pool.map(run, range(0, ri.size, chunk)))
    return out


def design_rings(
    limits: DeliveryLimits,
    *,
    planned_gap_m: float | None = None,
    objective: Objective = Objective.RANGE,
    target_pressure_kpa: float | None = None,
    settings: CouplingSettings | None = None,
    material: MaterialModel | None = None,
    grid: DesignGrid | None = None,
    grades: tuple[str, ...] | None = None,
) -> DesignResult:
    """Pareto set of identical-ring designs within ``limits``, vectorized over the whole grid.

    Objectives (all at once): the coupling range on a rail (largest gap where the coaxial pull
    reaches ``settings.rail_force_n``) or, with ``Objective.PRESSURE``, closeness of the late
    compression pressure (at ``settings.final_gap_m``) to ``target_pressure_kpa``; a larger
    inner diameter (lumen); a lower height (easier passage, less mass). Rings that fail the
    demagnetization screen at the material's temperature are excluded. With
    ``planned_gap_m`` each design reports its pull there; in pressure mode designs that would
    not couple on a rail at the planned gap are excluded.
    """
    settings = settings or CouplingSettings()
    material = material or MaterialModel()
    grid = grid or DesignGrid()
    specs = [lookup_grade(name) for name in (grades or tuple(GRADES))]
    if objective is Objective.PRESSURE and not (target_pressure_kpa and target_pressure_kpa > 0):
        raise FieldError("target_pressure_kpa", "the pressure objective needs a target > 0 kPa")

    ri, ro, h = _candidate_geometries(limits, grid)
    gaps = np.concatenate(
        [[0.0], np.geomspace(grid.min_gap_m, settings.max_search_gap_m, grid.gap_count - 1)]
    )
    unit = sweep_unit_forces(ri, ro, h, gaps)
    factor = demagnetization_factor(ri, ro, h)
    field_per_tesla = peak_internal_field_per_tesla(ri, ro, h)
    area = np.pi * (ro**2 - ri**2)
    unit_final = identical_ring_pair_force(ri, ro, h, 1.0, 1.0, settings.final_gap_m)

    polarization = np.stack(
        [material.effective_polarization_t(s.br_nominal_t, factor) for s in specs]
    )
    knee = np.array([material.knee_field_a_per_m(s.hcj_min_a_per_m) for s in specs])
    margin = knee[:, None] / (polarization * field_per_tesla)
    j2 = polarization**2
    ranges = np.stack(
        [_crossing_gaps(unit, gaps, settings.rail_force_n / j2[k]) for k in range(len(specs))]
    )
    final_pressure = j2 * unit_final / area

    feasible = margin >= 1.0
    if planned_gap_m is not None and objective is Objective.PRESSURE:
        feasible &= ranges >= planned_gap_m
    if objective is Objective.RANGE:
        score = ranges
    else:
        score = -np.abs(final_pressure / KPA - target_pressure_kpa)

    grade_index, geometry_index = np.nonzero(feasible)
    designs: tuple[RingDesign, ...] = ()
    if grade_index.size:
        best = _best_per_cell(
            score[grade_index, geometry_index], ri[geometry_index], h[geometry_index]
        )
        cell_g, cell_k = geometry_index[best], grade_index[best]
        front = _pareto_cells(score[cell_k, cell_g], ri[cell_g], h[cell_g])
        g, k = cell_g[front], cell_k[front]
        j = polarization[k, g]
        exact = _polish_ranges(ri[g], ro[g], h[g], j, ranges[k, g], gaps, settings.rail_force_n)
        planned = (
            np.full(g.size, math.nan)
            if planned_gap_m is None
            else identical_ring_pair_force(ri[g], ro[g], h[g], j, j, planned_gap_m)
        )
        designs = tuple(
            RingDesign(
                outer_diameter_m=float(2 * ro[g[i]]),
                inner_diameter_m=float(2 * ri[g[i]]),
                height_m=float(h[g[i]]),
                grade=specs[k[i]].name,
                polarization_t=float(j[i]),
                coupling_range_m=float(exact[i]),
                final_pressure_pa=float(final_pressure[k[i], g[i]]),
                demag_margin=float(margin[k[i], g[i]]),
                mass_kg=float(NDFEB_DENSITY_KG_PER_M3 * area[g[i]] * h[g[i]]),
                force_at_planned_gap_n=float(planned[i]),
            )
            for i in range(g.size)
        )
        order = (
            (lambda d: -d.coupling_range_m)
            if objective is Objective.RANGE
            else (lambda d: abs(d.final_pressure_pa / KPA - target_pressure_kpa))
        )
        designs = tuple(sorted(designs, key=lambda d: (order(d), -d.inner_diameter_m, d.height_m)))
    return DesignResult(
        designs=designs,
        objective=objective,
        limits=limits,
        n_geometries=int(ri.size),
        n_candidates=int(ri.size * len(specs)),
        n_feasible=int(feasible.sum()),
        gaps_m=gaps,
        planned_gap_m=planned_gap_m,
        target_pressure_kpa=target_pressure_kpa,
    )


@functools.lru_cache(maxsize=32)
def cached_design_rings(limits: DeliveryLimits, **options) -> DesignResult:
    """`design_rings` remembered per input (every argument is a frozen, hashable value).

    The sweep is a pure function of its inputs and costs about a second; the engine assesses
    the same stenosis again on every save and the planner redraws the same table on every
    view, so the 32 most recent searches are kept. Treat the result as read-only."""
    return design_rings(limits, **options)


def _best_per_cell(score, inner, height) -> np.ndarray:
    """Index of the best-scoring candidate in each (inner diameter, height) cell.

    Only those can be Pareto-optimal: inner diameter and height are two of the objectives, so
    within a cell the score decides. Ties go to the earlier (smaller, lower-grade) candidate.
    """
    order = np.lexsort((-score, height, inner))
    cells = np.column_stack([inner[order], height[order]])
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = np.any(cells[1:] != cells[:-1], axis=1)
    return order[starts]

"""What the tissue between the rings sees: contact area, mean pressure, a user-set window.

The rings squeeze the tissue over the area where their faces overlap; the mean pressure
``p = F / A_overlap`` is the defensible first-order quantity (the magnetic traction itself
peaks at the rims, and the true distribution depends on tissue mechanics; magnet-physics.md
section 2.8). With a lateral offset the overlap of two annuli follows from lens areas of
circles by inclusion-exclusion.

No pressure window for magnetic compression is established: the study that set out to find
one (Xue 2016) could not be retrieved, nor could the review tabulating device pressures
(Lambe 2014), so nothing here calls a pressure safe. `PressureWindow` is whatever the user
sets, and the comparison only reports where a pressure falls relative to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from rectoplan.errors import FieldError
from rectoplan.evidence import cite
from rectoplan.mct.units import KPA, PA_PER_MMHG

PRESSURE_EVIDENCE = cite("xue_2016", "lambe_2014")


def lens_area(r1, r2, distance):
    """Area (m^2) common to two circles of radii r1, r2 whose centres are ``distance`` apart."""
    r1, r2, s = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (r1, r2, distance)))
    small = np.minimum(r1, r2)
    contained = s <= np.abs(r1 - r2)
    apart = s >= r1 + r2
    partial = ~(contained | apart)
    area = np.where(contained, math.pi * small * small, 0.0)
    if np.any(partial):
        a, b, d = r1[partial], r2[partial], s[partial]
        cos_a = np.clip((d * d + a * a - b * b) / (2 * d * a), -1.0, 1.0)
        cos_b = np.clip((d * d + b * b - a * a) / (2 * d * b), -1.0, 1.0)
        kite = (-d + a + b) * (d + a - b) * (d - a + b) * (d + a + b)
        area[partial] = (
            a * a * np.arccos(cos_a) + b * b * np.arccos(cos_b) - 0.5 * np.sqrt(np.maximum(kite, 0))
        )
    return area


def annulus_overlap_area(
    inner_radius_1, outer_radius_1, inner_radius_2, outer_radius_2, offset=0.0
):
    """Area (m^2) where two annuli overlap, centres ``offset`` apart (inclusion-exclusion)."""
    return (
        lens_area(outer_radius_1, outer_radius_2, offset)
        - lens_area(outer_radius_1, inner_radius_2, offset)
        - lens_area(inner_radius_1, outer_radius_2, offset)
        + lens_area(inner_radius_1, inner_radius_2, offset)
    )


def ring_overlap_area(lower, upper, offset_m=0.0):
    """Overlap (m^2) of the pole faces of two `RingMagnet`s."""
    return annulus_overlap_area(
        lower.inner_radius_m,
        lower.outer_radius_m,
        upper.inner_radius_m,
        upper.outer_radius_m,
        offset_m,
    )


def mean_pressure_pa(force_n, area_m2):
    """Mean contact pressure F / A in pascals; infinite for a positive force on zero area."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(area_m2) > 0, np.asarray(force_n) / area_m2, np.inf)


class PressureStatus(StrEnum):
    NO_WINDOW = "no_window"
    BELOW = "below_window"
    WITHIN = "within_window"
    ABOVE = "above_window"


@dataclass(frozen=True, slots=True)
class PressureWindow:
    """A pressure range the user chose (kPa); either bound may be open (None)."""

    low_kpa: float | None = None
    high_kpa: float | None = None

    def __post_init__(self) -> None:
        for name in ("low_kpa", "high_kpa"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise FieldError(name, f"must be a pressure >= 0 kPa, got {value}")
        if self.low_kpa is not None and self.high_kpa is not None and self.low_kpa >= self.high_kpa:
            raise FieldError(
                "low_kpa", f"must be below high_kpa ({self.low_kpa} >= {self.high_kpa})"
            )

    def classify(self, pressure_pa: float) -> PressureStatus:
        kpa = pressure_pa / KPA
        if self.low_kpa is not None and kpa < self.low_kpa:
            return PressureStatus.BELOW
        if self.high_kpa is not None and kpa > self.high_kpa:
            return PressureStatus.ABOVE
        return PressureStatus.WITHIN

    def describe(self) -> str:
        low = "-" if self.low_kpa is None else f"{self.low_kpa:g}"
        high = "-" if self.high_kpa is None else f"{self.high_kpa:g}"
        return f"user window {low}..{high} kPa"


def classify_pressure(pressure_pa: float, window: PressureWindow | None) -> PressureStatus:
    """Where ``pressure_pa`` falls relative to a user window (`NO_WINDOW` without one)."""
    return PressureStatus.NO_WINDOW if window is None else window.classify(pressure_pa)


def format_pressure(pressure_pa: float) -> str:
    """``'134 kPa (1005 mmHg)'``: kPa for engineers, mmHg for clinicians."""
    return f"{pressure_pa / KPA:.3g} kPa ({pressure_pa / PA_PER_MMHG:.0f} mmHg)"

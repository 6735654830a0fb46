"""Magnet-engine results as plain data (millimetres, kPa, mmHg): one payload for the command
line's ``--json`` and the web API, so the two can never drift apart."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rectoplan.mct.design import CouplingAssessment
from rectoplan.mct.force import axial_force, axial_stiffness
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.tissue import mean_pressure_pa, ring_overlap_area
from rectoplan.mct.units import KPA, MM, PA_PER_MMHG


def finite(value: float) -> float | None:
    """JSON has no infinity: the stiffness at contact of equal radii becomes null."""
    return float(value) if math.isfinite(value) else None


def mm(metres: float) -> float:
    """Metres to millimetres for display, without binary noise (14.000000000000002)."""
    return round(metres / MM, 9)


def ring_payload(ring: RingMagnet) -> dict[str, Any]:
    return {
        "od_mm": mm(ring.outer_diameter_m),
        "id_mm": mm(ring.inner_diameter_m),
        "height_mm": mm(ring.height_m),
        "grade": ring.grade,
        "polarization_t": ring.polarization_t,
    }


def pair_title(lower: RingMagnet, upper: RingMagnet) -> str:
    """The pair as a title: "two rings ..." when both are the same ring."""
    if lower == upper:
        return f"two rings {lower.describe()}"
    return f"lower {lower.describe()}; upper {upper.describe()}"


def curve_rows(lower: RingMagnet, upper: RingMagnet, gaps: np.ndarray) -> list[dict[str, Any]]:
    force = axial_force(lower, upper, gaps)
    stiffness = axial_stiffness(lower, upper, gaps)
    pressure = mean_pressure_pa(force, float(ring_overlap_area(lower, upper)))
    return [
        {
            "gap_mm": mm(g),
            "force_n": float(f),
            "pressure_kpa": finite(p / KPA),
            "pressure_mmhg": finite(p / PA_PER_MMHG),
            "stiffness_n_per_mm": finite(k * MM),
        }
        for g, f, p, k in zip(gaps, force, pressure, stiffness, strict=True)
    ]


def assessment_payload(a: CouplingAssessment) -> dict[str, Any]:
    s = a.settings
    return {
        "verdict": str(a.verdict),
        "explanation": a.explanation,
        "stenosis_length_mm": mm(a.planned_gap_m),
        "lower": ring_payload(a.lower),
        "upper": ring_payload(a.upper),
        "force_n": a.force_n,
        "stiffness_n_per_mm": finite(a.stiffness_n_per_m * MM),
        "contact_area_mm2": a.contact_area_m2 / MM**2,
        "pressure_kpa": a.pressure_pa / KPA,
        "pressure_mmhg": a.pressure_pa / PA_PER_MMHG,
        "final_pressure_kpa": a.final_pressure_pa / KPA,
        "misaligned_force_n": a.misaligned_force_n,
        "lateral_restoring_force_n": a.lateral_restoring_force_n,
        "max_coupling_gap_mm": a.max_coupling_gap_m / MM,
        "max_direct_gap_mm": a.max_direct_gap_m / MM,
        "pressure_status": str(a.pressure_status),
        "final_pressure_status": str(a.final_pressure_status),
        "settings": {
            "rail_force_n": s.rail_force_n,
            "direct_force_n": s.direct_force_n,
            "direct_offset_mm": s.direct_offset_m / MM,
            "direct_tilt_deg": math.degrees(s.direct_tilt_rad),
            "final_gap_mm": s.final_gap_m / MM,
            "all_assumptions": True,
        },
        "evidence": list(a.evidence),
    }


def design_rows(designs) -> list[dict[str, Any]]:
    return [
        {
            "od_mm": mm(d.outer_diameter_m),
            "id_mm": mm(d.inner_diameter_m),
            "height_mm": mm(d.height_m),
            "grade": d.grade,
            "polarization_t": d.polarization_t,
            "coupling_range_mm": d.coupling_range_m / MM,
            "force_at_stenosis_n": finite(d.force_at_planned_gap_n),
            "final_pressure_kpa": d.final_pressure_pa / KPA,
            "demag_margin": d.demag_margin,
            "mass_g": d.mass_kg * 1e3,
        }
        for d in designs
    ]

"""Magnet-engine results as plain data (millimetres, kPa, mmHg): one payload for the command
line's ``--json`` and the web API, so the two can never drift apart."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rectoplan.mct.design import CouplingAssessment, CouplingSettings
from rectoplan.mct.force import axial_force, axial_stiffness
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.pose import pose_force
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


POSE_POINTS = 24
"""Points of the misaligned curve: each is a surface-charge quadrature (~10 ms)."""


def misaligned_curve(lower, upper, settings: CouplingSettings, right_m: float, points=POSE_POINTS):
    """The pull a directly placed ring feels (offset and tilt of ``settings``), gap in metres;
    the tilt is limited near contact to what the gap allows, as in the verdict."""
    gaps = np.linspace(0.5 * MM, right_m, points)
    tilts = np.minimum(
        settings.direct_tilt_rad, np.arcsin(np.minimum(1, gaps / upper.outer_radius_m))
    )
    forces, _ = pose_force(lower, upper, gaps, settings.direct_offset_m, tilts)
    return gaps, -forces[:, 2]


def assessment_payload(a: CouplingAssessment) -> dict[str, Any]:
    s = a.settings
    return {
        "verdict": str(a.verdict),
        "explanation": a.explanation,
        "borderline": list(a.borderline),
        "borderline_note": a.borderline_note(),
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
            "borderline_fraction": s.borderline_fraction,
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


MANUFACTURING_STEP_MM = 0.5
"""[P] The manufacturing step of a ring's outer and inner diameter and height (mm): Pareto
designs whose dimensions all lie within one step of a better-ranked design are one row of
the planner's table (unverified: a maker's catalogue step, not a sourced tolerance)."""

SIZE_KEYS = ("od_mm", "id_mm", "height_mm")
SIZE_NAMES = {"od_mm": "OD", "id_mm": "ID", "height_mm": "h"}

DESIGN_COLUMNS = (
    ("od_mm", "OD (mm)"),
    ("id_mm", "ID (mm)"),
    ("height_mm", "Height (mm)"),
    ("grade", "Grade"),
    ("polarization_t", "J (T)"),
    ("coupling_range_mm", "Rail coupling range (mm)"),
    ("force_at_stenosis_n", "Force at the stenosis (N)"),
    ("final_pressure_kpa", "Late pressure (kPa)"),
    ("demag_margin", "Demagnetization margin"),
    ("mass_g", "Mass (g)"),
)
"""The design table's columns, in order, with their headings (the page's and the CSV's)."""


def merged_design_rows(
    rows: list[dict[str, Any]], step_mm: float = MANUFACTURING_STEP_MM
) -> list[dict[str, Any]]:
    """The Pareto rows (best first) with near-identical designs folded into one row.

    A design joins the first better-ranked row whose outer and inner diameter and height are
    each within ``step_mm`` of its own; the row keeps the better design's numbers and counts
    the designs it stands for (``similar``), with the span of their dimensions. Every design
    is in exactly one row."""
    merged: list[dict[str, Any]] = []
    tolerance = step_mm + 1e-9
    for rank, row in enumerate(rows, 1):
        home = next(
            (m for m in merged if all(abs(m[key] - row[key]) <= tolerance for key in SIZE_KEYS)),
            None,
        )
        if home is None:
            merged.append({**row, "rank": rank, "similar": 0, "members": [row]})
        else:
            home["similar"] += 1
            home["members"].append(row)
    for m in merged:
        members = m.pop("members")
        m["spans"] = {
            key: (min(r[key] for r in members), max(r[key] for r in members)) for key in SIZE_KEYS
        }
        m["span_text"] = ", ".join(
            f"{SIZE_NAMES[key]} {low:g}–{high:g}"
            for key, (low, high) in m["spans"].items()
            if low != high
        )
    return merged


def designs_csv(rows: list[dict[str, Any]]) -> str:
    """The design rows as CSV (the table's columns, numbers unrounded, empty for none)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([heading for _key, heading in DESIGN_COLUMNS])
    for row in rows:
        writer.writerow(["" if row[key] is None else row[key] for key, _h in DESIGN_COLUMNS])
    return out.getvalue()

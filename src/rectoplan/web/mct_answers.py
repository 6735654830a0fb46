"""Magnetic compression planning from a request: the ``rectoplan mct`` commands as JSON.

Shared by the API (``/api/mct/...``, `rectoplan.web.routes.mct`) and the stenosis planner page,
so the page's plots and verdict are the API's own answers. Inputs are millimetres like the
command line; the physics runs in SI inside `rectoplan.mct`, and the answers are the command
line's own ``--json`` payloads, so the two never drift apart. Bad input is a `FieldError` naming
the field (``lower.id_mm``). The design search grows with the cube of the grid, so a request
whose grid would exceed `rectoplan.mct.design.MAX_DESIGN_GRID` candidates is refused with the
step to use instead of tying up a worker for minutes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rectoplan.clinical.case import RingSpec
from rectoplan.errors import FieldError
from rectoplan.mct.design import (
    MAX_DESIGN_GRID,
    CouplingSettings,
    DeliveryLimits,
    DesignGrid,
    Objective,
    assess_coupling,
    cached_design_rings,
    grid_size,
)
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.materials import MaterialModel
from rectoplan.mct.tissue import PressureWindow
from rectoplan.mct.units import MM
from rectoplan.reports.mct_tables import assessment_payload, curve_rows, design_rows, ring_payload
from rectoplan.reports.outcomes import plain
from rectoplan.web.schemas import (
    CouplingSettingsIn,
    DesignIn,
    ForceIn,
    PlanIn,
    PressureWindowIn,
    RingPair,
)

_RING_FIELDS = {
    "outer_diameter_m": "od_mm",
    "inner_diameter_m": "id_mm",
    "height_m": "height_mm",
    "polarization_t": "polarization_t",
    "grade": "grade",
}


def _ring(spec: RingSpec, where: str, material: MaterialModel) -> RingMagnet:
    try:
        return RingMagnet.from_mm(
            spec.od_mm,
            spec.id_mm,
            spec.height_mm,
            spec.grade.value,
            polarization_t=spec.polarization_t,
            material=material,
        )
    except FieldError as exc:
        raise exc.renamed(f"{where}.{_RING_FIELDS.get(exc.field, exc.field)}") from None


def ring_pair(body: RingPair) -> tuple[RingMagnet, RingMagnet]:
    """The pair a request names (``upper`` defaults to ``lower``); shared with the planner page
    so its plots show the very rings the verdict is about."""
    material = MaterialModel.rigid() if body.ideal else MaterialModel()
    lower = _ring(body.lower, "lower", material)
    if body.upper is None:
        return lower, lower
    return lower, _ring(body.upper, "upper", material)


def _material(ideal: bool) -> MaterialModel:
    return MaterialModel.rigid() if ideal else MaterialModel()


def force(body: ForceIn) -> dict[str, Any]:
    """Force, mean contact pressure and axial stiffness of a coaxial ring pair against the gap."""
    lower, upper = ring_pair(body)
    rows = curve_rows(lower, upper, np.asarray(body.gaps_mm, dtype=float) * MM)
    return plain({"lower": ring_payload(lower), "upper": ring_payload(upper), "rows": rows})


def coupling_settings(given: CouplingSettingsIn) -> CouplingSettings:
    """The verdict's thresholds from a request (millimetres and degrees in); shared with the
    planner page, which draws them."""
    convert = {
        "rail_force_n": ("rail_force_n", float),
        "direct_force_n": ("direct_force_n", float),
        "direct_offset_mm": ("direct_offset_m", lambda mm: mm * MM),
        "direct_tilt_deg": ("direct_tilt_rad", math.radians),
    }
    values = {
        convert[key][0]: convert[key][1](value)
        for key, value in given.model_dump(exclude_none=True).items()
    }
    try:
        return CouplingSettings(**values)
    except FieldError as exc:
        field = next((k for k, (n, _) in convert.items() if n == exc.field), "rail_force_n")
        raise exc.renamed(f"settings.{field}") from None


def _window(given: PressureWindowIn | None) -> PressureWindow | None:
    if given is None:
        return None
    try:
        return PressureWindow(given.low_kpa, given.high_kpa)
    except FieldError as exc:
        raise exc.under("pressure_window") from None


def plan(body: PlanIn) -> dict[str, Any]:
    """Will the pair couple across the stenosis directly, only on a guide-wire rail, or not?
    Every threshold is an assumption and is reported with the verdict."""
    lower, upper = ring_pair(body)
    settings = coupling_settings(body.settings)
    try:
        result = assess_coupling(
            lower, upper, body.stenosis_length_mm * MM, settings, _window(body.pressure_window)
        )
    except FieldError as exc:
        raise exc.renamed("stenosis_length_mm") from None
    return plain(assessment_payload(result))


def design(body: DesignIn) -> dict[str, Any]:
    """Pareto set of ring designs (the same ring on both sides) within the delivery limits."""
    try:
        limits = DeliveryLimits(body.max_od_mm * MM, body.min_id_mm * MM, body.max_height_mm * MM)
    except FieldError as exc:
        field = {"max_outer_diameter_m": "max_od_mm", "min_inner_diameter_m": "min_id_mm"}
        raise exc.renamed(field.get(exc.field, "max_height_mm")) from None
    if body.objective is Objective.PRESSURE and body.target_pressure_kpa is None:
        raise FieldError("target_pressure_kpa", "the pressure objective needs a target (kPa)")
    grid = DesignGrid(step_m=body.step_mm * MM, height_step_m=body.step_mm * MM)
    size = grid_size(limits, grid)
    if size > MAX_DESIGN_GRID:
        raise FieldError(
            "step_mm",
            f"the grid would have {size:,} candidates (at most {MAX_DESIGN_GRID:,} per "
            "request): use a larger step or tighter limits",
        )
    result = cached_design_rings(
        limits,
        planned_gap_m=None if body.stenosis_length_mm is None else body.stenosis_length_mm * MM,
        objective=body.objective,
        target_pressure_kpa=body.target_pressure_kpa,
        material=_material(body.ideal),
        grid=grid,
        grades=None if body.grades is None else tuple(g.value for g in body.grades),
    )
    return plain(
        {
            "objective": str(result.objective),
            "n_candidates": result.n_candidates,
            "n_geometries": result.n_geometries,
            "n_feasible": result.n_feasible,
            "n_pareto": len(result.designs),
            "designs": design_rows(result.designs),
        }
    )

"""The planners: the stenosis (magnetic compression) planner and the sacrectomy plan.

The stenosis planner is the API's ``/api/mct/plan``, ``/force`` and ``/design`` on one page:
the form is a GET, so a plan is a URL a surgeon can paste into the meeting notes, and the
typed numbers are validated by the API's own request schemas and computed by the API's own
route functions, so the page and the API can never give two answers for the same rings.

The sacrectomy plan is the recurrence pathway's sagittal plan of a stored case drawn as the
surgeon takes it to theatre: level, tape length, approach and the warnings beside the figure.
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case, MagnetDeliveryLimits, Recurrence
from rectoplan.clinical.sacrum import SacralPlanError, plan_sacrectomy
from rectoplan.clinical.thresholds import DEFAULT_THRESHOLDS
from rectoplan.mct.design import CouplingSettings
from rectoplan.mct.materials import GRADES
from rectoplan.mct.units import MM
from rectoplan.pathways.engine import assess
from rectoplan.registry.users import Role
from rectoplan.web.deps import Principal
from rectoplan.web.errors import FieldProblem
from rectoplan.web.pages.figures import png_data_uri
from rectoplan.web.pages.render import messages_by_field, render
from rectoplan.web.pages.session import page_reader, page_role
from rectoplan.web.routes.cases import case_out
from rectoplan.web.routes.mct import (
    MAX_DESIGN_GRID,
    coupling_settings,
    design,
    force,
    plan,
    ring_pair,
)
from rectoplan.web.schemas import DesignIn, ForceIn, PlanIn

router = APIRouter(include_in_schema=False)

RING_KEYS = ("od_mm", "id_mm", "height_mm", "grade", "polarization_t")
SETTING_KEYS = ("rail_force_n", "direct_force_n", "direct_offset_mm", "direct_tilt_deg")
DESIGN_KEYS = ("max_od_mm", "min_id_mm", "max_height_mm", "step_mm")
FORM_KEYS = (
    "stenosis_length_mm",
    *(f"{side}.{key}" for side in ("lower", "upper") for key in RING_KEYS),
    "ideal",
    *(f"settings.{key}" for key in SETTING_KEYS),
    *DESIGN_KEYS,
)

SEED000_RING = {"od_mm": "20", "id_mm": "8", "height_mm": "5", "grade": "N45"}
"""The rings of ``examples/mct/seed000_stenosis.json`` (illustrative: the report gives none)."""
SEED000_DELIVERY = {"max_od_mm": "20", "min_id_mm": "3", "max_height_mm": "8"}
"""The delivery limits of the seed-000 case example (the stoma's 20 mm is the tighter route)."""


def _settings_defaults() -> dict[str, str]:
    """The verdict's thresholds as the form shows them: `CouplingSettings`' own defaults."""
    s = CouplingSettings()
    payload = {
        "rail_force_n": s.rail_force_n,
        "direct_force_n": s.direct_force_n,
        "direct_offset_mm": s.direct_offset_m / MM,
        "direct_tilt_deg": round(math.degrees(s.direct_tilt_rad), 9),
    }
    return {f"settings.{k}": f"{v:g}" for k, v in payload.items()}


DEFAULTS: dict[str, str] = {
    "stenosis_length_mm": "25",
    **{f"lower.{k}": v for k, v in SEED000_RING.items()},
    **{f"upper.{k}": v for k, v in SEED000_RING.items()},
    **_settings_defaults(),
    **SEED000_DELIVERY,
    "step_mm": f"{DesignIn.model_fields['step_mm'].default:g}",
}
"""The form's starting values: the seed-000 plan (length 25 mm, two OD20/ID8/h5 N45 rings)."""

TABLE_GAPS_MM = tuple(ForceIn.model_fields["gaps_mm"].default)
"""The gaps of the curve's data table: the API's default force gaps, plus the planned gap."""
PLOT_MAX_GAP_M = max(TABLE_GAPS_MM) * MM

VERDICT_WORDS = {
    "couples_directly": "Couples directly",
    "needs_guidewire_rail": "Needs a guide-wire rail",
    "cannot_couple": "Cannot couple with this pair",
}


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _ring_body(values: dict[str, str], side: str) -> dict[str, str] | None:
    ring = {k: values.get(f"{side}.{k}", "").strip() for k in RING_KEYS}
    if side == "upper" and all(_blank(ring[k]) for k in RING_KEYS if k != "grade"):
        return None  # the API's default: the same ring as the lower one
    return {k: v for k, v in ring.items() if v}


def _plan_body(values: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "stenosis_length_mm": values.get("stenosis_length_mm", "").strip() or None,
        "lower": _ring_body(values, "lower"),
        "ideal": values.get("ideal") == "on",
        "settings": {
            k: values[f"settings.{k}"].strip()
            for k in SETTING_KEYS
            if not _blank(values.get(f"settings.{k}"))
        },
    }
    upper = _ring_body(values, "upper")
    if upper is not None:
        body["upper"] = upper
    return {k: v for k, v in body.items() if v is not None}


def _design_body(values: dict[str, str]) -> dict[str, Any]:
    body = {k: values[k].strip() for k in DESIGN_KEYS if not _blank(values.get(k))}
    length = values.get("stenosis_length_mm", "").strip()
    if length:
        body["stenosis_length_mm"] = length
    body["ideal"] = values.get("ideal") == "on"
    return body


def _friendlier(errors: dict[str, str]) -> dict[str, str]:
    """Pydantic's "unable to parse string as a number" and "Field required" in a form's words."""
    words = {
        "Input should be a valid number": "Enter a number.",
        "Field required": "Enter a value.",
    }
    return {
        name: next((w for start, w in words.items() if message.startswith(start)), message)
        for name, message in errors.items()
    }


def _validated(values: dict[str, str]) -> tuple[PlanIn | None, DesignIn | None, dict[str, str]]:
    """The typed values through the API's schemas; errors keyed by the form's field names."""
    errors: dict[str, str] = {}
    plan_in = design_in = None
    try:
        plan_in = PlanIn.model_validate(_plan_body(values))
    except ValidationError as exc:
        errors.update(_friendlier(messages_by_field(exc)))
    try:
        design_in = DesignIn.model_validate(_design_body(values))
    except ValidationError as exc:
        for name, message in _friendlier(messages_by_field(exc)).items():
            errors.setdefault(name, message)
    return plan_in, design_in, errors


def _curve_alt(kind: str, rows: list[dict], payload: dict) -> str:
    first, last = rows[0], rows[-1]
    s = payload["settings"]
    gap = payload["stenosis_length_mm"]
    if kind == "force":
        return (
            f"Line plot of the coaxial pull against the gap on a logarithmic scale, falling from "
            f"{first['force_n']:.1f} N at contact to {last['force_n']:.2f} N at "
            f"{last['gap_mm']:g} mm, with the pull of directly placed rings dashed. At the "
            f"planned {gap:g} mm gap (vertical line) the pull is {payload['force_n']:.2f} N; "
            f"horizontal lines mark the rail threshold {s['rail_force_n']:g} N and the direct "
            f"threshold {s['direct_force_n']:g} N. The data table follows."
        )
    return (
        f"Line plot of the mean contact pressure against the gap on a logarithmic scale, "
        f"falling from {first['pressure_kpa']:.0f} kPa at contact to "
        f"{last['pressure_kpa']:.2f} kPa at {last['gap_mm']:g} mm. At the planned {gap:g} mm "
        f"gap (vertical line) it is {payload['pressure_kpa']:.2f} kPa; horizontal lines mark "
        f"the pressure the rail and direct force thresholds give over the ring overlap. "
        f"The data table follows."
    )


def _use_link(values: dict[str, str], row: dict[str, Any]) -> str:
    """The planner's URL with this design as both rings and everything else as typed (the
    upper ring left empty means the same ring; blank fields are left out to keep it short)."""
    ring = {
        "lower.od_mm": f"{row['od_mm']:g}",
        "lower.id_mm": f"{row['id_mm']:g}",
        "lower.height_mm": f"{row['height_mm']:g}",
        "lower.grade": row["grade"],
    }
    kept = {
        k: v
        for k, v in values.items()
        if (k in FORM_KEYS or k == "case_id") and v and not k.startswith(("lower.", "upper."))
    }
    return "/planner/stenosis?" + urlencode({**kept, **ring})


def _results(values: dict[str, str]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Verdict, curves, figures and designs, or the errors by field (nothing computed)."""
    plan_in, design_in, errors = _validated(values)
    if errors:
        return None, errors
    assert plan_in is not None and design_in is not None
    try:
        payload = plan(plan_in)
        designs = design(design_in)
    except FieldProblem as problem:  # inner >= outer, thresholds out of order, grid too big
        return None, {problem.field: problem.message}
    lower, upper = ring_pair(plan_in)
    settings = coupling_settings(plan_in.settings)
    gap_m = plan_in.stenosis_length_mm * MM
    gaps = sorted({*TABLE_GAPS_MM, plan_in.stenosis_length_mm})
    curve = force(ForceIn(**plan_in.model_dump(include={"lower", "upper", "ideal"}), gaps_mm=gaps))
    from rectoplan.reports.mct_figures import (
        force_gap_figure,
        plot_right_edge,
        pressure_gap_figure,
    )

    right = plot_right_edge(gap_m, PLOT_MAX_GAP_M)
    rows = curve["rows"]
    return {
        "plan": payload,
        "verdict_words": VERDICT_WORDS[payload["verdict"]],
        "curve": rows,
        "force_png": png_data_uri(lambda: force_gap_figure(lower, upper, settings, gap_m, right)),
        "pressure_png": png_data_uri(
            lambda: pressure_gap_figure(lower, upper, settings, gap_m, right)
        ),
        "force_alt": _curve_alt("force", rows, payload),
        "pressure_alt": _curve_alt("pressure", rows, payload),
        "design": designs,
        "use_links": [_use_link(values, row) for row in designs["designs"]],
    }, {}


def _tightest_route(lim: MagnetDeliveryLimits | None) -> float | None:
    """The narrowest passage the rings must pass (anus, stoma, endoscope), as the pathway
    plans them; None when the case gives none."""
    if lim is None:
        return None
    routes = [v for v in (lim.max_od_anus_mm, lim.max_od_stoma_mm, lim.max_od_endoscope_mm) if v]
    return min(routes) if routes else None


def _case_values(case: Case) -> tuple[dict[str, str], list[str]]:
    """The stenosis inputs a stored case gives, and notes on what it did not give."""
    st = case.stenosis
    if st is None:
        return {}, [f"Case {case.case_id} records no anastomotic stenosis: the example is shown."]
    values = {"stenosis_length_mm": f"{st.length_mm:g}"}
    notes = []
    if st.rings:
        for side, ring in (("lower", st.rings[0]), ("upper", st.rings[-1])):
            values.update(
                {
                    f"{side}.od_mm": f"{ring.od_mm:g}",
                    f"{side}.id_mm": f"{ring.id_mm:g}",
                    f"{side}.height_mm": f"{ring.height_mm:g}",
                    f"{side}.grade": ring.grade.upper(),
                }
            )
    else:
        notes.append(
            "The case records no ring pair: the seed-000 example rings are shown; "
            "pick a design from the table below."
        )
    lim = st.delivery_limits
    routes = (
        [] if lim is None else [lim.max_od_anus_mm, lim.max_od_stoma_mm, lim.max_od_endoscope_mm]
    )
    routes = [v for v in routes if v]
    if lim is not None and routes:
        values.update(
            {
                "max_od_mm": f"{min(routes):g}",
                "min_id_mm": f"{lim.min_id_mm:g}",
                "max_height_mm": f"{lim.max_height_mm:g}",
            }
        )
    else:
        notes.append("The case records no delivery limits: the seed-000 example limits are shown.")
    return values, notes


@router.get("/planner/stenosis")
def stenosis_planner(
    request: Request,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
    case_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Form and, once it has values (typed or from a case), the verdict, plots and designs."""
    typed = {k: v for k, v in request.query_params.items() if k in FORM_KEYS}
    submitted = bool(typed)
    case_id = case_id.strip() if case_id else None
    from_case, notes = ({}, [])
    if case_id:
        from_case, notes = _case_values(case_out(db, case_id).case)
    # A submitted form is taken as typed (a blank field stays blank); otherwise the example,
    # with what the case records over it.
    values = typed if submitted else {**DEFAULTS, **from_case}
    result, errors = (None, {})
    if submitted or from_case:
        result, errors = _results(values)
    context = {
        "nav": "stenosis",
        "values": values,
        "errors": errors,
        "result": result,
        "case_id": case_id,
        "notes": notes,
        "grades": list(GRADES),
        "max_grid": MAX_DESIGN_GRID,
        "settings_open": any(name.startswith("settings.") for name in errors),
    }
    status = 422 if errors else 200
    return render(request, "planners/stenosis.html", context, user=user, status_code=status)


# --- sacrectomy --------------------------------------------------------------------------


def _missing(rec: Recurrence | None) -> list[str]:
    """What the sagittal plan needs that the case does not record."""
    if rec is None:
        return ["a recurrence (recurrence)"]
    missing = []
    if not rec.sacral_landmarks:
        missing.append(
            "the sacral landmarks on the mid-sagittal image (recurrence.sacral_landmarks)"
        )
    if rec.tumour_upper_extent is None:
        missing.append("the tumour's upper extent on the sacrum (recurrence.tumour_upper_extent)")
    return missing


def _sacral_plan(case: Case) -> dict[str, Any]:
    """The plan with the pathway's thresholds, its figure, and what the pathway says."""
    rec = case.recurrence
    assert rec is not None and rec.tumour_upper_extent is not None
    th = DEFAULT_THRESHOLDS
    curve = rec.sacral_curve()
    tumour = (rec.tumour_upper_extent.x_mm, rec.tumour_upper_extent.y_mm)
    try:
        sacral = plan_sacrectomy(
            curve, tumour, th.sacrectomy_margin_mm, th.sacral_disc_half_width_mm
        )
    except SacralPlanError as exc:
        return {"problem": str(exc).split(": ", 1)[-1], "problem_field": exc.field}
    from rectoplan.reports.sagittal import sacrectomy_figure

    assessment = assess(case, th)
    approaches = [r for r in assessment.recommendations if r.id.startswith("recurrence.sacrectomy")]
    return {
        "sacral": sacral,
        "figure": png_data_uri(lambda: sacrectomy_figure(curve, sacral, tumour)),
        "alt": (
            f"Mid-sagittal drawing of the anterior sacral curve through the landmarks "
            f"{', '.join(curve.labels)}, the tumour's upper extent marked with a cross, the "
            f"vascular tape along the curve from the promontory ({sacral.tape_length_mm:.0f} mm) "
            f"and a dashed transection line at {sacral.level}, {sacral.margin_mm:g} mm above "
            "the tumour."
        ),
        "approaches": approaches,
        "warnings": assessment.warnings,
        "landmarks": rec.sacral_landmarks,
    }


@router.get("/cases/{case_id}/sacrectomy")
def sacrectomy_plan(
    request: Request,
    case_id: Annotated[str, Path(max_length=64)],
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """The sagittal plan of a stored case, or a notice naming the data it lacks."""
    case = case_out(db, case_id).case
    missing = _missing(case.recurrence)
    context: dict[str, Any] = {"nav": "cases", "case_id": case_id, "missing": missing}
    if not missing:
        context.update(_sacral_plan(case))
    return render(request, "planners/sacrectomy.html", context, user=user)

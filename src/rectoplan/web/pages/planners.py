"""The planners: the stenosis (magnetic compression) planner and the sacrectomy plan.

The stenosis planner is the API's ``/api/mct/plan``, ``/force`` and ``/design`` on one page:
the form is a GET, so a plan is a URL a surgeon can paste into the meeting notes, and the
typed numbers are validated by the API's own request schemas and computed by the API's own
route functions, so the page and the API can never give two answers for the same rings.

The sacrectomy plan is the recurrence pathway's sagittal plan of a stored case drawn as the
surgeon takes it to theatre: level, tape length, approach and the warnings beside the figure.
"""

from __future__ import annotations

import functools
import math
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case, NdfebGrade, Recurrence, RingSpec
from rectoplan.clinical.sacrum import plan_sacrectomy
from rectoplan.clinical.thresholds import DEFAULT_THRESHOLDS
from rectoplan.errors import FieldError, InvalidRecordError, StaleWriteError
from rectoplan.mct.design import CouplingSettings, Verdict
from rectoplan.mct.units import MM
from rectoplan.pathways.engine import assess
from rectoplan.pathways.stenosis import plan_rings
from rectoplan.registry import episodes, plans
from rectoplan.registry.users import Role
from rectoplan.reports.mct_tables import (
    DESIGN_COLUMNS,
    MANUFACTURING_STEP_MM,
    designs_csv,
    merged_design_rows,
)
from rectoplan.web.deps import Principal
from rectoplan.web.mct_answers import (
    MAX_DESIGN_GRID,
    coupling_settings,
    design,
    force,
    plan,
    ring_pair,
)
from rectoplan.web.pages.figures import png_data_uri
from rectoplan.web.pages.render import messages_by_field, render
from rectoplan.web.pages.session import page_reader, page_role, page_writer
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
CHART_POINTS = 160
"""Points of each coaxial curve in the charts (closed forms: microseconds each)."""
CHART_POSE_POINTS = 12
"""Points of the directly-placed curve: each is a quadrature pose (milliseconds each)."""
DESIGN_ROWS_SHOWN = 10
"""Rows of the design table shown before "Show all" (what fits on the MDT's projector)."""
SORT_KEYS = tuple(key for key, _heading in DESIGN_COLUMNS)
VIEW_KEYS = ("sort", "order", "show")
"""Query parameters of the table view (not of the plan): sort column, asc/desc, all rows."""


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


def _charts(lower, upper, settings, gap_m: float, payload: dict, rows: list[dict]):
    """The force and pressure charts as inline SVG (no script, no image encoding)."""
    import numpy as np

    from rectoplan.mct.force import axial_force
    from rectoplan.reports.mct_figures import plot_right_edge
    from rectoplan.reports.mct_tables import misaligned_curve
    from rectoplan.reports.svg_chart import Curve, Level, Marker, line_chart_svg

    right = plot_right_edge(gap_m, PLOT_MAX_GAP_M)
    gaps = np.linspace(0.0, right, CHART_POINTS)
    force = axial_force(lower, upper, gaps)
    direct_gaps, direct = misaligned_curve(lower, upper, settings, right, CHART_POSE_POINTS)
    area_m2 = payload["contact_area_mm2"] * MM**2
    gap_mm, x_range = gaps / MM, (0.0, right / MM)
    s = payload["settings"]
    label = "gap between the ring faces = stenosis length (mm)"
    force_svg = line_chart_svg(
        title="Pull against the gap",
        description=_curve_alt("force", rows, payload),
        x_label=label,
        y_label="force (N)",
        curves=[
            Curve(gap_mm, force, "pull, coaxial (on a rail)", "#1f77b4"),
            Curve(
                direct_gaps / MM,
                direct,
                f"pull, placed directly ({s['direct_offset_mm']:g} mm, "
                f"{s['direct_tilt_deg']:g}°)",
                "#1f77b4",
                dash="5 4",
            ),
        ],
        levels=[
            Level(s["rail_force_n"], f"rail threshold {s['rail_force_n']:g} N (assumption)",
                  "#2ca02c", "8 3 2 3"),
            Level(s["direct_force_n"], f"direct threshold {s['direct_force_n']:g} N "
                  "(assumption)", "#ff7f0e", "2 3"),
        ],
        marker=Marker(gap_m / MM, payload["force_n"], f"planned gap {gap_m / MM:g} mm",
                      f"{payload['force_n']:.2f} N"),
        x_range=x_range,
        element_id="plot-force",
    )  # fmt: skip
    kpa = force / area_m2 / 1e3
    pressure_svg = line_chart_svg(
        title="Mean contact pressure against the gap",
        description=_curve_alt("pressure", rows, payload),
        x_label=label,
        y_label="pressure (kPa)",
        curves=[Curve(gap_mm, kpa, "mean contact pressure", "#d62728")],
        levels=[
            Level(s["rail_force_n"] / area_m2 / 1e3, f"rail threshold {s['rail_force_n']:g} N "
                  "over the overlap", "#2ca02c", "8 3 2 3"),
            Level(s["direct_force_n"] / area_m2 / 1e3, f"direct threshold "
                  f"{s['direct_force_n']:g} N over the overlap", "#ff7f0e", "2 3"),
        ],
        marker=Marker(gap_m / MM, payload["pressure_kpa"], f"planned gap {gap_m / MM:g} mm",
                      f"{payload['pressure_kpa']:.2f} kPa"),
        x_range=x_range,
        element_id="plot-pressure",
    )  # fmt: skip
    return force_svg, pressure_svg


@functools.lru_cache(maxsize=64)
def _computed(plan_json: str, design_json: str) -> dict[str, Any]:
    """Verdict, curve, charts and Pareto designs for one validated input, remembered.

    Everything here is a pure function of the typed numbers: the MDT reopens the same plan
    (from the case, on the projector, after sorting the table), and the design sweep and the
    directly-placed curve cost most of a second. A `FieldError` propagates (not cached)."""
    plan_in = PlanIn.model_validate_json(plan_json)
    design_in = DesignIn.model_validate_json(design_json)
    payload = plan(plan_in)
    designs = design(design_in)
    lower, upper = ring_pair(plan_in)
    settings = coupling_settings(plan_in.settings)
    gap_m = plan_in.stenosis_length_mm * MM
    gaps = sorted({*TABLE_GAPS_MM, plan_in.stenosis_length_mm})
    curve = force(ForceIn(**plan_in.model_dump(include={"lower", "upper", "ideal"}), gaps_mm=gaps))
    rows = curve["rows"]
    force_svg, pressure_svg = _charts(lower, upper, settings, gap_m, payload, rows)
    return {
        "plan": payload,
        "curve": rows,
        "force_svg": force_svg,
        "pressure_svg": pressure_svg,
        "design": designs,
    }


def _use_link(values: dict[str, str], row: dict[str, Any]) -> str:
    """The planner's URL with this design as both rings and everything else as typed (the
    upper ring left empty means the same ring; blank fields are left out to keep it short)."""
    ring = {
        "lower.od_mm": f"{row['od_mm']:g}",
        "lower.id_mm": f"{row['id_mm']:g}",
        "lower.height_mm": f"{row['height_mm']:g}",
        "lower.grade": row["grade"],
    }
    return "/planner/stenosis?" + urlencode({**_kept(values, rings=False), **ring})


def _kept(values: dict[str, str], *, rings: bool = True) -> dict[str, str]:
    """The typed form values (and the case) worth carrying in a link."""
    return {
        k: v
        for k, v in values.items()
        if (k in FORM_KEYS or k == "case_id")
        and v
        and (rings or not k.startswith(("lower.", "upper.")))
    }


def _sorted_rows(rows: list[dict], sort: str | None, order: str) -> list[dict]:
    if sort not in SORT_KEYS:
        return rows
    missing = [r for r in rows if r[sort] is None]
    present = sorted((r for r in rows if r[sort] is not None), key=lambda r: r[sort])
    return (present[::-1] if order == "desc" else present) + missing


def _table_view(values: dict[str, str], designs: dict, view: dict[str, str]) -> dict[str, Any]:
    """The Pareto table as shown: merged within the manufacturing step, sorted, top rows."""
    sort = view.get("sort") if view.get("sort") in SORT_KEYS else None
    order = "desc" if view.get("order") == "desc" else "asc"
    show_all = view.get("show") == "all"
    merged = _sorted_rows(merged_design_rows(designs["designs"]), sort, order)
    base = {**_kept(values), **({"show": "all"} if show_all else {})}
    headers = []
    for key, heading in DESIGN_COLUMNS:
        flip = "desc" if sort == key and order == "asc" else "asc"
        headers.append(
            {
                "key": key,
                "heading": heading,
                "href": "/planner/stenosis?"
                + urlencode({**base, "sort": key, "order": flip})
                + "#designs-heading",
                "sorted": (order + "ending") if sort == key else None,
            }
        )
    kept_view = {**_kept(values), **({"sort": sort, "order": order} if sort else {})}
    shown = merged if show_all else merged[:DESIGN_ROWS_SHOWN]
    return {
        "rows": shown,
        "n_rows": len(merged),
        "show_all": show_all,
        "headers": headers,
        "use_links": [_use_link(values, row) for row in shown],
        "all_href": "/planner/stenosis?"
        + urlencode({**kept_view, "show": "all"})
        + "#designs-heading",
        "top_href": "/planner/stenosis?" + urlencode(kept_view) + "#designs-heading",
        "csv_href": "/planner/stenosis/designs.csv?" + urlencode(kept_view),
        "step_mm": MANUFACTURING_STEP_MM,
        "top_n": DESIGN_ROWS_SHOWN,
    }


def _results(
    values: dict[str, str], view: dict[str, str] | None = None
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Verdict, curves, charts and designs, or the errors by field (nothing computed)."""
    plan_in, design_in, errors = _validated(values)
    if errors:
        return None, errors
    assert plan_in is not None and design_in is not None
    try:
        computed = _computed(plan_in.model_dump_json(), design_in.model_dump_json())
    except InvalidRecordError as problem:  # inner >= outer, thresholds out of order, grid too big
        return None, {error.field: error.message for error in problem.errors}
    payload = computed["plan"]
    return {
        **computed,
        "verdict_words": Verdict(payload["verdict"]).label,
        "table": _table_view(values, computed["design"], view or {}),
        "plan_in": plan_in,
    }, {}


def _stored_case(db: Session, case_id: str) -> tuple[Case, int]:
    """The stored case and its version, through the registry's service layer (404 if none)."""
    episode = episodes.episode_by_case_id(db, case_id)
    return Case.model_validate(episode.case_json), episode.version


def _ring_values(side: str, ring: RingSpec) -> dict[str, str]:
    values = {
        f"{side}.od_mm": f"{ring.od_mm:g}",
        f"{side}.id_mm": f"{ring.id_mm:g}",
        f"{side}.height_mm": f"{ring.height_mm:g}",
        f"{side}.grade": str(ring.grade),
    }
    if ring.polarization_t is not None:
        values[f"{side}.polarization_t"] = f"{ring.polarization_t:g}"
    return values


def _case_values(case: Case) -> tuple[dict[str, str], list[str]]:
    """The stenosis inputs a stored case gives, and notes on what it did not give.

    The rings are the engine's own (`rectoplan.pathways.stenosis.plan_rings`): the pair saved
    on the case, or the ring the design search chose for its delivery limits, which is the
    "designed ring" of the case page; so the verdict here is the case page's."""
    st = case.stenosis
    if st is None:
        return {}, [f"Case {case.case_id} records no anastomotic stenosis: the example is shown."]
    values = {"stenosis_length_mm": f"{st.gap_mm:g}"}
    notes = []
    ring_plan, warnings = plan_rings(st)
    if ring_plan is not None:
        values.update(_ring_values("lower", ring_plan.lower))
        values.update(_ring_values("upper", ring_plan.upper))
        source = (
            "the ring the engine designed for this case (the case page's recommendation)"
            if ring_plan.designed
            else "the ring pair saved on the case"
        )
        notes.append(f"Rings: {source}, {ring_plan.describe()}.")
    else:
        notes.append(
            "The case gives no ring pair the engine can plan with ("
            + "; ".join(message for _field, message in warnings)
            + "): the seed-000 example rings are shown; pick a design from the table below."
        )
    if st.planned_gap_mm is not None:
        notes.append(
            f"Planned gap {st.planned_gap_mm:g} mm (saved plan; the segment is "
            f"{st.length_mm:g} mm)."
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


def _planner_context(
    request: Request,
    db: Session,
    user: Principal,
    case_id: str | None,
    typed: dict[str, str],
    save_errors: dict[str, str] | None = None,
) -> tuple[dict[str, Any], int]:
    """The page's context and status for the typed values (or the case's, or the example)."""
    submitted = bool(typed)
    from_case, notes, version = {}, [], None
    if case_id:
        case, version = _stored_case(db, case_id)
        from_case, notes = _case_values(case)
    # A submitted form is taken as typed (a blank field stays blank); otherwise the example,
    # with what the case records over it.
    values = typed if submitted else {**DEFAULTS, **from_case}
    if case_id:
        values = {**values, "case_id": case_id}
    view = {k: v for k, v in request.query_params.items() if k in VIEW_KEYS}
    result, errors = (None, {})
    if submitted or from_case:
        result, errors = _results(values, view)
    can_save = bool(case_id and result and user is not None and user.role.allows(Role.clinician))
    context = {
        "nav": "stenosis",
        "values": values,
        "errors": errors,
        "save_error": (save_errors or {}).get("save"),
        "result": result,
        "case_id": case_id,
        "case_version": version,
        "notes": notes,
        "grades": [str(g) for g in NdfebGrade],
        "max_grid": MAX_DESIGN_GRID,
        "settings_open": any(name.startswith("settings.") for name in errors),
        "can_save": can_save,
        "save_fields": _kept(values) if can_save else {},
        "non_default_settings": _non_default(values),
    }
    return context, 422 if (errors or save_errors) else 200


def _non_default(values: dict[str, str]) -> bool:
    """Whether the typed thresholds or the rigid model differ from what the case page uses."""
    defaults = _settings_defaults()
    typed = {k: values.get(k, "").strip() for k in defaults}
    return values.get("ideal") == "on" or any(
        typed[k] and float_or_none(typed[k]) != float(defaults[k]) for k in defaults
    )


def float_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@router.get("/planner/stenosis")
def stenosis_planner(
    request: Request,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
    case_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Form and, once it has values (typed or from a case), the verdict, charts and designs."""
    typed = {k: v for k, v in request.query_params.items() if k in FORM_KEYS}
    case_id = case_id.strip() if case_id else None
    context, status_code = _planner_context(request, db, user, case_id, typed)
    return render(request, "planners/stenosis.html", context, user=user, status_code=status_code)


@router.get("/planner/stenosis/designs.csv")
def stenosis_designs_csv(
    request: Request,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """Every Pareto design of the typed limits as CSV, in the table's order (not merged)."""
    typed = {k: v for k, v in request.query_params.items() if k in FORM_KEYS}
    values = typed or dict(DEFAULTS)
    result, errors = _results(values)
    if result is None:
        problems = "; ".join(f"{name}: {message}" for name, message in errors.items())
        return Response(
            f"No designs: {problems}\n",
            status_code=422,
            media_type="text/plain; charset=utf-8",
        )
    view = dict(request.query_params)
    rows = _sorted_rows(result["design"]["designs"], view.get("sort"), view.get("order", "asc"))
    return Response(
        designs_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ring-designs.csv"'},
    )


@router.post("/planner/stenosis/save")
async def save_stenosis_plan(
    request: Request,
    db: Session = page_writer(Role.clinician),
    user: Principal = Depends(page_role(Role.clinician)),
    case_id: Annotated[str, Form(max_length=64)] = "",
    case_version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Store the plan's rings and gap as the case's planned magnetic compression (through the
    registry's service layer, at the version the page was read at); then show the case."""
    form = await request.form()
    typed = {k: str(v) for k, v in form.items() if k in FORM_KEYS}
    case_id = case_id.strip()
    errors: dict[str, str] = {}
    plan_in, _design_in, errors = _validated(typed)
    if not errors and plan_in is not None:
        rings = [plan_in.lower] + ([plan_in.upper] if plan_in.upper is not None else [])
        try:
            plans.save_stenosis_plan(
                db,
                case_id,
                rings,
                planned_gap_mm=plan_in.stenosis_length_mm,
                expected_version=int(case_version) if case_version.isdigit() else -1,
            )
        except StaleWriteError:
            db.rollback()
            errors = {
                "save": "The case was changed after this plan was opened: it was not saved. "
                "The plan below is the stored case's now; check it and save again."
            }
            typed = {}
        except InvalidRecordError as exc:
            db.rollback()
            errors = {"save": "; ".join(f"{e.field}: {e.message}" for e in exc.errors)}
        else:
            target = f"/cases/{quote(case_id, safe='')}#h-timeline"
            return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    context, _status = _planner_context(request, db, user, case_id or None, typed, errors)
    return render(request, "planners/stenosis.html", context, user=user, status_code=422)


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
    except FieldError as exc:
        return {"problem": exc.message, "problem_field": exc.field}
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
    case, _version = _stored_case(db, case_id)
    missing = _missing(case.recurrence)
    context: dict[str, Any] = {"nav": "cases", "case_id": case_id, "missing": missing}
    if not missing:
        context.update(_sacral_plan(case))
    return render(request, "planners/sacrectomy.html", context, user=user)

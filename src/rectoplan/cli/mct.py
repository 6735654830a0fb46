"""``rectoplan mct``: the magnetic compression engine on the command line (millimetres in).

Commands::

    rectoplan mct force  --od 20 --id 8 --height 5 --grade N45 --gaps 0,1,2,5,10,20 [--json]
    rectoplan mct plot   curve.png --od 20 --id 8 --height 5 --stenosis 25      (.png or .svg)
    rectoplan mct plan   --from examples/mct/seed000_stenosis.json [--json]
    rectoplan mct plan   --stenosis 25 --od 20 --id 8 --height 5 --grade N45
    rectoplan mct design --max-od 25 --min-id 3 --max-height 10 --stenosis 25 [--json]

A ring is ``--od/--id/--height`` (mm; ``--id 0`` is a disc) and ``--grade`` (N35-N52) or
``--polarization`` (tesla, replacing the grade's 20 degC remanence). The second ring of a
pair is ``--od2/--id2/--height2/--grade2/--polarization2``; whatever is not given copies the
first ring. J is corrected to 37 degC and for self-demagnetization unless ``--ideal`` asks for
the rigid model (J = datasheet Br, as magpylib and magcode use). The planning thresholds are
assumptions with defaults in `rectoplan.mct.design.CouplingSettings`; ``plan`` takes
``--rail-force``, ``--direct-force``, ``--offset`` and ``--tilt`` to change them, and
``--window LOW,HIGH`` (kPa) for a pressure window of your own (none is established).

``plan --from FILE`` reads a JSON plan (see ``examples/mct/seed000_stenosis.json``):
``stenosis_length_mm``, ``lower`` and optionally ``upper`` rings (``od_mm``, ``id_mm``,
``height_mm``, ``grade`` or ``polarization_t``), optional ``settings`` and
``pressure_window_kpa``; options given on the command line win over the file.

Bad input (inner >= outer diameter, a negative gap, an unknown grade, a gap list that is not
numbers, an unreadable plan file) exits 2 with one line naming the option.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console
from rich.table import Table

from rectoplan.cli.errors import guarded, parse_number_list
from rectoplan.clinical.case import RingSpec
from rectoplan.errors import FieldError, field_errors
from rectoplan.mct.design import (
    CouplingSettings,
    DeliveryLimits,
    DesignGrid,
    DesignResult,
    Objective,
    assess_coupling,
    design_rings,
)
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.materials import GRADES, MaterialModel
from rectoplan.mct.tissue import (
    PressureWindow,
)
from rectoplan.mct.units import MM
from rectoplan.reports.mct_tables import (
    assessment_payload,
    curve_rows,
    design_rows,
    pair_title,
    ring_payload,
)

app = typer.Typer(
    name="mct",
    help="Magnetic compression: ring force, pressure, coupling verdict and ring design (mm).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEFAULT_GAPS_MM = "0,0.5,1,2,3,5,7.5,10,15,20,25,30"
DEFAULT_GRADE = "N45"

# --- options shared by the commands --------------------------------------------------------

Od = Annotated[float | None, typer.Option("--od", help="Outer diameter, mm")]
Id = Annotated[float | None, typer.Option("--id", help="Inner diameter, mm (0: disc)")]
Height = Annotated[float | None, typer.Option("--height", help="Height (axial), mm")]
Grade = Annotated[str | None, typer.Option("--grade", help="NdFeB grade, N35-N52")]
Polarization = Annotated[
    float | None, typer.Option("--polarization", help="Br in tesla (replaces the grade)")
]
Od2 = Annotated[float | None, typer.Option("--od2", help="Second ring: outer diameter, mm")]
Id2 = Annotated[float | None, typer.Option("--id2", help="Second ring: inner diameter, mm")]
Height2 = Annotated[float | None, typer.Option("--height2", help="Second ring: height, mm")]
Grade2 = Annotated[str | None, typer.Option("--grade2", help="Second ring: grade")]
Polarization2 = Annotated[
    float | None, typer.Option("--polarization2", help="Second ring: Br in tesla")
]
Ideal = Annotated[
    bool, typer.Option("--ideal", help="Rigid model: no 37 degC and no demagnetization correction")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON")]
Stenosis = Annotated[
    float | None, typer.Option("--stenosis", help="Stenosis length = planned gap, mm")
]


@dataclass(frozen=True, slots=True)
class RingOptions:
    """One ring's options as typed (millimetres), possibly partial; validated as the case
    model's `RingSpec` (the one ring model) before any physics."""

    od: float | None = None
    id: float | None = None
    height: float | None = None
    grade: str | None = None
    polarization: float | None = None

    def filled_from(self, other: RingOptions) -> RingOptions:
        """Missing values taken from ``other`` (the second ring copies the first)."""
        return RingOptions(
            *(
                mine if mine is not None else theirs
                for mine, theirs in zip(_values(self), _values(other), strict=True)
            )
        )


def _values(spec: RingOptions) -> tuple:
    return tuple(getattr(spec, f.name) for f in fields(spec))


_OPTION_OF_FIELD = {
    "outer_diameter_m": "od",
    "inner_diameter_m": "id",
    "height_m": "height",
    "polarization_t": "polarization",
    "grade": "grade",
}


_OPTION_OF_SPEC = {"od_mm": "od", "id_mm": "id", "height_mm": "height", "grade": "grade"}
_OPTION_OF_SPEC["polarization_t"] = "polarization"


def _ring(spec: RingOptions, suffix: str, material: MaterialModel) -> RingMagnet:
    """A `RingMagnet` from the options; every failure is a `FieldError` naming the option."""
    for name in ("od", "height"):
        if getattr(spec, name) is None:
            raise FieldError(f"--{name}{suffix}", "is required (millimetres)")
    typed = {
        "od_mm": spec.od,
        "id_mm": spec.id or 0.0,
        "height_mm": spec.height,
        "grade": spec.grade or DEFAULT_GRADE,
        "polarization_t": spec.polarization,
    }
    try:
        ring = RingSpec.model_validate(typed)
    except ValidationError as exc:
        error = field_errors(exc)[0]
        name = error.field.split(".")[-1]
        raise error.renamed(f"--{_OPTION_OF_SPEC.get(name, name)}{suffix}") from None
    try:
        return RingMagnet.from_mm(
            ring.od_mm,
            ring.id_mm,
            ring.height_mm,
            ring.grade,
            polarization_t=ring.polarization_t,
            material=material,
        )
    except FieldError as exc:
        option = f"--{_OPTION_OF_FIELD.get(exc.field, exc.field)}{suffix}"
        raise exc.renamed(option) from None


def _pair(first: RingOptions, second: RingOptions, ideal: bool) -> tuple[RingMagnet, RingMagnet]:
    material = MaterialModel.rigid() if ideal else MaterialModel()
    lower = _ring(first, "", material)
    upper = _ring(second.filled_from(first), "2", material)
    return lower, upper


def _gaps_m(text: str) -> np.ndarray:
    gaps = np.array(parse_number_list(text, "--gaps"))
    if np.any(gaps < 0) or not np.all(np.isfinite(gaps)):
        raise FieldError("--gaps", "every gap must be a distance >= 0 mm (faces cannot overlap)")
    return gaps * MM


def _positive_mm(value: float | None, option: str) -> float | None:
    if value is None:
        return None
    if not (math.isfinite(value) and value >= 0):
        raise FieldError(option, f"must be a length >= 0 mm, got {value:g}")
    return value * MM


# --- output helpers ----------------------------------------------------------------------


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True, width=120)


def _print_json(payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(payload, indent=2, allow_nan=False))


def _material_note(ideal: bool) -> str:
    if ideal:
        return "rigid model: J = datasheet Br (--ideal)"
    m = MaterialModel()
    return (
        f"J at {m.temperature_c:g} degC (Br {m.alpha_br_per_k * 100:+g} %/K) after "
        f"self-demagnetization (mu_r {m.recoil_permeability:g}); --ideal for the rigid model"
    )


def _number(value: float | None, spec: str) -> str:
    return "-inf" if value is None else format(value, spec)


def _print_force_table(lower, upper, rows, ideal: bool) -> None:
    table = Table(title=pair_title(lower, upper))
    for header in ("gap mm", "force N", "pressure kPa", "pressure mmHg", "stiffness N/mm"):
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(
            f"{row['gap_mm']:g}",
            f"{row['force_n']:.4g}",
            _number(row["pressure_kpa"], ".4g"),
            _number(row["pressure_mmhg"], ".0f"),
            _number(row["stiffness_n_per_mm"], ".4g"),
        )
    console = _console()
    console.print(table)
    console.print(f"{_material_note(ideal)}; pressure = force / overlap of the faces.")


# --- force -------------------------------------------------------------------------------


@app.command("force")
def force_command(
    od: Od = None,
    id: Id = None,
    height: Height = None,
    grade: Grade = None,
    polarization: Polarization = None,
    od2: Od2 = None,
    id2: Id2 = None,
    height2: Height2 = None,
    grade2: Grade2 = None,
    polarization2: Polarization2 = None,
    gaps: Annotated[str, typer.Option("--gaps", help="Gaps in mm, comma-separated")] = (
        DEFAULT_GAPS_MM
    ),
    ideal: Ideal = False,
    as_json: AsJson = False,
) -> None:
    """Force, contact pressure and axial stiffness of a coaxial ring pair against the gap."""
    with guarded():
        gap_values = _gaps_m(gaps)
        lower, upper = _pair(
            RingOptions(od, id, height, grade, polarization),
            RingOptions(od2, id2, height2, grade2, polarization2),
            ideal,
        )
        rows = curve_rows(lower, upper, gap_values)
        if as_json:
            _print_json(
                {
                    "lower": ring_payload(lower),
                    "upper": ring_payload(upper),
                    "material": _material_note(ideal),
                    "rows": rows,
                }
            )
        else:
            _print_force_table(lower, upper, rows, ideal)


# --- plot --------------------------------------------------------------------------------


def _plot(path: Path, lower, upper, settings: CouplingSettings, planned_gap_m, right_m):
    from matplotlib import pyplot as plt

    from rectoplan.reports.mct_figures import coupling_figure

    figure = coupling_figure(lower, upper, settings, planned_gap_m, right_m)
    figure.savefig(path)
    plt.close(figure)


@app.command("plot")
def plot_command(
    output: Annotated[Path, typer.Argument(help="Image to write: .png or .svg")],
    od: Od = None,
    id: Id = None,
    height: Height = None,
    grade: Grade = None,
    polarization: Polarization = None,
    od2: Od2 = None,
    id2: Id2 = None,
    height2: Height2 = None,
    grade2: Grade2 = None,
    polarization2: Polarization2 = None,
    stenosis: Stenosis = None,
    max_gap: Annotated[float, typer.Option("--max-gap", help="Right end of the plot, mm")] = 30.0,
    ideal: Ideal = False,
) -> None:
    """Force and pressure against gap, with the coupling thresholds and the planned gap."""
    with guarded():
        if output.suffix.lower() not in {".png", ".svg"}:
            raise FieldError("output", f"{output.name!r} must end in .png or .svg")
        planned = _positive_mm(stenosis, "--stenosis")
        if not (math.isfinite(max_gap) and max_gap > 0):
            raise FieldError("--max-gap", "must be a length > 0 mm")
        lower, upper = _pair(
            RingOptions(od, id, height, grade, polarization),
            RingOptions(od2, id2, height2, grade2, polarization2),
            ideal,
        )
        from rectoplan.reports.mct_figures import plot_right_edge  # matplotlib: only here

        right = plot_right_edge(planned, max_gap * MM)
        _plot(output, lower, upper, CouplingSettings(), planned, right)
        typer.echo(f"wrote {output}")


# --- plan --------------------------------------------------------------------------------


class _SettingsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rail_force_n: float | None = None
    direct_force_n: float | None = None
    direct_offset_mm: float | None = None
    direct_tilt_deg: float | None = None


class PlanFile(BaseModel):
    """The JSON a ``plan --from`` reads; extra keys are errors (typos must not pass)."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    source: str = ""
    stenosis_length_mm: float = Field(ge=0)
    lower: RingSpec
    upper: RingSpec | None = None
    settings: _SettingsFile = _SettingsFile()
    pressure_window_kpa: tuple[float | None, float | None] | None = None
    ideal: bool = False


def _read_plan(path: Path | None) -> PlanFile | None:
    if path is None:
        return None
    try:
        text = path.read_text()
    except OSError as exc:
        raise FieldError("--from", f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FieldError("--from", f"{path} is not JSON ({exc.msg}, line {exc.lineno})") from None
    return PlanFile.model_validate(data)


def _spec_of(ring: RingSpec | None) -> RingOptions:
    if ring is None:
        return RingOptions()
    return RingOptions(ring.od_mm, ring.id_mm, ring.height_mm, ring.grade, ring.polarization_t)


#: CouplingSettings field, its option, its plan-file key, and the unit conversion.
_SETTING_OPTIONS = (
    ("rail_force_n", "--rail-force", "rail_force_n", float),
    ("direct_force_n", "--direct-force", "direct_force_n", float),
    ("direct_offset_m", "--offset", "direct_offset_mm", lambda mm: _positive_mm(mm, "--offset")),
    ("direct_tilt_rad", "--tilt", "direct_tilt_deg", math.radians),
)


def _settings(file: _SettingsFile, given: dict[str, float | None]) -> CouplingSettings:
    """Thresholds from the options, else the plan file, else the defaults (all assumptions)."""
    values = {}
    for name, option, key, convert in _SETTING_OPTIONS:
        value = given[option] if given[option] is not None else getattr(file, key)
        if value is not None:
            values[name] = convert(value)
    try:
        return CouplingSettings(**values)
    except FieldError as exc:
        option = next((o for n, o, _, _ in _SETTING_OPTIONS if n == exc.field), exc.field)
        raise exc.renamed(option) from None


def _window(text: str | None, file_window) -> PressureWindow | None:
    if text is not None:
        values = parse_number_list(text, "--window")
        if len(values) != 2:
            raise FieldError("--window", "give LOW,HIGH in kPa")
        file_window = tuple(values)
    if file_window is None:
        return None
    try:
        return PressureWindow(*file_window)
    except FieldError as exc:
        raise exc.renamed("--window") from None


_VERDICT_STYLE = {
    "couples_directly": "bold green",
    "needs_guidewire_rail": "bold yellow",
    "cannot_couple": "bold red",
}


@app.command("plan")
def plan_command(
    from_file: Annotated[
        Path | None, typer.Option("--from", help="JSON plan, e.g. examples/mct/...")
    ] = None,
    stenosis: Stenosis = None,
    od: Od = None,
    id: Id = None,
    height: Height = None,
    grade: Grade = None,
    polarization: Polarization = None,
    od2: Od2 = None,
    id2: Id2 = None,
    height2: Height2 = None,
    grade2: Grade2 = None,
    polarization2: Polarization2 = None,
    rail_force: Annotated[
        float | None, typer.Option("--rail-force", help="Rail threshold, N (assumption)")
    ] = None,
    direct_force: Annotated[
        float | None, typer.Option("--direct-force", help="Direct threshold, N (assumption)")
    ] = None,
    offset: Annotated[
        float | None, typer.Option("--offset", help="Direct-placement offset, mm (assumption)")
    ] = None,
    tilt: Annotated[
        float | None, typer.Option("--tilt", help="Direct-placement tilt, deg (assumption)")
    ] = None,
    window: Annotated[
        str | None, typer.Option("--window", help="Your pressure window LOW,HIGH in kPa")
    ] = None,
    ideal: Ideal = False,
    as_json: AsJson = False,
) -> None:
    """Will the pair couple across the stenosis directly, only on a guide-wire rail, or not?"""
    with guarded():
        plan = _read_plan(from_file)
        file_lower = _spec_of(plan.lower if plan else None)
        file_upper = _spec_of(plan.upper if plan else None)
        first = RingOptions(od, id, height, grade, polarization).filled_from(file_lower)
        second = RingOptions(od2, id2, height2, grade2, polarization2).filled_from(file_upper)
        length = _positive_mm(
            stenosis if stenosis is not None else (plan.stenosis_length_mm if plan else None),
            "--stenosis",
        )
        if length is None:
            raise FieldError("--stenosis", "give the stenosis length in mm (or --from FILE)")
        settings = _settings(
            plan.settings if plan else _SettingsFile(),
            {
                "--rail-force": rail_force,
                "--direct-force": direct_force,
                "--offset": offset,
                "--tilt": tilt,
            },
        )
        lower, upper = _pair(first, second, ideal or bool(plan and plan.ideal))
        pressure_window = _window(window, plan.pressure_window_kpa if plan else None)
        try:  # the planned gap is the only argument left that can be refused here
            assessment = assess_coupling(lower, upper, length, settings, pressure_window)
        except FieldError as exc:
            raise exc.renamed("--stenosis") from None
        if as_json:
            _print_json(assessment_payload(assessment))
            return
        console = _console()
        style = _VERDICT_STYLE[str(assessment.verdict)]
        console.print(f"[{style}]{assessment.verdict}[/]")
        console.print(assessment.explanation)
        console.print(f"evidence: {', '.join(assessment.evidence)}")


# --- design ------------------------------------------------------------------------------


def _grades(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(part.strip().upper() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in GRADES]
    if unknown or not names:
        raise FieldError(
            "--grades",
            f"unknown grade(s) {', '.join(unknown) or '(none)'}; known: {', '.join(GRADES)}",
        )
    return names


def _spread(designs: tuple, count: int) -> list:
    """``count`` designs spread evenly over the sorted Pareto set, ends included."""
    if len(designs) <= count:
        return list(designs)
    picks = np.unique(np.round(np.linspace(0, len(designs) - 1, count)).astype(int))
    return [designs[i] for i in picks]


def _print_design(result: DesignResult, rows: list[dict[str, Any]]) -> None:
    limits = result.limits
    title = (
        f"Pareto set ({result.objective}): OD <= {limits.max_outer_diameter_m / MM:g} mm, "
        f"ID >= {limits.min_inner_diameter_m / MM:g} mm, h <= {limits.max_height_m / MM:g} mm"
    )
    table = Table(title=title)
    headers = (
        "OD",
        "ID",
        "h",
        "grade",
        "J T",
        "range mm",
        "F@stenosis N",
        "p final kPa",
        "demag margin",
        "mass g",
    )
    for header in headers:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(
            f"{row['od_mm']:g}",
            f"{row['id_mm']:g}",
            f"{row['height_mm']:g}",
            row["grade"],
            f"{row['polarization_t']:.3f}",
            f"{row['coupling_range_mm']:.1f}",
            "-" if row["force_at_stenosis_n"] is None else f"{row['force_at_stenosis_n']:.2f}",
            f"{row['final_pressure_kpa']:.0f}",
            f"{row['demag_margin']:.2f}",
            f"{row['mass_g']:.1f}",
        )
    console = _console()
    console.print(table)
    shown = "all" if len(rows) == len(result.designs) else f"{len(rows)} spread over the set"
    feasibility = "pass the demagnetization screen"
    if result.objective is Objective.PRESSURE and result.planned_gap_m is not None:
        feasibility += " and couple on a rail at the stenosis"
    console.print(
        f"{len(result.designs)} Pareto designs (showing {shown}; --top for more) from "
        f"{result.n_candidates} candidates ({result.n_geometries} geometries x grades), "
        f"{result.n_feasible} feasible ({feasibility}). Range = largest gap with the coaxial "
        "pull above the rail threshold (assumption)."
    )


@app.command("design")
def design_command(
    max_od: Annotated[float, typer.Option("--max-od", help="Largest OD the route passes, mm")],
    max_height: Annotated[float, typer.Option("--max-height", help="Longest ring, mm")],
    min_id: Annotated[float, typer.Option("--min-id", help="Smallest bore (wire, lumen), mm")] = 0,
    stenosis: Stenosis = None,
    objective: Annotated[
        Objective, typer.Option("--objective", help="range or pressure")
    ] = Objective.RANGE,
    target_pressure: Annotated[
        float | None, typer.Option("--target-pressure", help="kPa, for --objective pressure")
    ] = None,
    grades: Annotated[
        str | None, typer.Option("--grades", help="Comma-separated grades (default: all)")
    ] = None,
    step: Annotated[float, typer.Option("--step", help="Grid step for OD, ID and h, mm")] = 0.5,
    top: Annotated[int, typer.Option("--top", help="Table rows (--json lists all)")] = 15,
    ideal: Ideal = False,
    as_json: AsJson = False,
) -> None:
    """Pareto set of ring designs (same ring on both sides) within the delivery limits."""
    with guarded():
        try:
            limits = DeliveryLimits(max_od * MM, min_id * MM, max_height * MM)
        except FieldError as exc:
            option = {"max_outer_diameter_m": "--max-od", "min_inner_diameter_m": "--min-id"}
            raise exc.renamed(option.get(exc.field, "--max-height")) from None
        if not (math.isfinite(step) and 0.1 <= step <= 5):
            raise FieldError("--step", "must be between 0.1 and 5 mm")
        if top < 1:
            raise FieldError("--top", "must be at least 1")
        if objective is Objective.PRESSURE and not (target_pressure and target_pressure > 0):
            raise FieldError("--target-pressure", "the pressure objective needs a target > 0 kPa")
        result = design_rings(
            limits,
            planned_gap_m=_positive_mm(stenosis, "--stenosis"),
            objective=objective,
            target_pressure_kpa=target_pressure,
            material=MaterialModel.rigid() if ideal else MaterialModel(),
            grid=DesignGrid(step_m=step * MM, height_step_m=step * MM),
            grades=_grades(grades),
        )
        if as_json:
            _print_json(
                {
                    "objective": str(result.objective),
                    "n_candidates": result.n_candidates,
                    "n_geometries": result.n_geometries,
                    "n_feasible": result.n_feasible,
                    "n_pareto": len(result.designs),
                    "designs": design_rows(result.designs),
                }
            )
        else:
            _print_design(result, design_rows(_spread(result.designs, top)))

"""``rectoplan sacrectomy CASE.json``: the transection level, tape length and sagittal plot."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from rectoplan.cli.clinical import load_case
from rectoplan.cli.errors import guarded
from rectoplan.clinical.sacrum import plan_sacrectomy
from rectoplan.clinical.thresholds import DEFAULT_THRESHOLDS
from rectoplan.errors import FieldError


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the root app."""

    @app.command()
    def sacrectomy(
        case_file: Path = typer.Argument(..., metavar="CASE", help="Case JSON with a recurrence"),
        margin: float = typer.Option(
            DEFAULT_THRESHOLDS.sacrectomy_margin_mm, "--margin", help="Margin above tumour, mm"
        ),
        plot: Path | None = typer.Option(None, "--plot", help="Sagittal figure (.png or .svg)"),
        as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON"),
    ) -> None:
        """Plan the sacral transection on the mid-sagittal image (seed-002 technique)."""
        with guarded():
            case = load_case(case_file)
            rec = case.recurrence
            if rec is None or not rec.sacral_landmarks or rec.tumour_upper_extent is None:
                raise FieldError(
                    "recurrence.sacral_landmarks",
                    "the case needs a recurrence with sacral landmarks and the tumour's "
                    "upper extent",
                )
            if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
                raise FieldError("--plot", "the figure must be a .png or .svg file")
            curve = rec.sacral_curve()
            tumour = (rec.tumour_upper_extent.x_mm, rec.tumour_upper_extent.y_mm)
            plan = plan_sacrectomy(curve, tumour, margin)
            if plot is not None:
                from rectoplan.reports.sagittal import sacrectomy_figure, save_figure

                save_figure(sacrectomy_figure(curve, plan, tumour), plot)
            if as_json:
                typer.echo(
                    json.dumps(
                        {
                            "level": plan.level,
                            "tape_length_mm": round(plan.tape_length_mm, 1),
                            "margin_mm": plan.margin_mm,
                            "tumour_arc_mm": round(plan.tumour_arc_mm, 1),
                            "transection_point_mm": [
                                round(v, 1) for v in plan.transection_point_mm
                            ],
                            "sacral_length_mm": round(plan.sacral_length_mm, 1),
                            "high_sacrectomy": plan.high,
                        },
                        indent=2,
                    )
                )
            else:
                typer.echo(plan.describe())
                if plot is not None:
                    typer.echo(f"wrote {plot}")

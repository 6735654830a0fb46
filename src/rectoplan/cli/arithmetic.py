"""Commands for the clinical arithmetic an MDT does by hand: ``stage`` and ``rt``.

Both print a short human answer by default and a JSON object with ``--json``; bad input exits 2
naming the argument (``t``, ``n``, ``m``, ``dose``, ``fractions``, ``alpha-beta``, ``schedule``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from rectoplan.cli.errors import guarded
from rectoplan.clinical import radiotherapy as rt_math
from rectoplan.clinical.staging import StageResult, stage
from rectoplan.clinical.tnm import parse_category
from rectoplan.errors import FieldError

_RT_OPTION = {"total_dose_gy": "dose", "fractions": "fractions", "alpha_beta_gy": "alpha-beta"}
_RT_CAVEAT = "No time/repopulation term; concurrent chemotherapy not modelled."


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _print_json(payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(payload, indent=2))


def _stage_payload(result: StageResult) -> dict[str, Any]:
    return {
        "stage_group": result.group,
        "t": str(result.t),
        "n": str(result.n),
        "m": str(result.m),
        "prefix": str(result.prefix) if result.prefix else None,
        "edition": result.edition,
        "reason": result.reason or None,
        "evidence": list(result.evidence),
    }


def _checked_categories(t: str, n: str, m: str) -> None:
    """Name the argument that holds an unknown category (the staging error names only the axis)."""
    for field, value, axis in (("t", t, "T"), ("n", n, "N"), ("m", m, "M")):
        try:
            parse_category(value, axis)
        except FieldError as exc:
            raise exc.renamed(field) from None


def _print_stage(result: StageResult, written: str) -> None:
    console = _console()
    if result.stageable:
        console.print(f"{written}: stage [bold]{result.group}[/] ({result.edition})")
    else:
        console.print(f"{written}: [bold yellow]{result.group}[/] ({result.edition})")
        console.print(f"  reason: {result.reason}")
    console.print(f"  evidence: {', '.join(result.evidence)}")


def _resolve_course(
    dose: float | None, fractions: int | None, schedule: str | None
) -> tuple[str | None, float, int]:
    if schedule is not None:
        if dose is not None or fractions is not None:
            raise FieldError("schedule", "give either --schedule or --dose and --fractions")
        if schedule not in rt_math.SCHEDULES:
            known = ", ".join(rt_math.SCHEDULES)
            raise FieldError("schedule", f"{schedule!r} is not a named schedule ({known})")
        named = rt_math.SCHEDULES[schedule]
        return named.name, named.total_dose_gy, named.fractions
    if dose is None or fractions is None:
        missing = "dose" if dose is None else "fractions"
        raise FieldError(missing, "give --dose and --fractions, or --schedule")
    return None, dose, fractions


def _rt_rows(dose: float, fractions: int, alpha_betas: tuple[float, ...]) -> list[dict]:
    try:
        return [
            {
                "alpha_beta_gy": alpha_beta,
                "bed_gy": rt_math.bed(dose, fractions, alpha_beta),
                "eqd2_gy": rt_math.eqd2(dose, fractions, alpha_beta),
            }
            for alpha_beta in alpha_betas
        ]
    except FieldError as exc:
        raise exc.renamed(_RT_OPTION.get(exc.field, exc.field)) from None


def _rt_evidence(name: str | None, alpha_betas: tuple[float, ...]) -> tuple[str, ...]:
    evidence = rt_math.SCHEDULES[name].evidence if name else rt_math.LQ_EVIDENCE
    if rt_math.ALPHA_BETA_RECTAL_SUWINSKI_GY in alpha_betas:
        evidence += rt_math.SUWINSKI_EVIDENCE
    return evidence


def _print_rt(title: str, rows: list[dict]) -> None:
    table = Table()
    for header in ("α/β (Gy)", "BED (Gy)", "EQD2 (Gy)"):
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(*(f"{row[key]:.2f}" for key in ("alpha_beta_gy", "bed_gy", "eqd2_gy")))
    console = _console()
    console.print(title)
    console.print(table)
    console.print(_RT_CAVEAT)


def register(app: typer.Typer) -> None:
    """Attach ``stage`` and ``rt`` to the root app."""

    @app.command("stage")
    def stage_command(
        t: Annotated[str, typer.Argument(help="T category, e.g. T3, cT3, ypT4a")],
        n: Annotated[str, typer.Argument(help="N category, e.g. N1a, pN2b")],
        m: Annotated[str, typer.Argument(help="M category, e.g. M0, cM1c")],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    ) -> None:
        """AJCC 8 stage group for colon and rectum from T, N and M."""
        with guarded():
            _checked_categories(t, n, m)
            result = stage(t, n, m)
            if as_json:
                _print_json(_stage_payload(result))
            else:
                _print_stage(result, f"{t} {n} {m}")

    @app.command("rt")
    def rt_command(
        dose: Annotated[float | None, typer.Option(help="Total dose in Gy")] = None,
        fractions: Annotated[int | None, typer.Option(help="Number of fractions")] = None,
        alpha_beta: Annotated[
            float | None,
            typer.Option("--alpha-beta", help="α/β in Gy (default: a table for 10, 5.06 and 3)"),
        ] = None,
        schedule: Annotated[
            str | None,
            typer.Option(help=f"Named schedule: {', '.join(rt_math.SCHEDULES)}"),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    ) -> None:
        """BED and EQD2 of a uniformly fractionated course (linear-quadratic model)."""
        with guarded():
            name, total, count = _resolve_course(dose, fractions, schedule)
            alpha_betas = (
                (alpha_beta,) if alpha_beta is not None else rt_math.ALPHA_BETA_REFERENCE_GY
            )
            rows = _rt_rows(total, count, alpha_betas)
            evidence = _rt_evidence(name, alpha_betas)
            if as_json:
                _print_json(
                    {
                        "schedule": name,
                        "total_dose_gy": total,
                        "fractions": count,
                        "dose_per_fraction_gy": total / count,
                        "results": rows,
                        "note": _RT_CAVEAT,
                        "evidence": list(evidence),
                    }
                )
            else:
                label = f"{name}: " if name else ""
                _print_rt(f"{label}{total:g} Gy in {count} fractions of {total / count:g} Gy", rows)

"""Commands for the case and its assessment: assess, schema, evidence, demo.

`rectoplan assess CASE.json` prints a readable summary (``--json`` prints the Assessment);
`rectoplan demo` assesses every example case, which is what ``make run`` shows a newcomer.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rectoplan.cli import file_limits
from rectoplan.cli.errors import guarded, problem_lines
from rectoplan.cli.language import lang_option
from rectoplan.clinical.case import Case
from rectoplan.clinical.risk import RiskGroup
from rectoplan.errors import FieldError, InvalidRecordError, field_errors
from rectoplan.i18n import _, join_clauses, roman
from rectoplan.pathways import assess as assess_case
from rectoplan.pathways.context import Phase
from rectoplan.pathways.display import finding_value
from rectoplan.pathways.recommendation import Assessment, Strength

console = Console(highlight=False, soft_wrap=False)

_STRENGTH_STYLE = {
    Strength.preferred: "bold green",
    Strength.alternative: "cyan",
    Strength.consider: "yellow",
    Strength.not_recommended: "red",
}

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples" / "cases"


def load_case(path: Path) -> Case:
    """Read and validate a case file; every problem is a `FieldError` naming the field."""
    file_limits.check_file(path, "CASE")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FieldError("CASE", f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FieldError("CASE", f"cannot read {path}: {exc}") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise FieldError("CASE", f"{path} is nested too deeply to be a case") from None
    except json.JSONDecodeError as exc:
        raise FieldError(
            "CASE", f"{path} is not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    if not isinstance(data, dict):
        raise FieldError("CASE", f"{path} must hold a JSON object, not {type(data).__name__}")
    return Case.model_validate(data)


def assessment_json(assessment: Assessment) -> str:
    return assessment.model_dump_json(indent=2)


def print_assessment(assessment: Assessment, out: Console = console) -> None:
    """A summary an MDT can read on a shared screen: stage, findings, options, warnings."""
    stage = roman(assessment.stage.group) if assessment.stage else _("not staged")
    out.print(
        _("{case}  phase {phase}  stage {stage}  risk group {risk}").format(
            case=f"[bold]{assessment.case_id}[/]",
            phase=f"[bold]{Phase(assessment.phase).label}[/]",
            stage=f"[bold]{stage}[/]",
            risk=f"[bold]{RiskGroup(assessment.risk_group).label}[/]",
        )
    )
    findings = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    findings.add_column(_("finding"))
    findings.add_column(_("value"))
    findings.add_column(_("how"), overflow="fold")
    for f in assessment.findings:
        findings.add_row(f.label, finding_value(f), f.derivation)
    out.print(findings)
    width = max(_display_width(s.label) for s in Strength) + 2
    for rec in assessment.recommendations:
        style = _STRENGTH_STYLE[rec.strength]
        label = rec.strength.label
        padded = label + " " * (width - _display_width(label))
        out.print(f"  [{style}]{padded}[/] {rec.title}  [dim]({rec.id})[/]")
        for line in rec.rationale:
            out.print(f"      - {line}", style="dim")
        if rec.next_steps:
            steps = join_clauses(rec.next_steps)
            out.print("      " + _("next: {steps}").format(steps=steps), style="dim")
        sources = ", ".join(rec.evidence)
        out.print("      " + _("evidence: {sources}").format(sources=sources), style="dim")
    for w in assessment.warnings:
        warning = _("warning")
        out.print(f"  [bold yellow]{warning}[/] {w.field}: {w.message}")


def _display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (a Chinese character takes two)."""
    from rich.cells import cell_len

    return cell_len(text)


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the root app."""

    @app.command()
    def assess(
        case_file: Path = typer.Argument(..., metavar="CASE", help="Case JSON file"),
        as_json: bool = typer.Option(False, "--json", help="Print the Assessment as JSON"),
        lang: str | None = lang_option(),
    ) -> None:
        """Assess a case: stage, risk group, findings, recommendations with evidence.

        Display texts (titles, rationales, findings, warnings) follow ``--lang``; ids, codes
        and citation ids are the same in every language, also with ``--json``.
        """
        with guarded():
            assessment = assess_case(load_case(case_file))
            if as_json:
                typer.echo(assessment_json(assessment))
            else:
                print_assessment(assessment)

    @app.command()
    def schema() -> None:
        """Print the JSON Schema of a case."""
        typer.echo(json.dumps(Case.model_json_schema(), indent=2))

    @app.command()
    def evidence(
        as_json: bool = typer.Option(False, "--json", help="Print the sources as JSON"),
        lang: str | None = lang_option(),
    ) -> None:
        """List every registered source (unverified ones are marked).

        Citations stay in their original language; only the marker follows ``--lang``.
        """
        from dataclasses import asdict

        from rectoplan.evidence import SOURCES

        if as_json:
            typer.echo(json.dumps([asdict(s) for s in SOURCES.values()], indent=2))
            return
        for source in SOURCES.values():
            flag = "" if source.verified else " " + _("[unverified]")
            typer.echo(f"{source.id}: {source.citation}{flag}")

    @app.command()
    def demo(
        directory: Path = typer.Option(EXAMPLES_DIR, help="Folder of example case files"),
        lang: str | None = lang_option(),
    ) -> None:
        """Assess every example case built from the seeds and print the results."""
        with guarded():
            files = sorted(directory.glob("*.json"))
            if not files:
                raise FieldError("--directory", f"no case files in {directory}")
            failures = 0
            for path in files:
                console.rule(f"[bold]{path.name}")
                try:
                    print_assessment(assess_case(load_case(path)))
                except (InvalidRecordError, ValidationError) as exc:
                    failures += 1
                    if isinstance(exc, ValidationError):
                        exc = InvalidRecordError(field_errors(exc))
                    invalid = _("invalid")
                    for line in problem_lines(exc):
                        console.print(f"[red]{invalid}[/] {escape(line)}")
            console.rule()
            console.print(
                _("Assessed {done} of {total} cases from {directory}.").format(
                    done=len(files) - failures, total=len(files), directory=directory
                )
                + "\n"
                + _(
                    "Next: `rectoplan assess FILE --json` for one case, `rectoplan stage T3 N1a "
                    "M0`, `rectoplan rt --dose 25 --fractions 5`, `rectoplan evidence`, "
                    "`rectoplan --help`."
                )
            )
            if failures:
                raise typer.Exit(2)

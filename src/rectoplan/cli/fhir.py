"""``rectoplan fhir``: a case as an mCODE STU4 Bundle and back.

``export CASE.json`` writes the Bundle JSON (stdout, or ``-o FILE``) after checking it against
RectoPlan's mCODE rules; a violation there is a bug in the export and exits 1. ``import
BUNDLE.json`` prints the case JSON (stdout, or ``-o FILE``) and, on stderr, a summary: which
element each case field came from, what was not imported and why, and the mCODE rules the
bundle breaks (``--strict`` refuses such a bundle). ``--set field=value`` supplies what the
bundle lacks, e.g. ``--set tumour.distance_from_anal_verge_cm=6`` (mCODE has no element for the
tumour height, so an external bundle needs it). Every refusal exits 2 naming the element.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rectoplan.cli import file_limits
from rectoplan.cli.clinical import load_case
from rectoplan.cli.errors import fail, guarded, problem_lines
from rectoplan.errors import FieldError, InvalidRecordError

app = typer.Typer(
    help="FHIR R4 / mCODE STU4: export a case as a Bundle, import a Bundle as a case.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

summary_console = Console(stderr=True, highlight=False, soft_wrap=True)

RULES_SHOWN = 10

Output = Annotated[
    Path | None, typer.Option("-o", "--output", help="Write to FILE instead of stdout.")
]


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise FieldError("--output", f"cannot write {output}: {exc}") from None


@app.command("export")
def export(
    case_file: Annotated[Path, typer.Argument(metavar="CASE", help="Case JSON file")],
    output: Output = None,
) -> None:
    """Export a case as an mCODE STU4 collection Bundle (FHIR R4 JSON)."""
    from rectoplan.interop.fhir_export import case_to_bundle
    from rectoplan.interop.mcode_rules import errors

    with guarded():
        bundle = case_to_bundle(load_case(case_file))
        broken = errors(bundle)
        if broken:
            fail([f"export broke an mCODE rule: {v}" for v in broken], code=1)
        _write(bundle.model_dump_json(indent=2), output)
        if output is not None:
            summary_console.print(
                f"wrote {output}: {len(bundle.entry or ())} resources, mCODE rules: no violations"
            )


@app.command("import")
def import_(
    bundle_file: Annotated[Path, typer.Argument(metavar="BUNDLE", help="FHIR Bundle JSON file")],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="Supply or replace a case field, e.g. tumour.distance_from_anal_verge_cm=6 "
            "(repeatable; JSON values are read as JSON).",
        ),
    ] = None,
    output: Output = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Refuse a bundle that breaks an mCODE rule.")
    ] = False,
) -> None:
    """Import a FHIR R4 Bundle as a case: prints the case JSON and a summary."""
    from rectoplan.interop.fhir_import import import_bundle, parse_overrides
    from rectoplan.interop.mcode_rules import check_bundle

    with guarded():
        file_limits.check_file(bundle_file, "BUNDLE")
        try:
            text = bundle_file.read_bytes()
        except OSError as exc:
            raise FieldError("BUNDLE", f"cannot read {bundle_file}: {exc}") from None
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None  # not JSON: import_bundle names the problem
        file_limits.check_entries(parsed, "BUNDLE")
        try:
            result = import_bundle(text, parse_overrides(set_ or ()))
        except InvalidRecordError as exc:
            fail([str(p).replace("override ", "--set ", 1) for p in problem_lines(exc)])
        violations = check_bundle(json.loads(text))
        if strict and violations:
            fail([f"mCODE rule: {v}" for v in violations[:RULES_SHOWN]])
        _write(result.case.model_dump_json(indent=2, exclude_none=True), output)
        _summary(result, violations, bundle_file, output)


def _summary(result, violations, bundle_file: Path, output: Path | None) -> None:
    """Where each field came from, what was left out, which mCODE rules the bundle breaks."""
    out = summary_console
    from_overrides = [k for k, v in result.sources.items() if v == "override"]
    target = f" into {output}" if output else ""
    out.print(
        f"imported {result.case.case_id} from {bundle_file}{target}: "
        f"{len(result.sources) - len(from_overrides)} fields from the bundle, "
        f"{len(from_overrides)} from --set",
        markup=False,
    )
    width = max((len(name) for name in result.sources), default=0)
    for name, source in sorted(result.sources.items()):
        out.print(f"  {name:<{width}}  <- {source}", markup=False)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)
    for violation in violations[:RULES_SHOWN]:
        out.print(f"mCODE rule: {violation}", markup=False)
    if len(violations) > RULES_SHOWN:
        out.print(f"mCODE rule: ... {len(violations) - RULES_SHOWN} more", markup=False)

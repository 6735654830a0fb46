"""``rectoplan analytics``: survival, Cox models, proportions, benchmarks and concordance.

This module is the one place that reads the registry for the statistics: it asks
`rectoplan.registry.cohort` for plain data frames (imported inside each command, so the
commands work on exported CSV files even where no registry is installed) and hands them to
`rectoplan.analytics`, which knows nothing of databases. ``--csv FILE`` takes the same frames
from a file: ``duration_days,event[,group]`` for ``km`` and ``cox``,
``decided_at,category|followed_preferred[,deviation_code]`` for ``concordance`` (category:
concordant, alternative or deviation).

Bad input exits 2 naming the option or CSV column (``csv.event: row 7: ...``); every command
prints a readable summary, or JSON with ``--json``, and draws with ``--plot FILE.png|.svg``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from rectoplan.cli.errors import guarded, parse_number_list
from rectoplan.errors import FieldError
from rectoplan.reports.outcomes import (
    ENDPOINT_TITLES,
    REGISTRY_PROPORTIONS,
    CIMethod,
    Endpoint,
    Period,
    TimeUnit,
    plain,
    registry_comparisons,
    survival_columns,
)

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    help="Cohort statistics: Kaplan–Meier, Cox, Wilson proportions, benchmarks, concordance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


SURVIVAL_COLUMNS = ("duration_days", "event")
_IN_MEMORY = (None, "", ":memory:")

# --- shared options ------------------------------------------------------------------------

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Registry database URL (default: $RECTOPLAN_DATABASE_URL, else "
        "var/rectoplan.sqlite3).",
    ),
]
CsvOption = Annotated[
    Path | None, typer.Option("--csv", help="Read the data from a CSV file instead.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PlotOption = Annotated[
    Path | None, typer.Option("--plot", help="Draw the figure to FILE (.png or .svg).")
]
AlphaOption = Annotated[
    float, typer.Option("--alpha", help="1 - confidence level (0.05 gives 95% intervals).")
]
EndpointOption = Annotated[Endpoint, typer.Option("--endpoint", help="Registry survival endpoint.")]
GroupByOption = Annotated[
    str | None, typer.Option("--group-by", help="Registry field to split the cohort by.")
]


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _print_json(payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(plain(payload), indent=2, allow_nan=False))


_OPTIONS = {
    "alpha": "alpha",
    "ci_method": "ci",
    "times": "times",
    "time_unit": "unit",
    "plot": "plot",
    "reference": "reference",
    "period": "period",
    "k": "k",
    "n": "n",
    "comparisons": "plot",
}
"""Analytics argument names that are command-line options, never columns of the data."""


@contextmanager
def _named(source: str | None = None) -> Iterator[None]:
    """Rename an analytics `FieldError` to the option it came from or, for a column of the
    data, to where that column came from (``csv.event``)."""
    try:
        yield
    except FieldError as exc:
        field = _OPTIONS.get(exc.field)
        if field is None:
            field = f"{source}.{exc.field}" if source else exc.field
        raise exc.renamed(field) from None


def _one_source(csv: Path | None, db: str | None) -> None:
    if csv is not None and db is not None:
        raise FieldError("csv", "give either --csv or --db, not both")


def _read_csv(path: Path, required: tuple[str, ...], optional: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise FieldError("csv", f"{str(path)!r} is not a file")
    try:
        frame = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FieldError("csv", f"cannot read {path.name}: {exc}") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        expected = ",".join(required) + "".join(f"[,{c}]" for c in optional)
        raise FieldError("csv", f"missing column(s) {', '.join(missing)} (expected {expected})")
    if frame.empty:
        raise FieldError("csv", f"{path.name} has no data rows")
    return frame


@contextmanager
def _registry(db: str | None) -> Iterator[Any]:
    """A read session on the registry; unreadable registries are input errors on ``--db``."""
    try:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import SQLAlchemyError

        from rectoplan.registry import db as registry_db
    except ImportError:
        raise FieldError("db", "the registry is not available here; use --csv FILE") from None
    try:
        url = registry_db.database_url(db)
        parsed = make_url(url)
    except Exception as exc:  # a malformed URL is the user's input
        raise FieldError("db", f"not a database URL: {exc}") from None
    on_disk = parsed.get_backend_name() == "sqlite" and parsed.database not in _IN_MEMORY
    if on_disk and not Path(parsed.database).is_file():
        raise FieldError(
            "db",
            f"no registry at {parsed.database}; run `rectoplan registry init` or use --csv",
        )
    engine = registry_db.make_engine(url)
    try:
        with registry_db.session_factory(engine)() as session:
            yield session
    except SQLAlchemyError as exc:
        reason = str(exc).splitlines()[0]
        raise FieldError("db", f"cannot read {registry_db.masked(url)}: {reason}") from None
    finally:
        engine.dispose()


def _survival_data(
    csv: Path | None, db: str | None, endpoint: Endpoint, group_by: str | None
) -> tuple[pd.DataFrame, str | None, str]:
    """(frame with duration_days, event[, group], the group column or None, source label)."""
    _one_source(csv, db)
    if csv is not None:
        if group_by is not None:
            raise FieldError("group-by", "with --csv the groups come from the 'group' column")
        frame = _read_csv(csv, SURVIVAL_COLUMNS, ("group",))
        return frame, ("group" if "group" in frame else None), f"csv {csv.name}"
    with _registry(db) as session:
        from rectoplan.registry import cohort

        try:
            frame = cohort.survival_frame(session, str(endpoint), group_by=group_by)
        except ValueError as exc:  # the registry names what it can group by
            raise FieldError("group-by", str(exc)) from None
    if frame.empty:
        raise FieldError("db", f"the registry has no patients for the {endpoint} endpoint")
    return frame, ("group" if group_by is not None else None), f"registry, {endpoint} endpoint"


# --- km ------------------------------------------------------------------------------------


def _times(times: str | None) -> list[float] | None:
    if times is None:
        return None
    values = parse_number_list(times, "times")
    if any(v < 0 for v in values):
        raise FieldError("times", "times are days since the start and must be >= 0")
    return values


def _fmt_days(days: float | None) -> str:
    from rectoplan.analytics.survival import DAYS_PER_YEAR

    if days is None:
        return "not reached"
    return f"{days:,.0f} d ({days / DAYS_PER_YEAR:.1f} y)"


@app.command()
def km(
    endpoint: EndpointOption = Endpoint.overall,
    group_by: GroupByOption = None,
    db: DbOption = None,
    csv: CsvOption = None,
    times: Annotated[
        str | None,
        typer.Option(help="Days to report S(t) at, comma-separated (default: whole years)."),
    ] = None,
    ci: Annotated[
        CIMethod, typer.Option("--ci", help="Interval: log-log (lifelines) or log (R).")
    ] = CIMethod.log_log,
    alpha: AlphaOption = 0.05,
    unit: Annotated[TimeUnit, typer.Option(help="Time axis of the plot.")] = TimeUnit.months,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """Kaplan–Meier survival with numbers at risk and intervals; log-rank across groups."""
    with guarded():
        from rectoplan.analytics import KaplanMeier, logrank

        at = _times(times)
        frame, group, source = _survival_data(csv, db, endpoint, group_by)
        column_source = "csv" if csv is not None else None
        with _named(column_source):
            fitter = KaplanMeier(alpha=alpha, ci_method=str(ci))
            names = ("duration_days", "event")
            if group is None:
                curves = {"all patients": fitter.fit(*survival_columns(frame), names=names)}
                test = None
            else:
                curves = fitter.fit_groups(
                    *survival_columns(frame), frame[group], names=(*names, group)
                )
                test = logrank(*survival_columns(frame), frame[group], names=(*names, group))
            payload = {
                "endpoint": str(endpoint) if csv is None else None,
                "source": source,
                "curves": [c.to_dict(at) for c in curves.values()],
                "logrank": test.to_dict() if test else None,
                "skipped": frame.attrs.get("skipped_by_reason", {}),
            }
            if plot is not None:
                from rectoplan.analytics import plots

                title = ENDPOINT_TITLES[endpoint] if csv is None else None
                plots.survival_figure(
                    curves, path=plot, time_unit=str(unit), logrank=test, title=title
                )
        if as_json:
            _print_json(payload)
        else:
            _print_km(payload)
        if plot is not None and not as_json:
            _console().print(f"figure: {plot}")


def _print_km(payload: dict) -> None:
    console = _console()
    console.print(f"[bold]Kaplan–Meier[/] ({payload['source']})")
    for reason, count in payload["skipped"].items():
        console.print(f"left out: {count} episode(s), {reason.replace('_', ' ')}")
    for curve in payload["curves"]:
        median = curve["median"]
        level = round(100 * (1 - curve["alpha"]))
        console.print(
            f"\n[bold]{curve['label']}[/]: n={curve['n']}, {curve['events']} events, "
            f"median {_fmt_days(median['time'])} "
            f"({level}% CI {_fmt_days(median['lower'])} to {_fmt_days(median['upper'])})"
        )
        table = Table(box=None, pad_edge=False)
        for heading in ("time", "S(t)", f"{level}% CI ({curve['ci_method']})", "at risk"):
            table.add_column(heading, justify="right")
        for row in curve["at_times"]:
            table.add_row(
                _fmt_days(row["time"]),
                f"{row['survival']:.3f}",
                f"{row['lower']:.3f}-{row['upper']:.3f}",
                f"{row['at_risk']:,}",
            )
        console.print(table)
    test = payload["logrank"]
    if test:
        console.print(
            f"\nlog-rank chi2 = {test['statistic']:.3f} on {test['df']} df, "
            f"p = {test['p_value']:.4g}"
        )


# --- cox -----------------------------------------------------------------------------------


@app.command()
def cox(
    reference: Annotated[
        str | None,
        typer.Option(help="Reference level of the group (hazard ratios are against it)."),
    ] = None,
    endpoint: EndpointOption = Endpoint.overall,
    group_by: GroupByOption = None,
    db: DbOption = None,
    csv: CsvOption = None,
    alpha: AlphaOption = 0.05,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """Cox proportional hazards (Efron ties) of the group against a named reference level."""
    with guarded():
        from rectoplan.analytics import CoxPH

        frame, group, source = _survival_data(csv, db, endpoint, group_by)
        if group is None:
            option = "csv" if csv is not None else "group-by"
            raise FieldError(option, "a Cox model needs groups: a 'group' column or --group-by")
        if reference is None:
            levels = ", ".join(sorted(frame[group].dropna().astype(str).unique()))
            raise FieldError("reference", f"name the reference level (one of {levels})")
        column_source = "csv" if csv is not None else None
        with _named(column_source):
            result = CoxPH(alpha=alpha).fit(frame, categorical={group: reference})
            if plot is not None:
                result.plot(plot)
        payload = {"source": source, **result.to_dict()}
        if as_json:
            _print_json(payload)
            return
        console = _console()
        level = round(100 * (1 - alpha))
        console.print(
            f"[bold]Cox proportional hazards[/] ({source}; Efron ties): n={result.n}, "
            f"{result.events} events, reference {group} = {reference}"
        )
        table = Table(box=None, pad_edge=False)
        for heading in ("term", "HR", f"{level}% CI", "p"):
            table.add_column(heading, justify="left" if heading == "term" else "right")
        for term in result.terms:
            table.add_row(
                term.term,
                f"{term.hazard_ratio:.3f}",
                f"{term.lower:.3f}-{term.upper:.3f}",
                f"{term.p_value:.4g}",
            )
        console.print(table)
        console.print(f"concordance index {result.concordance:.3f}")
        for warning in result.warnings:
            console.print(f"[yellow]warning[/]: {warning}")
        if plot is not None:
            console.print(f"figure: {plot}")


# --- proportion ----------------------------------------------------------------------------


@app.command()
def proportion(
    k: Annotated[int, typer.Argument(help="Patients with the outcome.")],
    n: Annotated[int, typer.Argument(help="Patients in the cohort.")],
    alpha: AlphaOption = 0.05,
    as_json: JsonOption = False,
) -> None:
    """K of N with its Wilson score interval (e.g. `proportion 37 43`)."""
    with guarded():
        from rectoplan.analytics import wilson
        from rectoplan.analytics.proportions import WILSON_EVIDENCE

        with _named():
            result = wilson(k, n, alpha=alpha)
        if as_json:
            _print_json({**result.to_dict(), "evidence": list(WILSON_EVIDENCE)})
            return
        level = round(100 * (1 - alpha))
        _console().print(
            f"{k}/{n} = {result.estimate:.3f}  {level}% CI {result.lower:.3f}-{result.upper:.3f}"
            f"  (Wilson score; {result.estimate:.1%}, {result.lower:.1%}-{result.upper:.1%})"
        )


# --- benchmark -----------------------------------------------------------------------------


@app.command()
def benchmark(
    reference: Annotated[
        str | None, typer.Option(help="Benchmark id to compare --k of --n with.")
    ] = None,
    k: Annotated[int | None, typer.Option("--k", help="Patients with the outcome.")] = None,
    n: Annotated[int | None, typer.Option("--n", help="Patients in the cohort.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the benchmark figures.")] = False,
    db: DbOption = None,
    min_n: Annotated[
        int | None,
        typer.Option("--min-n", help="Fewest patients for a verdict (default 10).", min=1),
    ] = None,
    alpha: AlphaOption = 0.05,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """Compare outcomes with published figures: --k --n --reference ID, or the registry."""
    with guarded():
        from rectoplan.analytics import REFERENCES, compare
        from rectoplan.analytics.benchmarks import MIN_PATIENTS_FOR_VERDICT

        min_n = MIN_PATIENTS_FOR_VERDICT if min_n is None else min_n
        if list_:
            _print_references(REFERENCES, as_json)
            return
        given = {"k": k, "n": n, "reference": reference}
        if any(v is not None for v in given.values()):
            missing = [name for name, value in given.items() if value is None]
            if missing:
                raise FieldError(missing[0], "give --k, --n and --reference together")
            if db is not None:
                raise FieldError("db", "--db compares the registry; leave it out with --k/--n")
            with _named():
                comparisons = [compare(k, n, reference, alpha=alpha, min_patients=min_n)]
            cohort: dict[str, Any] = {"source": "--k/--n"}
        else:
            with _registry(db) as session, _named("registry"):
                cohort, comparisons = registry_comparisons(session, alpha, min_n)
        if plot is not None:
            from rectoplan.analytics.benchmarks import comparisons_figure

            with _named():
                comparisons_figure(comparisons, plot)
        if as_json:
            _print_json({"cohort": cohort, "comparisons": [c.to_dict() for c in comparisons]})
            return
        _print_comparisons(cohort, comparisons)
        if plot is not None:
            _console().print(f"figure: {plot}")


def _print_references(references, as_json: bool) -> None:
    if as_json:
        _print_json({"references": [ref.to_dict() for ref in references]})
        return
    console = _console()
    for ref in references:
        console.print(f"[bold]{ref.id}[/]  {ref.statement}")
        console.print(f"  {ref.label} [dim]({', '.join(ref.evidence)})[/]")


_VERDICT_STYLE = {
    "better than": "green",
    "meets": "green",
    "worse than": "red",
    "does not meet": "red",
    "consistent with": "blue",
    "too few to compare": "yellow",
}


def _print_comparisons(cohort: dict, comparisons: list) -> None:
    console = _console()
    for key in (*REGISTRY_PROPORTIONS, "concordance"):
        figure = cohort.get(key)
        if figure:
            console.print(
                f"{key}: {figure['k']}/{figure['n']} = {figure['estimate']:.1%} "
                f"(CI {figure['lower']:.1%}-{figure['upper']:.1%}, Wilson)"
            )
        elif key in cohort:
            console.print(f"{key}: no patients with this outcome recorded")
    if not comparisons:
        console.print("no benchmark applies to the data in the registry yet")
    for comparison in comparisons:
        style = _VERDICT_STYLE[str(comparison.verdict)]
        console.print(f"[{style}]{comparison.verdict}[/] [dim]{comparison.reference.id}[/]")
        console.print(f"  {comparison.explanation}")
        if comparison.criteria:
            subset = comparison.n if comparison.subset_n is None else comparison.subset_n
            console.print(f"  [dim]compared: {subset} ({'; '.join(comparison.criteria)})[/]")
    for skipped in cohort.get("not_compared", ()):
        console.print(f"[dim]not compared: {skipped['id']} ({skipped['why']})[/]")


# --- concordance ---------------------------------------------------------------------------


@app.command(name="concordance")
def concordance_command(
    period: Annotated[Period, typer.Option(help="Group decisions by month or quarter.")] = (
        Period.quarter
    ),
    db: DbOption = None,
    csv: CsvOption = None,
    alpha: AlphaOption = 0.05,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """Share of MDT decisions that followed the preferred recommendation, over time, and the
    coded reasons for deviating."""
    with guarded():
        from rectoplan.analytics import concordance

        _one_source(csv, db)
        if csv is not None:
            frame = _read_csv(csv, ("decided_at",), ("category", "deviation_code"))
            if "category" not in frame and "followed_preferred" not in frame:
                raise FieldError(
                    "csv", "missing column category (or followed_preferred): one is needed"
                )
            source = "csv"
        else:
            with _registry(db) as session:
                from rectoplan.registry import cohort

                frame = cohort.decisions_frame(session)
            if frame.empty:
                raise FieldError("db", "the registry holds no MDT decisions yet")
            source = "registry"
        with _named(source):
            report = concordance(frame, period=str(period), alpha=alpha)
            if plot is not None:
                report.plot(plot)
        if as_json:
            _print_json({"source": source, **report.to_dict()})
            return
        _print_concordance(report)
        if plot is not None:
            _console().print(f"figure: {plot}")


def _print_concordance(report) -> None:
    console = _console()
    overall = report.overall
    level = round(100 * (1 - overall.alpha))
    console.print(
        f"[bold]Followed the preferred recommendation[/]: {overall.k}/{overall.n} = "
        f"{overall.estimate:.1%} ({level}% CI {overall.lower:.1%}-{overall.upper:.1%}, Wilson)"
    )
    console.print(f"alternatives (another listed option): {report.alternatives}")
    if report.not_assessable:
        console.print(f"not assessable (concordance unknown): {report.not_assessable}")
    table = Table(box=None, pad_edge=False)
    headings = (report.period, "followed", "alternative", "n", "share", f"{level}% CI")
    for heading in headings:
        table.add_column(heading, justify="left" if heading == report.period else "right")
    for row in report.periods:
        p = row.proportion
        share, interval = f"{p.estimate:.1%}", f"{p.lower:.1%}-{p.upper:.1%}"
        if row.too_few:
            share, interval = "too few", "-"
        table.add_row(row.period, str(p.k), str(row.alternatives), str(p.n), share, interval)
    console.print(table)
    console.print(
        f"[dim]a {report.period} with fewer than {report.min_per_period} decisions shows "
        "'too few'[/]"
    )
    if report.reasons:
        console.print(f"\n[bold]Deviation reasons[/] ({report.deviations} deviations)")
        for reason in report.reasons:
            console.print(f"{reason.count:>5}  [bold]{reason.reason}[/] ({reason.code or '-'})")
            if reason.code:
                console.print(f"       [dim]{reason.display}[/]")

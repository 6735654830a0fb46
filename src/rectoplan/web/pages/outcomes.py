"""The outcomes dashboard: Kaplan-Meier curves with at-risk tables, benchmarks with intervals,
concordance over time and deviation reasons.

Every number comes from the functions the analytics API calls (`rectoplan.reports.outcomes`:
``registry_survival``, ``registry_comparisons``, ``registry_concordance``), so the page and
``/api/analytics/*`` can never disagree. Each figure is an image with its numbers repeated in
an HTML table (a screen reader, a search and a copy-paste need the numbers, not pixels).

The filters are a plain GET form. A value that is not one of the choices (a hand-edited URL)
answers 422 with the message beside that filter and no statistics, rather than silently
showing something other than what the URL asked for. An empty registry shows "No data yet"
in each section: a new unit sees the page it will get, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from rectoplan.analytics import plots
from rectoplan.analytics.benchmarks import MIN_PATIENTS_FOR_VERDICT, Comparison
from rectoplan.analytics.survival import SurvivalCurve
from rectoplan.evidence import lookup
from rectoplan.registry import cohort
from rectoplan.registry.users import Role
from rectoplan.reports.outcomes import (
    ENDPOINT_TITLES,
    Endpoint,
    Period,
    RegistrySurvival,
    TimeUnit,
    registry_comparisons,
    registry_concordance,
    registry_survival,
)
from rectoplan.web.deps import Principal
from rectoplan.web.pages.figures import png_data_uri
from rectoplan.web.pages.render import render
from rectoplan.web.pages.session import page_reader, page_role

router = APIRouter(include_in_schema=False)

ALPHA = 0.05
"""95% intervals throughout: the analytics API's default, so the page matches its JSON."""

GROUP_LABELS = {
    "risk_group": "Risk group",
    "phase": "Phase",
    "pathway": "Pathway",
    "neoadjuvant": "Neoadjuvant therapy",
}
ALL_PATIENTS = ""
"""The ``group_by`` value for one curve of the whole cohort."""

DEFAULTS = {
    "endpoint": Endpoint.overall.value,
    "group_by": "risk_group",
    "unit": TimeUnit.months.value,
    "period": Period.quarter.value,
}
CHOICES: dict[str, list[tuple[str, str]]] = {
    "endpoint": [(e.value, ENDPOINT_TITLES[e]) for e in Endpoint],
    "group_by": [(g, GROUP_LABELS.get(g, g.replace("_", " "))) for g in cohort.GROUPS],
    "unit": [(u.value, u.value) for u in TimeUnit],
    "period": [(p.value, p.value) for p in Period],
}
FILTER_LABELS = {
    "endpoint": "Endpoint",
    "group_by": "Group by",
    "unit": "Time unit",
    "period": "Concordance period",
}
MAX_SHOWN_VALUE = 40
"""A rejected filter value is quoted back up to this many characters (a URL can be long)."""
_DIGITS = {TimeUnit.days: 0, TimeUnit.months: 1, TimeUnit.years: 1}
_UNIT_SHORT = {TimeUnit.days: "d", TimeUnit.months: "mo", TimeUnit.years: "y"}


@router.get("/outcomes")
def outcomes_page(
    request: Request,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
    endpoint: str | None = None,
    group_by: str | None = None,
    unit: str | None = None,
    period: str | None = None,
) -> Response:
    """The dashboard for the chosen filters, or the form with the bad filter named (422)."""
    raw = {"endpoint": endpoint, "group_by": group_by, "unit": unit, "period": period}
    chosen = {
        name: DEFAULTS[name] if value is None else value.strip() for name, value in raw.items()
    }
    errors = _filter_errors(chosen)
    context: dict[str, Any] = {
        "nav": "outcomes",
        "chosen": chosen,
        "errors": errors,
        "choices": CHOICES,
        "labels": FILTER_LABELS,
        "all_patients": "All patients together",
        "level": _level(ALPHA),
        "min_n": MIN_PATIENTS_FOR_VERDICT,
    }
    if errors:
        return render(request, "outcomes/page.html", context, user=user, status_code=422)
    group = chosen["group_by"] or None
    report = registry_concordance(db, Period(chosen["period"]), ALPHA)
    context.update(
        survival=survival_section(
            db, Endpoint(chosen["endpoint"]), group, TimeUnit(chosen["unit"])
        ),
        benchmarks=benchmark_rows(registry_comparisons(db, ALPHA, MIN_PATIENTS_FOR_VERDICT)[1]),
        concordance=report,
        concordance_figure=_concordance_figure(report),
        reasons_figure=_reasons_figure(report),
    )
    return render(request, "outcomes/page.html", context, user=user)


def _filter_errors(chosen: dict[str, str]) -> dict[str, str]:
    """Each filter whose value is not one of its choices, with the choices named."""
    errors = {}
    for name, options in CHOICES.items():
        allowed = [value for value, _ in options]
        if name == "group_by":
            allowed = [ALL_PATIENTS, *allowed]
        if chosen[name] not in allowed:
            shown = ", ".join(value or "(blank: all patients)" for value in allowed)
            given = chosen[name][:MAX_SHOWN_VALUE]
            errors[name] = (
                f"{FILTER_LABELS[name]} “{given}” is not a choice: choose one of {shown}."
            )
    return errors


# --- survival ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Survival:
    """What the Survival card shows: the figure, the at-risk table as text, the medians and
    the log-rank test."""

    result: RegistrySurvival
    unit: TimeUnit
    title: str
    group_label: str | None
    times: list[float]
    at_risk: list[tuple[str, list[int]]]
    figure: str
    alt: str

    @property
    def level(self) -> int:
        return _level(next(iter(self.result.curves.values())).alpha)

    @property
    def ci_method(self) -> str:
        return next(iter(self.result.curves.values())).ci_method

    def in_unit(self, days: float | None) -> str:
        """Days as the chosen unit (``None`` is "not reached")."""
        if days is None:
            return "not reached"
        value = days / plots.DAYS_PER_UNIT[self.unit]
        return f"{value:,.{_DIGITS[self.unit]}f} {_UNIT_SHORT[self.unit]}"

    def tick(self, days: float) -> str:
        value = days / plots.DAYS_PER_UNIT[self.unit]
        return f"{value:g}"


def survival_section(
    db: Session, endpoint: Endpoint, group: str | None, unit: TimeUnit
) -> Survival | None:
    """KM curves of ``endpoint`` by ``group`` with the numbers at risk at the figure's ticks;
    ``None`` when no patient can contribute yet."""
    result = registry_survival(db, endpoint, group, alpha=ALPHA)
    if result is None:
        return None
    times = [float(t) for t in plots.at_risk_times(result.curves, str(unit))]
    at_risk = [
        (label, [int(n) for n in curve.number_at_risk(times)])
        for label, curve in result.curves.items()
    ]
    group_label = GROUP_LABELS.get(group, group) if group else None
    return Survival(
        result=result,
        unit=unit,
        title=ENDPOINT_TITLES[endpoint],
        group_label=group_label,
        times=times,
        at_risk=at_risk,
        figure=png_data_uri(lambda: result.figure(unit)),
        alt=_survival_alt(result.curves, ENDPOINT_TITLES[endpoint], group_label, unit),
    )


def _survival_alt(
    curves: dict[str, SurvivalCurve], title: str, group_label: str | None, unit: TimeUnit
) -> str:
    """Say what the figure shows and where its numbers are, for a reader who cannot see it."""
    first = next(iter(curves.values()))
    split = f" by {group_label.lower()} ({', '.join(curves)})" if group_label else ""
    return (
        f"Kaplan–Meier curves of {title.lower()}{split}, with {_level(first.alpha)}% "
        f"confidence bands ({first.ci_method}) over time in {unit}, and the numbers at risk "
        "under the plot. The same numbers at risk and the medians are in the tables below."
    )


# --- benchmarks ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BenchmarkRow:
    """One line of the benchmark table, with the interval's position against the target in
    words (the verdict column says whether that is better or worse)."""

    comparison: Comparison
    method: str
    position: str
    sources: list[tuple[str, str]]
    n_note: str

    @property
    def reference(self):
        return self.comparison.reference


def benchmark_rows(comparisons: list[Comparison]) -> list[BenchmarkRow]:
    """One row per reference; none when no registry patient matches any of them (the card
    then says "No data yet")."""
    if not any(c.n for c in comparisons):
        return []
    return [
        BenchmarkRow(
            comparison=c,
            method=_method_name(c),
            position=_position(c),
            sources=[(key, lookup(key).citation) for key in c.reference.evidence],
            n_note=(
                f"at risk at {c.reference.at_years:g} y"
                if c.reference.at_years is not None and c.k is None
                else ""
            ),
        )
        for c in comparisons
    ]


def _method_name(comparison: Comparison) -> str:
    if comparison.estimate is None:
        return ""
    name = "Wilson" if comparison.method == "wilson" else comparison.method
    return f"{name} {_level(comparison.alpha)}%"


def _position(comparison: Comparison) -> str:
    """Where the cohort's interval lies relative to the published value."""
    lower, upper, value = comparison.lower, comparison.upper, comparison.reference.value
    if comparison.estimate is None:
        return "no patient matches"
    if lower is None or upper is None:
        return "no interval"
    if upper < value:
        return "interval below the benchmark"
    if lower > value:
        return "interval above the benchmark"
    return "interval includes the benchmark"


# --- concordance and deviation reasons -----------------------------------------------------


def _concordance_figure(report) -> str | None:
    if report is None or not report.periods:
        return None
    return png_data_uri(lambda: plots.concordance_figure(report, intervals="bars"))


def _reasons_figure(report) -> str | None:
    if report is None or not report.reasons:
        return None
    return png_data_uri(lambda: plots.deviation_reasons_figure(report.reasons))


def _level(alpha: float) -> int:
    return round(100 * (1 - alpha))

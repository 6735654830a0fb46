"""The outcomes dashboard: Kaplan-Meier curves with at-risk tables, benchmarks with intervals,
concordance over time and deviation reasons.

Every number comes from the functions the analytics API calls (`rectoplan.reports.outcomes`:
``registry_survival``, ``registry_comparisons``, ``registry_concordance``), so the page and
``/api/analytics/*`` can never disagree. Each figure is an image with its numbers repeated in
an HTML table (a screen reader, a search and a copy-paste need the numbers, not pixels).

The filters are a plain GET form: what to show (endpoint, grouping, time unit, concordance
period) and which patients to count (diagnosis years, pathway, procedure, approach, risk group).
A value that is not one of the choices (a hand-edited URL) answers 422 with the message beside
that filter and no statistics, rather than silently showing something other than what the URL
asked for. An empty registry shows "No data yet" in each section: a new unit sees the page it
will get, never an error.

Every section is computed once per registry version and filter combination
(`rectoplan.reports.cache`), so the page is fast after the first request until the registry
changes. Each table, and the pseudonymised patient-level rows behind each figure, can be
downloaded as CSV (`rectoplan.web.pages.outcome_exports`) for exactly the filters shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from rectoplan.analytics import plots
from rectoplan.analytics.benchmarks import MIN_PATIENTS_FOR_VERDICT, Comparison
from rectoplan.analytics.procedure_outcomes import NOT_RECORDED
from rectoplan.analytics.survival import SurvivalCurve
from rectoplan.analytics.time_units import DAYS_PER_YEAR
from rectoplan.clinical.case import Approach, OperationType
from rectoplan.evidence import lookup
from rectoplan.registry import cohort
from rectoplan.registry.users import Role
from rectoplan.reports.cache import OUTCOMES, registry_version
from rectoplan.reports.outcomes import (
    ENDPOINT_TITLES,
    GROUP_ORDER,
    CohortFilter,
    Endpoint,
    Period,
    RegistrySurvival,
    TimeUnit,
    registry_comparisons,
    registry_concordance,
    registry_procedure_outcomes,
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
    "from_year": "",
    "to_year": "",
    "pathway": "",
    "procedure": "",
    "approach": "",
    "risk_group": "",
}
PROCEDURE_LABELS = {
    "local_excision": "Local excision (TEM / TAMIS)",
    "esd": "Endoscopic submucosal dissection",
    "eftr": "Endoscopic full-thickness resection",
    "lar": "Anterior resection",
    "coloanal": "Coloanal anastomosis",
    "isr_partial": "Partial intersphincteric resection",
    "isr_subtotal": "Subtotal intersphincteric resection",
    "isr_total": "Total intersphincteric resection",
    "apr": "Abdominoperineal resection",
    "hartmann": "Hartmann's procedure",
    "exenteration": "Pelvic exenteration",
    "sacrectomy": "Sacrectomy (any operation with a sacral transection)",
}
"""Operations from the least to the most extensive, in the words on an operation note."""
CHOICES: dict[str, list[tuple[str, str]]] = {
    "endpoint": [(e.value, ENDPOINT_TITLES[e]) for e in Endpoint],
    "group_by": [(g, GROUP_LABELS.get(g, g.replace("_", " "))) for g in cohort.GROUPS],
    "unit": [(u.value, u.value) for u in TimeUnit],
    "period": [(p.value, p.value) for p in Period],
    "pathway": list(GROUP_ORDER["pathway"]),
    "procedure": [(o.value, PROCEDURE_LABELS[o.value]) for o in OperationType]
    + [("sacrectomy", PROCEDURE_LABELS["sacrectomy"])],
    "approach": [(a.value, a.value.capitalize()) for a in Approach],
    "risk_group": list(GROUP_ORDER["risk_group"]),
}
ANY = "Any"
"""The blank choice of a patient filter: no restriction."""
PATIENT_FILTERS = ("pathway", "procedure", "approach", "risk_group")
YEARS = ("from_year", "to_year")
FILTER_LABELS = {
    "endpoint": "Endpoint",
    "group_by": "Group by",
    "unit": "Time unit",
    "period": "Concordance period",
    "from_year": "Diagnosed from",
    "to_year": "Diagnosed to",
    "pathway": "Pathway",
    "procedure": "Procedure",
    "approach": "Approach",
    "risk_group": "Risk group",
}
RATE_YEARS = (1, 3, 5)
"""Survival read off each curve at these years, with its interval, beside the curve."""
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
    from_year: str | None = None,
    to_year: str | None = None,
    pathway: str | None = None,
    procedure: str | None = None,
    approach: str | None = None,
    risk_group: str | None = None,
) -> Response:
    """The dashboard for the chosen filters, or the form with the bad filter named (422)."""
    chosen = chosen_filters(locals())
    version = registry_version(db)
    choices = years(db, version)
    errors = filter_errors(chosen, choices)
    context: dict[str, Any] = {
        "nav": "outcomes",
        "chosen": chosen,
        "errors": errors,
        "choices": {**CHOICES, "from_year": choices, "to_year": choices},
        "labels": FILTER_LABELS,
        "all_patients": "All patients together",
        "any": ANY,
        "level": _level(ALPHA),
        "min_n": MIN_PATIENTS_FOR_VERDICT,
        "procedure_labels": {
            **PROCEDURE_LABELS,
            "balloon_dilatation": "Balloon dilatation",
            "magnetic_compression": "Magnetic compression anastomosis",
        },
        "query": urlencode({k: v for k, v in chosen.items() if v != DEFAULTS[k]}),
    }
    if errors:
        return render(request, "outcomes/page.html", context, user=user, status_code=422)
    context.update(dashboard(db, chosen, version))
    return render(request, "outcomes/page.html", context, user=user)


def chosen_filters(given: dict[str, Any]) -> dict[str, str]:
    """Each filter's value from the query (stripped), or its default."""
    return {
        name: default if given.get(name) is None else str(given[name]).strip()
        for name, default in DEFAULTS.items()
    }


def years(db: Session, version: tuple[str, int]) -> list[tuple[str, str]]:
    """The years in which the registry's episodes were diagnosed, as filter choices."""
    dates = _episodes(db, version)["diagnosis_date"].dropna()
    return [(str(y), str(y)) for y in sorted({int(d.year) for d in dates})]


def _episodes(db: Session, version: tuple[str, int]):
    return OUTCOMES.get(version, "episodes", lambda: cohort.episodes_frame(db))


def dashboard(
    db: Session, chosen: dict[str, str], version: tuple[str, int] | None = None
) -> dict[str, Any]:
    """Every section of the page for valid filters, computed once per registry version."""
    version = registry_version(db) if version is None else version
    key = ("dashboard", tuple(sorted(chosen.items())))
    return OUTCOMES.get(version, key, lambda: _sections(db, chosen, version))


def cohort_filter(chosen: dict[str, str]) -> CohortFilter:
    return CohortFilter(
        diagnosed_from=int(chosen["from_year"]) if chosen["from_year"] else None,
        diagnosed_to=int(chosen["to_year"]) if chosen["to_year"] else None,
        **{name: chosen[name] for name in PATIENT_FILTERS},
    )


def _sections(db: Session, chosen: dict[str, str], version: tuple[str, int]) -> dict[str, Any]:
    counted = cohort_filter(chosen)
    episodes = None
    if counted.active:
        episodes = counted.select(_episodes(db, version))
    group = chosen["group_by"] or None
    report = registry_concordance(db, Period(chosen["period"]), ALPHA, episodes)
    comparisons = registry_comparisons(db, ALPHA, MIN_PATIENTS_FOR_VERDICT, episodes)[1]
    decisions = cohort.decisions_frame(db)
    if episodes is not None:
        decisions = decisions[decisions["episode_id"].isin(episodes)]
    return {
        "cohort_filter": counted,
        "patients": None if episodes is None else len(episodes),
        "counted_words": counted_words(counted),
        "survival": survival_section(
            db, Endpoint(chosen["endpoint"]), group, TimeUnit(chosen["unit"]), episodes
        ),
        "benchmarks": benchmark_rows([c for c in comparisons if _matched(c)]),
        "unmatched": [c for c in comparisons if not _matched(c)],
        "comparisons": comparisons,
        "concordance": report,
        "decisions": decisions.reset_index(drop=True),
        "procedures": registry_procedure_outcomes(db, ALPHA, episodes),
        "not_recorded": NOT_RECORDED,
        "concordance_figure": _concordance_figure(report),
        "reasons_figure": _reasons_figure(report),
    }


def _matched(comparison: Comparison) -> int:
    """Registry patients in the reference's population (for survival, not those at risk)."""
    return comparison.n if comparison.subset_n is None else comparison.subset_n


def counted_words(counted: CohortFilter) -> str:
    """The patient filters in the dashboard's own words ("procedure Anterior resection")."""
    parts = []
    if counted.diagnosed_from is not None or counted.diagnosed_to is not None:
        parts.append(f"diagnosed {counted.diagnosed_from or '…'}–{counted.diagnosed_to or '…'}")
    for name in PATIENT_FILTERS:
        value = getattr(counted, name)
        if value:
            label = dict(CHOICES[name]).get(value, value)
            parts.append(f"{FILTER_LABELS[name].lower()} {label}")
    return "; ".join(parts) or "all patients"


def filter_errors(chosen: dict[str, str], years: list[tuple[str, str]]) -> dict[str, str]:
    """Each filter whose value is not one of its choices, with the choices named."""
    errors = {}
    options = {**CHOICES, "from_year": years, "to_year": years}
    for name, choices in options.items():
        allowed = [value for value, _ in choices]
        if name == "group_by":
            allowed = [ALL_PATIENTS, *allowed]
        if name in (*PATIENT_FILTERS, *YEARS):
            allowed = ["", *allowed]
        if chosen[name] not in allowed:
            shown = ", ".join(value or "(blank)" for value in allowed)
            given = chosen[name][:MAX_SHOWN_VALUE]
            errors[name] = (
                f"{FILTER_LABELS[name]} “{given}” is not a choice: choose one of {shown}."
            )
    both = not errors and chosen["from_year"] and chosen["to_year"]
    if both and int(chosen["from_year"]) > int(chosen["to_year"]):
        errors["to_year"] = (
            f"Diagnosed to {chosen['to_year']} is before diagnosed from "
            f"{chosen['from_year']}: choose a later year."
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
    rates: list[tuple[str, list[dict[str, Any]]]]
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
    db: Session,
    endpoint: Endpoint,
    group: str | None,
    unit: TimeUnit,
    episodes: set[int] | None = None,
) -> Survival | None:
    """KM curves of ``endpoint`` by ``group`` (of ``episodes`` only, when given) with the
    numbers at risk at the figure's ticks and S(t) at 1, 3 and 5 years; ``None`` when no
    patient can contribute yet."""
    result = registry_survival(db, endpoint, group, alpha=ALPHA, episodes=episodes)
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
        rates=survival_rates(result.curves),
        figure=png_data_uri(lambda: result.figure(unit)),
        alt=_survival_alt(result.curves, ENDPOINT_TITLES[endpoint], group_label, unit),
    )


def survival_rates(curves: dict[str, SurvivalCurve]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Per curve, S(t) with its interval and the number at risk at `RATE_YEARS`; a year
    beyond the curve's follow-up is marked as not reached rather than carried forward."""
    rows = []
    for label, curve in curves.items():
        table = curve.survival_at([years * DAYS_PER_YEAR for years in RATE_YEARS])
        followed = float(curve.times[-1]) if len(curve.times) else 0.0
        rates = []
        for years, row in zip(RATE_YEARS, table.itertuples(), strict=True):
            reached = years * DAYS_PER_YEAR <= followed
            rates.append(
                {
                    "years": years,
                    "survival": float(row.survival) if reached else None,
                    "lower": float(row.lower) if reached else None,
                    "upper": float(row.upper) if reached else None,
                    "at_risk": int(row.at_risk),
                }
            )
        rows.append((label, rates))
    return rows


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
    """One row per reference compared with at least one registry patient."""
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

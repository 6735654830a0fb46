"""Outcome figures as plain data: shared by ``rectoplan analytics`` and the web API.

The registry-versus-benchmark comparison and the JSON-ready conversion live here, above both
the registry and the analytics packages, so neither the command line nor the web routes own
logic the other needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.figure import Figure

    from rectoplan.analytics import ConcordanceReport, LogRank, SurvivalCurve

REGISTRY_PROPORTIONS = ("r0", "organ_preserved", "major_complications")


class Endpoint(StrEnum):
    overall = "overall"
    disease_free = "disease_free"
    tme_free = "tme_free"
    restenosis_free = "restenosis_free"


ENDPOINT_TITLES = {
    Endpoint.overall: "Overall survival",
    Endpoint.disease_free: "Disease-free survival",
    Endpoint.tme_free: "TME-free survival",
    Endpoint.restenosis_free: "Restenosis-free survival",
}


class CIMethod(StrEnum):
    log_log = "log-log"
    log = "log"


class TimeUnit(StrEnum):
    days = "days"
    months = "months"
    years = "years"


class Period(StrEnum):
    quarter = "quarter"
    month = "month"


def plain(value: Any) -> Any:
    """JSON-ready: numpy scalars as Python numbers, NaN as null, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def survival_columns(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    return frame["duration_days"], frame["event"]


# --- groups in clinical order, under clinical labels ----------------------------------------

GROUP_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "risk_group": (
        ("very_early", "Very early"),
        ("early", "Early"),
        ("intermediate", "Intermediate"),
        ("locally_advanced", "Locally advanced"),
        ("advanced", "Advanced"),
        ("metastatic", "Metastatic"),
    ),
    "phase": (
        ("diagnosis", "At diagnosis"),
        ("neoadjuvant", "During neoadjuvant therapy"),
        ("restaging", "At restaging"),
        ("postoperative", "After the operation"),
        ("recurrence", "Local recurrence"),
        ("stenosis", "Anastomotic stenosis"),
    ),
    "pathway": (
        ("primary", "Primary cancer"),
        ("recurrence", "Local recurrence"),
        ("stenosis", "Anastomotic stenosis"),
    ),
    "neoadjuvant": (
        ("none", "No neoadjuvant therapy"),
        ("short_course_rt", "Short-course radiotherapy"),
        ("long_course_rt", "Long-course radiotherapy"),
        ("chemoradiotherapy", "Chemoradiotherapy"),
        ("tnt", "Total neoadjuvant therapy"),
        ("chemotherapy", "Chemotherapy alone"),
        ("immunotherapy", "Immunotherapy"),
    ),
}
"""Each grouping's values from the earliest or least treated to the latest or most advanced,
with the words a clinician uses; "unknown" and any value not listed come last."""
UNKNOWN_LABEL = "Not recorded"


def group_label(group_by: str, value: str) -> str:
    return dict(GROUP_ORDER.get(group_by, ())).get(value) or (
        UNKNOWN_LABEL if value == "unknown" else value.replace("_", " ").capitalize()
    )


def _in_clinical_order(group_by: str, curves: dict[str, Any]) -> dict[str, Any]:
    """``curves`` keyed by clinical label, in clinical order (unlisted values after)."""
    order = [value for value, _ in GROUP_ORDER.get(group_by, ())]
    rank = {value: i for i, value in enumerate(order)}
    keys = sorted(curves, key=lambda v: (v == "unknown", rank.get(v, len(order)), v))
    relabelled = {}
    for value in keys:
        curve = curves[value]
        label = group_label(group_by, value)
        relabelled[label] = replace(curve, label=label) if hasattr(curve, "label") else curve
    return relabelled


# --- filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortFilter:
    """Which episodes the dashboard counts: diagnosed in a range of years, on a pathway,
    operated on with a procedure by an approach (the same operation), in a risk group. Empty
    values filter nothing."""

    diagnosed_from: int | None = None
    diagnosed_to: int | None = None
    pathway: str = ""
    procedure: str = ""
    approach: str = ""
    risk_group: str = ""

    @property
    def active(self) -> bool:
        return any(v not in (None, "") for v in vars(self).values())

    def select(self, episodes: pd.DataFrame) -> set[int]:
        """The episode ids of ``episodes`` (the registry's episode frame) that pass."""
        from rectoplan.analytics.populations import Population

        operation = Population(
            "dashboard filter",
            procedures=(self.procedure,) if self.procedure else (),
            approaches=(self.approach,) if self.approach else (),
        )
        chosen = operation.select(episodes)
        year = chosen["diagnosis_date"].dt.year
        keep = pd.Series(True, index=chosen.index)
        if self.diagnosed_from is not None:
            keep &= year >= self.diagnosed_from
        if self.diagnosed_to is not None:
            keep &= year <= self.diagnosed_to
        if self.pathway:
            keep &= chosen["pathway"] == self.pathway
        if self.risk_group:
            keep &= chosen["risk_group"] == self.risk_group
        return set(chosen.loc[keep, "episode_id"].astype(int))


def _only(frame: pd.DataFrame, episodes: set[int] | None) -> pd.DataFrame:
    """The rows of ``episodes`` (all rows for ``None``), with the left-out counts of a
    survival frame recounted for them."""
    if episodes is None:
        return frame
    kept = frame[frame["episode_id"].isin(episodes)].reset_index(drop=True)
    kept.attrs = dict(frame.attrs)
    if "skipped_episodes" in frame.attrs:
        left_out = {
            reason: [e for e in ids if e in episodes]
            for reason, ids in frame.attrs["skipped_episodes"].items()
        }
        kept.attrs["skipped_episodes"] = {r: ids for r, ids in left_out.items() if ids}
        kept.attrs["skipped_by_reason"] = {r: len(ids) for r, ids in left_out.items() if ids}
        kept.attrs["skipped"] = sum(kept.attrs["skipped_by_reason"].values())
    return kept


@dataclass(frozen=True, eq=False)
class RegistrySurvival:
    """Kaplan–Meier curves of one registry endpoint (one per group, or "all patients") with
    the log-rank test across the groups, as the API, its figure and the outcomes page show
    them; ``skipped`` counts the episodes that could not contribute, by reason."""

    endpoint: Endpoint
    curves: dict[str, SurvivalCurve]
    logrank: LogRank | None
    skipped: dict[str, int]
    frame: pd.DataFrame | None = None
    """The patient-level rows the curves were fitted on (``episode_id, duration_days, event
    [, group]``), for the CSV export."""

    def to_dict(self, times: Sequence[float] | None = None) -> dict[str, Any]:
        """The ``/api/analytics/km`` payload: S(t) at ``times`` days (default whole years)."""
        return {
            "endpoint": str(self.endpoint),
            "curves": [curve.to_dict(times) for curve in self.curves.values()],
            "logrank": self.logrank.to_dict() if self.logrank else None,
            "skipped": self.skipped,
        }

    def figure(self, unit: TimeUnit, at_risk_times: Sequence[float] | None = None) -> Figure:
        """The curves with their bands and the numbers-at-risk table (``at_risk_times`` in
        days; by default under the axis ticks)."""
        from rectoplan.analytics import plots

        return plots.survival_figure(
            self.curves,
            time_unit=str(unit),
            logrank=self.logrank,
            title=ENDPOINT_TITLES[self.endpoint],
            at_risk_times=at_risk_times,
        )


def registry_survival(
    session,
    endpoint: Endpoint,
    group_by: str | None = None,
    *,
    alpha: float = 0.05,
    ci_method: CIMethod = CIMethod.log_log,
    episodes: set[int] | None = None,
) -> RegistrySurvival | None:
    """Kaplan–Meier of the registry cohort for ``endpoint`` (of ``episodes`` only, when
    given), split by ``group_by`` (one of `rectoplan.registry.cohort.GROUPS`; the curves in
    clinical order under clinical labels), with a log-rank test when there are two or more
    groups; ``None`` when no patient can contribute to the endpoint yet."""
    from rectoplan.analytics import KaplanMeier, logrank
    from rectoplan.registry import cohort as registry

    frame = _only(registry.survival_frame(session, str(endpoint), group_by=group_by), episodes)
    if frame.empty:
        return None
    fitter = KaplanMeier(alpha=alpha, ci_method=str(ci_method))
    columns = survival_columns(frame)
    if group_by is None:
        curves = {"all patients": fitter.fit(*columns)}
        test = None
    else:
        curves = _in_clinical_order(
            group_by,
            fitter.fit_groups(
                *columns, frame["group"], names=("duration_days", "event", "group_by")
            ),
        )
        test = logrank(*columns, frame["group"]) if len(curves) > 1 else None
        frame = frame.assign(group=frame["group"].map(lambda v: group_label(group_by, v)))
    return RegistrySurvival(
        Endpoint(endpoint), curves, test, frame.attrs.get("skipped_by_reason", {}), frame
    )


def registry_concordance(
    session,
    period: Period = Period.quarter,
    alpha: float = 0.05,
    episodes: set[int] | None = None,
) -> ConcordanceReport | None:
    """Concordance of the registry's MDT decisions (about ``episodes`` only, when given) per
    ``period`` with the tally of deviation reasons; ``None`` when there is no decision."""
    from rectoplan.analytics import concordance
    from rectoplan.registry import cohort as registry

    frame = _only(registry.decisions_frame(session), episodes)
    if frame.empty:
        return None
    return concordance(frame, period=str(period), alpha=alpha)


COMPARED_MEASURES = {
    "r0": "R0 resection",
    "major_complications": "Clavien–Dindo III-V complication",
    "mortality_30d": "death within 30 days of the operation",
    "mortality_90d": "death within 90 days of the operation",
    "organ_preserved": "organ preservation",
}
"""Proportions the registry computes per population (`populations.outcome_flags`)."""

SCORE_SUMMARY = "median"
"""A cohort's CCI is set against the 2024 benchmark as its median: the benchmark is the 75th
percentile of centre results, and benchmark studies in the Clavien tradition report a centre's
CCI as its median. Not verified against the full text; named so it can be changed."""


def registry_comparisons(
    session, alpha: float, min_n: int, episodes: set[int] | None = None
) -> tuple[dict, list]:
    """Each published reference against the registry episodes that match its population:
    R0, complications and organ preservation as Wilson proportions, survival at the
    reference's time on the matching episodes' Kaplan–Meier curve, concordance of all MDT
    decisions. Every comparison carries its subset's n and criteria; references whose
    measure the registry does not compute yet are listed in ``summary["not_compared"]``.
    With ``episodes``, only those episodes (and their decisions) are counted."""
    from rectoplan.analytics import KaplanMeier, compare, compare_estimate, concordance, wilson
    from rectoplan.analytics.benchmarks import REFERENCES, nothing_to_compare
    from rectoplan.analytics.populations import operation_scores, outcome_flags, survival_subset
    from rectoplan.analytics.time_units import DAYS_PER_YEAR
    from rectoplan.registry import cohort as registry

    summary: dict[str, Any] = {"source": "registry", "not_compared": []}
    if episodes is None:
        for what in REGISTRY_PROPORTIONS:
            successes, total = registry.proportion(session, what)
            summary[what] = wilson(successes, total, alpha=alpha).to_dict() if total else None
    chosen = episodes
    episodes = _only(registry.episodes_frame(session), chosen)
    survival: dict[str, pd.DataFrame] = {}
    decisions = _only(registry.decisions_frame(session), chosen)
    overall = None
    if not decisions.empty and decisions["followed_preferred"].notna().any():
        overall = concordance(decisions, alpha=alpha).overall
        summary["concordance"] = overall.to_dict()
    comparisons = []
    for ref in REFERENCES:
        population = ref.population
        criteria = tuple(population.criteria(survival=ref.endpoint is not None))
        if ref.measure == "concordance" and population.unit == "decisions":
            if overall is None:
                made = nothing_to_compare(ref, min_patients=min_n, alpha=alpha)
            else:
                made = compare(overall.k, overall.n, ref, alpha=alpha, min_patients=min_n)
            comparisons.append(replace(made, subset_n=made.n, criteria=criteria))
            continue
        if population.unit != "episodes":
            summary["not_compared"].append(
                {"id": ref.id, "why": f"{ref.measure}: not measured by the registry"}
            )
            continue
        if ref.measure in COMPARED_MEASURES and ref.scale == "proportion":
            flags = outcome_flags(population.select(episodes), ref.measure)
            if flags.empty:
                made = nothing_to_compare(ref, min_patients=min_n, alpha=alpha)
            else:
                made = compare(int(flags.sum()), len(flags), ref, alpha=alpha, min_patients=min_n)
            comparisons.append(replace(made, subset_n=len(flags), criteria=criteria))
            continue
        if ref.measure == "cci" and ref.kind == "threshold":
            scores = operation_scores(population.select(episodes), "cci")
            if scores.empty:
                made = nothing_to_compare(ref, min_patients=min_n, alpha=alpha)
            else:
                made = compare_estimate(
                    float(getattr(scores, SCORE_SUMMARY)()),
                    None,
                    None,
                    len(scores),
                    ref,
                    method=f"{SCORE_SUMMARY} CCI",
                    alpha=alpha,
                    min_patients=min_n,
                    n_label="operations",
                )
            comparisons.append(replace(made, subset_n=len(scores), criteria=criteria))
            continue
        if ref.endpoint is not None and ref.at_years is not None:
            if ref.endpoint not in survival:
                survival[ref.endpoint] = _only(
                    registry.survival_frame(session, ref.endpoint), chosen
                )
            rows = survival_subset(
                survival[ref.endpoint], population.select(episodes), population.origin
            )
            if rows.empty:
                made = nothing_to_compare(ref, min_patients=min_n, alpha=alpha)
            else:
                curve = KaplanMeier(alpha=alpha).fit(*survival_columns(rows), label=ref.endpoint)
                row = curve.survival_at([ref.at_years * DAYS_PER_YEAR]).iloc[0]
                made = compare_estimate(
                    row["survival"],
                    row["lower"],
                    row["upper"],
                    int(row["at_risk"]),
                    ref,
                    method=f"Kaplan–Meier ({curve.ci_method})",
                    alpha=alpha,
                    min_patients=min_n,
                    n_label=f"at risk at {ref.at_years:g} y",
                )
            comparisons.append(replace(made, subset_n=len(rows), criteria=criteria))
            continue
        summary["not_compared"].append(
            {"id": ref.id, "why": f"{ref.measure}: not yet computed from the registry"}
        )
    return summary, comparisons


def registry_procedure_outcomes(
    session, alpha: float = 0.05, episodes: set[int] | None = None
) -> list:
    """Outcomes per procedure of the registry (of ``episodes`` only, when given): see
    `rectoplan.analytics.procedure_outcomes`."""
    from rectoplan.analytics.procedure_outcomes import procedure_outcomes
    from rectoplan.registry import cohort as registry

    return procedure_outcomes(
        _only(registry.episodes_frame(session), episodes),
        tme_free=_only(registry.survival_frame(session, "tme_free"), episodes),
        restenosis_free=_only(registry.survival_frame(session, "restenosis_free"), episodes),
        alpha=alpha,
    )

"""Survival analysis for registry endpoints: Kaplan–Meier curves, the log-rank test and Cox
proportional-hazards models, all computed by lifelines.

The shape follows lifelines: configure, ``fit()``, then read the result, which carries its own
confidence intervals and can ``plot()`` and ``to_dict()`` itself. Results are frozen so a
report, a plot and a JSON export of one fit can never disagree.

Two conventions are made explicit because packages differ on them:

* the pointwise confidence interval of S(t): lifelines uses the log-log ("exponential
  Greenwood") transform, R's ``survfit`` defaults to "log". Both are offered
  (``ci_method``), both from the Greenwood variance;
* the reference level of a categorical covariate in a Cox model: pandas would take the first
  level alphabetically (``Lev`` before ``Obs`` in the Moertel trial), so the caller names it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from rectoplan.analytics.inputs import survival_arrays
from rectoplan.analytics.proportions import check_alpha
from rectoplan.analytics.time_units import DAYS_PER_YEAR
from rectoplan.errors import FieldError
from rectoplan.evidence import cite

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KAPLAN_MEIER_EVIDENCE = cite("kaplan_meier_1958")
LOGRANK_EVIDENCE = cite("mantel_1966")
COX_EVIDENCE = cite("cox_1972", "efron_1977")

CIMethod = Literal["log-log", "log"]
CI_METHODS: tuple[str, ...] = ("log-log", "log")


# --- Kaplan–Meier --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Median:
    """Median survival time with its confidence interval; ``None`` means "not reached"."""

    time: float | None
    lower: float | None
    upper: float | None

    def to_dict(self) -> dict:
        return {"time": self.time, "lower": self.lower, "upper": self.upper}


def _first_at_or_below(times: np.ndarray, values: np.ndarray, level: float) -> float | None:
    """The first time a step curve reaches ``level`` (the convention of lifelines and of R's
    ``survfit`` for a curve that steps through it)."""
    hits = np.flatnonzero(values <= level)
    return float(times[hits[0]]) if hits.size else None


@dataclass(frozen=True, eq=False)
class SurvivalCurve:
    """A fitted Kaplan–Meier curve: one row per distinct time, starting at time 0.

    ``at_risk[i]`` counts patients whose duration is ``>= times[i]``; ``survival``, ``lower``
    and ``upper`` hold the estimate and its pointwise ``1 - alpha`` interval just after
    ``times[i]``.
    """

    label: str
    alpha: float
    ci_method: str
    times: np.ndarray
    at_risk: np.ndarray
    observed: np.ndarray
    censored: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @property
    def n(self) -> int:
        return int(self.at_risk[0])

    @property
    def events(self) -> int:
        return int(self.observed.sum())

    @property
    def table(self) -> pd.DataFrame:
        """The life table: time, at_risk, events, censored, survival, lower, upper."""
        return pd.DataFrame(
            {
                "time": self.times,
                "at_risk": self.at_risk,
                "events": self.observed,
                "censored": self.censored,
                "survival": self.survival,
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    @property
    def median(self) -> Median:
        """Median survival with the times the interval bands cross 0.5 (Brookmeyer–Crowley
        style, as lifelines' ``median_survival_times`` on the confidence interval)."""
        return Median(
            _first_at_or_below(self.times, self.survival, 0.5),
            _first_at_or_below(self.times, self.lower, 0.5),
            _first_at_or_below(self.times, self.upper, 0.5),
        )

    def _row_at(self, times: Sequence[float] | np.ndarray) -> np.ndarray:
        query = np.asarray(times, dtype=float)
        if np.any(~np.isfinite(query)) or np.any(query < 0):
            raise FieldError("times", "times must be finite and >= 0")
        return np.searchsorted(self.times, query, side="right") - 1

    def survival_at(self, times: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """S(t) and its interval at each requested time, with the numbers at risk, the events
        and the censored up to that time. Beyond the last follow-up the last value is carried
        (and ``at_risk`` is 0, which says so)."""
        query = np.asarray(times, dtype=float)
        rows = self._row_at(query)
        before = rows < 0
        safe = np.where(before, 0, rows)
        cum_events = np.cumsum(self.observed)
        cum_censored = np.cumsum(self.censored)
        return pd.DataFrame(
            {
                "time": query,
                "survival": np.where(before, 1.0, self.survival[safe]),
                "lower": np.where(before, 1.0, self.lower[safe]),
                "upper": np.where(before, 1.0, self.upper[safe]),
                "at_risk": self.number_at_risk(query),
                "events": np.where(before, 0, cum_events[safe]),
                "censored": np.where(before, 0, cum_censored[safe]),
            }
        )

    def number_at_risk(self, times: Sequence[float] | np.ndarray) -> np.ndarray:
        """Patients still followed (duration >= t) at each time: the row under a KM plot."""
        query = np.asarray(times, dtype=float)
        first_at_or_after = np.searchsorted(self.times, query, side="left")
        padded = np.append(self.at_risk, 0)
        return padded[first_at_or_after].astype(int)

    def default_times(self) -> np.ndarray:
        """Whole years from 0 up to the last follow-up: the times a report quotes."""
        years = int(self.times[-1] // DAYS_PER_YEAR)
        return np.arange(years + 1) * DAYS_PER_YEAR

    def to_dict(self, times: Sequence[float] | None = None) -> dict:
        at = self.survival_at(self.default_times() if times is None else times)
        return {
            "label": self.label,
            "n": self.n,
            "events": self.events,
            "alpha": self.alpha,
            "ci_method": self.ci_method,
            "median": self.median.to_dict(),
            "at_times": at.to_dict(orient="records"),
            "evidence": list(KAPLAN_MEIER_EVIDENCE),
        }

    def plot(self, path: str | None = None, **options) -> Figure:
        """KM curve with its band and a numbers-at-risk table; saved if ``path`` is given."""
        from rectoplan.analytics import plots

        return plots.survival_figure({self.label: self}, path=path, **options)


def _greenwood(at_risk: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Cumulative Greenwood sum  Σ d / (n (n - d)), the variance of log S(t)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed / (at_risk * (at_risk - observed)), 0.0)
    return np.cumsum(terms)


def _log_band(survival: np.ndarray, variance: np.ndarray, z: float) -> tuple[np.ndarray, ...]:
    """R ``survfit`` default: exp(log S ± z·se), capped at 1."""
    spread = np.exp(z * np.sqrt(variance))
    return survival / spread, np.minimum(1.0, survival * spread)


class KaplanMeier:
    """Kaplan–Meier estimator (lifelines ``KaplanMeierFitter``) with a chosen interval.

    ``KaplanMeier(ci_method="log").fit(days, died)`` reproduces R's ``survfit`` intervals;
    the default "log-log" reproduces lifelines and Stata.
    """

    def __init__(self, *, alpha: float = 0.05, ci_method: CIMethod = "log-log") -> None:
        if ci_method not in CI_METHODS:
            raise FieldError("ci_method", f"{ci_method!r} is not one of {', '.join(CI_METHODS)}")
        self.alpha = check_alpha(alpha)
        self.ci_method = ci_method

    def fit(
        self,
        durations: Sequence | np.ndarray | pd.Series,
        events: Sequence | np.ndarray | pd.Series,
        *,
        label: str = "all patients",
        names: tuple[str, str] = ("durations", "events"),
    ) -> SurvivalCurve:
        from lifelines import KaplanMeierFitter

        times, flags = survival_arrays(durations, events, names=names)
        fitter = KaplanMeierFitter(alpha=self.alpha).fit(times, flags, label=label)
        table = fitter.event_table
        at_risk = table["at_risk"].to_numpy(dtype=float)
        observed = table["observed"].to_numpy(dtype=float)
        survival = fitter.survival_function_.iloc[:, 0].to_numpy()
        if self.ci_method == "log-log":
            band = fitter.confidence_interval_survival_function_
            lower, upper = band.iloc[:, 0].to_numpy(), band.iloc[:, 1].to_numpy()
        else:
            z = float(norm.ppf(1 - self.alpha / 2))
            lower, upper = _log_band(survival, _greenwood(at_risk, observed), z)
        # Once everyone has had the event S = 0 and neither transform is defined; lifelines
        # would report (1, 1) there. The interval of a certain zero is zero.
        dead = survival <= 0
        lower, upper = np.where(dead, 0.0, lower), np.where(dead, 0.0, upper)
        return SurvivalCurve(
            label=str(label),
            alpha=self.alpha,
            ci_method=self.ci_method,
            times=table.index.to_numpy(dtype=float),
            at_risk=at_risk.astype(int),
            observed=observed.astype(int),
            censored=table["censored"].to_numpy(dtype=int),
            survival=survival,
            lower=lower,
            upper=upper,
        )

    def fit_groups(
        self,
        durations: Sequence | np.ndarray | pd.Series,
        events: Sequence | np.ndarray | pd.Series,
        groups: Sequence | np.ndarray | pd.Series,
        *,
        names: tuple[str, str, str] = ("durations", "events", "groups"),
    ) -> dict[str, SurvivalCurve]:
        """One curve per group, in sorted group order."""
        times, flags = survival_arrays(durations, events, names=names[:2])
        labels = group_labels(groups, len(times), names[2])
        return {
            level: self.fit(times[labels == level], flags[labels == level], label=level)
            for level in sorted(set(labels))
        }


def group_labels(groups: Sequence | np.ndarray | pd.Series, size: int, field: str) -> np.ndarray:
    """Group values as text labels; a blank group is refused rather than silently dropped."""
    series = pd.Series(np.asarray(groups, dtype=object))
    if len(series) != size:
        raise FieldError(field, f"{len(series)} group values for {size} patients (must be equal)")
    blank = series.isna() | (series.astype(str).str.strip() == "")
    if blank.any():
        raise FieldError(field, f"row {int(np.flatnonzero(blank)[0]) + 1}: the group is blank")
    return series.astype(str).to_numpy()


# --- log-rank ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogRank:
    """The log-rank test of equal survival across ``groups`` (chi-square on ``df``)."""

    statistic: float
    df: int
    p_value: float
    groups: tuple[str, ...]
    n: tuple[int, ...]
    events: tuple[int, ...]

    def to_dict(self) -> dict:
        return {
            "test": "log-rank",
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
            "groups": [
                {"group": g, "n": n, "events": e}
                for g, n, e in zip(self.groups, self.n, self.events, strict=True)
            ],
            "evidence": list(LOGRANK_EVIDENCE),
        }


def logrank(
    durations: Sequence | np.ndarray | pd.Series,
    events: Sequence | np.ndarray | pd.Series,
    groups: Sequence | np.ndarray | pd.Series,
    *,
    names: tuple[str, str, str] = ("durations", "events", "groups"),
) -> LogRank:
    """Log-rank test for two or more groups (lifelines ``multivariate_logrank_test``)."""
    from lifelines.statistics import multivariate_logrank_test

    times, flags = survival_arrays(durations, events, names=names[:2])
    labels = group_labels(groups, len(times), names[2])
    levels = tuple(sorted(set(labels)))
    if len(levels) < 2:
        raise FieldError(names[2], "the log-rank test needs at least two groups")
    result = multivariate_logrank_test(times, labels, flags)
    return LogRank(
        statistic=float(result.test_statistic),
        df=int(result.degrees_of_freedom),
        p_value=float(result.p_value),
        groups=levels,
        n=tuple(int((labels == g).sum()) for g in levels),
        events=tuple(int(flags[labels == g].sum()) for g in levels),
    )


# --- Cox proportional hazards --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HazardRatio:
    """One model term: ``column=level`` against the reference level, or a numeric column per
    unit."""

    term: str
    coef: float
    se: float
    hazard_ratio: float
    lower: float
    upper: float
    p_value: float

    def to_dict(self) -> dict:
        return {
            "term": self.term,
            "coef": self.coef,
            "se": self.se,
            "hazard_ratio": self.hazard_ratio,
            "lower": self.lower,
            "upper": self.upper,
            "p_value": self.p_value,
        }


@dataclass(frozen=True, slots=True)
class CoxResult:
    """A fitted Cox model (Efron ties) with hazard ratios and their ``1 - alpha`` intervals."""

    terms: tuple[HazardRatio, ...]
    reference: Mapping[str, str]
    n: int
    events: int
    alpha: float
    concordance: float
    log_likelihood: float
    ties: str = "efron"
    warnings: tuple[str, ...] = ()

    def __getitem__(self, term: str) -> HazardRatio:
        for row in self.terms:
            if row.term == term:
                return row
        raise KeyError(term)

    def to_dict(self) -> dict:
        return {
            "model": "Cox proportional hazards",
            "ties": self.ties,
            "n": self.n,
            "events": self.events,
            "alpha": self.alpha,
            "reference": dict(self.reference),
            "concordance": self.concordance,
            "log_likelihood": self.log_likelihood,
            "terms": [row.to_dict() for row in self.terms],
            "warnings": list(self.warnings),
            "evidence": list(COX_EVIDENCE),
        }

    def plot(self, path: str | None = None, **options) -> Figure:
        """Forest plot of the hazard ratios with the line of no effect (HR = 1)."""
        from rectoplan.analytics import plots

        return plots.hazard_ratio_figure(self, path=path, **options)


def _design(
    frame: pd.DataFrame, categorical: Mapping[str, str], numeric: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Indicator columns ``column=level`` for every non-reference level, plus numeric columns."""
    columns: dict[str, np.ndarray] = {}
    reference: dict[str, str] = {}
    for column, ref in categorical.items():
        if column not in frame:
            raise FieldError(column, "no such column")
        labels = group_labels(frame[column], len(frame), column)
        levels = sorted(set(labels))
        if str(ref) not in levels:
            raise FieldError(
                "reference", f"{ref!r} is not a level of {column} ({', '.join(levels)})"
            )
        if len(levels) < 2:
            raise FieldError(column, "a categorical covariate needs at least two levels")
        reference[column] = str(ref)
        for level in levels:
            if level != str(ref):
                columns[f"{column}={level}"] = (labels == level).astype(float)
    for column in numeric:
        if column not in frame:
            raise FieldError(column, "no such column")
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            raise FieldError(column, f"row {int(np.flatnonzero(bad)[0]) + 1}: not a number")
        columns[column] = values
    if not columns:
        raise FieldError("covariates", "name at least one categorical or numeric covariate")
    return pd.DataFrame(columns, index=frame.index), reference


def _refuse_levels_without_events(
    design: pd.DataFrame, events: np.ndarray, reference: Mapping[str, str]
) -> None:
    """A level (or the reference) with no events has no finite hazard ratio: the likelihood
    keeps rising as its coefficient runs to -infinity (complete separation). Say so instead
    of printing a meaningless HR of 0 with an interval of 0 to infinity."""
    for column, ref in reference.items():
        indicators = [c for c in design.columns if c.startswith(f"{column}=")]
        in_reference = ~design[indicators].to_numpy(dtype=bool).any(axis=1)
        levels = {f"{column}={ref}": in_reference} | {
            name: design[name].to_numpy(dtype=bool) for name in indicators
        }
        for name, members in levels.items():
            if not events[members].any():
                level = name.split("=", 1)[1]
                raise FieldError(
                    column, f"level {level!r} has no events, so its hazard ratio is undefined"
                )


class CoxPH:
    """Cox proportional-hazards regression (lifelines ``CoxPHFitter``, Efron ties, no penalty).

    ``CoxPH().fit(frame, categorical={"rx": "Obs"})`` gives the hazard ratio of every other
    ``rx`` level against observation.
    """

    def __init__(self, *, alpha: float = 0.05) -> None:
        self.alpha = check_alpha(alpha)

    def fit(
        self,
        frame: pd.DataFrame,
        *,
        duration_col: str = "duration_days",
        event_col: str = "event",
        categorical: Mapping[str, str] | None = None,
        numeric: Sequence[str] = (),
    ) -> CoxResult:
        from lifelines import CoxPHFitter
        from lifelines.exceptions import ConvergenceWarning

        for column in (duration_col, event_col):
            if column not in frame:
                raise FieldError(column, "no such column")
        times, flags = survival_arrays(
            frame[duration_col], frame[event_col], names=(duration_col, event_col)
        )
        if not flags.any():
            raise FieldError(event_col, "no events: a Cox model needs at least one")
        design, reference = _design(frame, categorical or {}, numeric)
        _refuse_levels_without_events(design, flags, reference)
        data = design.assign(__duration=times, __event=flags)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            fitter = CoxPHFitter(alpha=self.alpha).fit(data, "__duration", "__event")
        z = float(norm.ppf(1 - self.alpha / 2))
        terms = tuple(
            HazardRatio(
                term=str(term),
                coef=float(row["coef"]),
                se=float(row["se(coef)"]),
                hazard_ratio=float(np.exp(row["coef"])),
                lower=float(np.exp(row["coef"] - z * row["se(coef)"])),
                upper=float(np.exp(row["coef"] + z * row["se(coef)"])),
                p_value=float(row["p"]),
            )
            for term, row in fitter.summary.iterrows()
        )
        return CoxResult(
            terms=terms,
            reference=reference,
            n=len(times),
            events=int(flags.sum()),
            alpha=self.alpha,
            concordance=float(fitter.concordance_index_),
            log_likelihood=float(fitter.log_likelihood_),
            warnings=tuple(
                str(w.message).strip().splitlines()[0]
                for w in caught
                if issubclass(w.category, ConvergenceWarning)
            ),
        )


__all__ = [
    "CI_METHODS",
    "DAYS_PER_YEAR",
    "CoxPH",
    "CoxResult",
    "HazardRatio",
    "KaplanMeier",
    "LogRank",
    "Median",
    "SurvivalCurve",
    "group_labels",
    "logrank",
]

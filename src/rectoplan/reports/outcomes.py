"""Outcome figures as plain data: shared by ``rectoplan analytics`` and the web API.

The registry-versus-benchmark comparison and the JSON-ready conversion live here, above both
the registry and the analytics packages, so neither the command line nor the web routes own
logic the other needs.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import pandas as pd

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


def registry_comparisons(session, alpha: float, min_n: int) -> tuple[dict, list]:
    """Registry R0 and organ preservation, survival at the benchmark times and concordance,
    each against every whole-cohort reference for the same measure."""
    from rectoplan.analytics import KaplanMeier, compare, compare_estimate, concordance, wilson
    from rectoplan.analytics.benchmarks import REFERENCES, references_for
    from rectoplan.analytics.survival import DAYS_PER_YEAR
    from rectoplan.registry import cohort as registry

    summary: dict[str, Any] = {"source": "registry"}
    comparisons = []
    for what in REGISTRY_PROPORTIONS:
        successes, total = registry.proportion(session, what)
        if total == 0:
            summary[what] = None
            continue
        summary[what] = wilson(successes, total, alpha=alpha).to_dict()
        comparisons += [
            compare(successes, total, ref, alpha=alpha, min_patients=min_n)
            for ref in references_for(what)
        ]
    endpoints = sorted({r.endpoint for r in REFERENCES if r.endpoint and not r.subgroup})
    for endpoint in endpoints:
        frame = registry.survival_frame(session, endpoint)
        if frame.empty:
            continue
        curve = KaplanMeier(alpha=alpha).fit(*survival_columns(frame), label=endpoint)
        for ref in REFERENCES:
            if ref.endpoint != endpoint or ref.subgroup or ref.at_years is None:
                continue
            row = curve.survival_at([ref.at_years * DAYS_PER_YEAR]).iloc[0]
            comparisons.append(
                compare_estimate(
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
            )
    decisions = registry.decisions_frame(session)
    if not decisions.empty and decisions["followed_preferred"].notna().any():
        overall = concordance(decisions, alpha=alpha).overall
        summary["concordance"] = overall.to_dict()
        comparisons += [
            compare(overall.k, overall.n, ref, alpha=alpha, min_patients=min_n)
            for ref in references_for("concordance")
        ]
    return summary, comparisons

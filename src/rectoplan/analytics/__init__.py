"""Cohort statistics on registry data: survival, proportions, benchmarks, concordance, plots.

The statistics are pure functions of arrays and data frames; nothing here imports the
registry, so the same code serves a live registry, an exported CSV and a test fixture. The
command line (`rectoplan.cli.analytics`) is the one place that reads the registry and hands
its frames over.
"""

from rectoplan.analytics.benchmarks import (
    REFERENCES,
    Comparison,
    Reference,
    Verdict,
    compare,
    compare_estimate,
    reference,
)
from rectoplan.analytics.concordance import ConcordanceReport, concordance
from rectoplan.analytics.proportions import Proportion, wilson
from rectoplan.analytics.survival import (
    CoxPH,
    CoxResult,
    HazardRatio,
    KaplanMeier,
    LogRank,
    SurvivalCurve,
    logrank,
)

__all__ = [
    "REFERENCES",
    "Comparison",
    "ConcordanceReport",
    "CoxPH",
    "CoxResult",
    "HazardRatio",
    "KaplanMeier",
    "LogRank",
    "Proportion",
    "Reference",
    "SurvivalCurve",
    "Verdict",
    "compare",
    "compare_estimate",
    "concordance",
    "logrank",
    "reference",
    "wilson",
]

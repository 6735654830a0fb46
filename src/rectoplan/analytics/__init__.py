"""Cohort statistics on registry data: survival, proportions, benchmarks, concordance, plots.

The statistics are pure functions of arrays and data frames; nothing here imports the
registry, so the same code serves a live registry, an exported CSV and a test fixture. The
command line (`rectoplan.cli.analytics`) is the one place that reads the registry and hands
its frames over.
"""

from rectoplan.analytics.inputs import DataError
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
    "CoxPH",
    "CoxResult",
    "DataError",
    "HazardRatio",
    "KaplanMeier",
    "LogRank",
    "Proportion",
    "SurvivalCurve",
    "logrank",
    "wilson",
]

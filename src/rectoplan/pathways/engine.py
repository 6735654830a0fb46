"""`assess(case)`: the one entry point from a validated Case to an Assessment.

The engine is a pure function of the case and the rule version: no database, no clock, no
randomness, so the same case always gets the same answer and can be re-assessed in an audit.
"""

from __future__ import annotations

from collections.abc import Callable

from rectoplan.clinical.case import Case
from rectoplan.clinical.thresholds import DEFAULT_THRESHOLDS, Thresholds
from rectoplan.pathways.context import Context, build_context
from rectoplan.pathways.primary import assess_primary
from rectoplan.pathways.recommendation import (
    ENGINE_VERSION,
    Assessment,
    StageSummary,
    Strength,
)
from rectoplan.pathways.recurrence import assess_recurrence
from rectoplan.pathways.stenosis import assess_stenosis


def assess(case: Case, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Assessment:
    """Assess ``case`` under ``thresholds`` and return findings, recommendations and warnings."""
    ctx = build_context(case, thresholds)
    for pathway in open_pathways(case):
        pathway(ctx)
    recommendations = sorted(ctx.recommendations, key=lambda r: r.strength.rank)
    return Assessment.model_construct(
        case_id=case.case_id,
        phase=ctx.episode_phase.value,
        pathways=tuple(dict.fromkeys(r.pathway for r in recommendations)) or ("primary",),
        stage=_stage_summary(ctx),
        risk_group=ctx.risk.group.value,
        findings=tuple(ctx.findings),
        recommendations=tuple(recommendations),
        warnings=tuple(dict.fromkeys(ctx.warnings)),
        engine_version=ENGINE_VERSION,
    )


def open_pathways(case: Case) -> list[Callable[[Context], None]]:
    """The pathways the case's data opens: a recurrence supersedes the primary episode; a
    stenosis after surgery is assessed beside the primary pathway's follow-up."""
    if case.recurrence is not None:
        return [assess_recurrence]
    if case.stenosis is not None:
        return [assess_primary, assess_stenosis]
    return [assess_primary]


def _stage_summary(ctx: Context) -> StageSummary | None:
    s = ctx.clinical_stage
    if s is None:
        return None
    return StageSummary.model_construct(
        group=s.group,
        t=s.t.value,
        n=s.n.value,
        m=s.m.value,
        prefix="c",
        basis="baseline MRI and distant staging" + (f" ({s.reason})" if s.reason else ""),
        edition=s.edition,
    )


__all__ = ["Strength", "assess"]

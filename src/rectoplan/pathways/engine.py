"""`assess(case)`: the one entry point from a validated Case to an Assessment.

The engine is a pure function of the case and the rule version: no database, no clock, no
randomness, so the same case always gets the same answer and can be re-assessed in an audit.
"""

from __future__ import annotations

from collections.abc import Callable

from rectoplan.clinical.case import Case
from rectoplan.clinical.labels import labels
from rectoplan.clinical.plausibility import rectum_extent
from rectoplan.clinical.staging import m_category_from_sites
from rectoplan.clinical.thresholds import DEFAULT_THRESHOLDS, Thresholds
from rectoplan.i18n import _, join_clauses, roman
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
    _warn_implausible(ctx)
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


def _warn_implausible(ctx: Context) -> None:
    """Repeat what the case model let through but doubts (a height above 15 cm not measured
    on a rigid scope may still be below the sigmoid take-off)."""
    tumour = ctx.case.tumour
    modality = tumour.height_modality.value if tumour.height_modality else None
    _refusal, warning = rectum_extent(tumour.distance_from_anal_verge_cm, modality)
    if warning:
        ctx.warn("tumour.distance_from_anal_verge_cm", warning)


def open_pathways(case: Case) -> list[Callable[[Context], None]]:
    """The pathways the case's data opens: a recurrence supersedes the primary episode; a
    stenosis after surgery is assessed beside the primary pathway's follow-up."""
    if case.recurrence is not None:
        return [assess_recurrence]
    if case.stenosis is not None:
        return [assess_primary, assess_stenosis]
    return [assess_primary]


def _stage_summary(ctx: Context) -> StageSummary | None:
    if ctx.case.recurrence is not None:
        return _recurrence_stage(ctx)
    s = ctx.clinical_stage
    if s is None:
        return None
    return StageSummary.model_construct(
        group=s.group,
        t=s.t.value,
        n=s.n.value,
        m=s.m.value,
        prefix="c",
        basis=_("baseline MRI and distant staging ({reason})").format(reason=s.reason)
        if s.reason
        else _("baseline MRI and distant staging"),
        edition=s.edition,
    )


__all__ = ["Strength", "assess"]


def _recurrence_stage(ctx: Context) -> StageSummary:
    """A recurrence is staged in its own terms: where it is and whether distant disease was
    found when it was staged (AJCC's r prefix); the primary's old cTNM is only context."""
    rec = ctx.case.recurrence
    assert rec is not None
    if rec.distant_sites:
        m: str | None = m_category_from_sites(rec.distant_sites).value
    elif rec.distant_metastases is not None:
        m = "M1" if rec.distant_metastases else "M0"
    else:
        m = None
    group = (
        _("Local recurrence")
        if m in (None, "M0")
        else _("Local recurrence with distant metastases")
    )
    where = labels("compartment", rec.compartments)
    parts = [_("recurrence in the {compartments} compartment(s)").format(compartments=where)]
    if m is None:
        parts.append(_("distant staging at recurrence not recorded"))
    s = ctx.clinical_stage
    if s is not None:
        parts.append(
            _("the primary was {tnm}, stage {group}").format(
                tnm=f"c{s.t} c{s.n} c{s.m}", group=roman(s.group)
            )
        )
    basis = join_clauses(parts)
    return StageSummary.model_construct(
        group=group, t=None, n=None, m=m, prefix="r", basis=basis, edition="AJCC 8"
    )

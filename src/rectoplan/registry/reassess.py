"""The registry-wide concordance audit: re-assess every stored case under today's engine.

Two questions an MDT audit asks of its registry: did each decision follow what the engine
prefers *now* (the rules may have changed since the decision), and for which cases has the
engine's preferred answer drifted from the snapshot the team saw? The audit streams episodes
in batches so its memory stays flat however large the registry is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.pathways.recommendation import ENGINE_VERSION
from rectoplan.registry import models
from rectoplan.registry.records import canonical_assessment


@dataclass
class ReassessmentAudit:
    """Counts from one pass over the registry."""

    engine_version: str = ENGINE_VERSION
    cases: int = 0
    decisions: int = 0
    concordant_now: int = 0
    drifted: int = 0
    invalid: int = 0
    drifted_case_ids: list[str] = field(default_factory=list)
    by_phase: Counter = field(default_factory=Counter)

    @property
    def concordance_now(self) -> float:
        return self.concordant_now / self.decisions if self.decisions else float("nan")

    def to_dict(self, max_ids: int = 50) -> dict:
        return {
            "engine_version": self.engine_version,
            "cases": self.cases,
            "decisions": self.decisions,
            "concordant_now": self.concordant_now,
            "concordance_now": self.concordance_now,
            "drifted": self.drifted,
            "invalid": self.invalid,
            "drifted_case_ids": self.drifted_case_ids[:max_ids],
            "by_phase": dict(self.by_phase),
        }


def _latest_rows(session: Session, after_id: int, batch: int):
    """Episodes with their latest snapshot's preferred ids and latest decision, by id."""
    latest_assessment = (
        select(models.Assessment.episode_id, func.max(models.Assessment.id).label("aid"))
        .where(models.Assessment.episode_id > after_id)
        .group_by(models.Assessment.episode_id)
        .subquery()
    )
    latest_decision = (
        select(models.MdtDecision.episode_id, func.max(models.MdtDecision.id).label("did"))
        .where(models.MdtDecision.episode_id > after_id)
        .group_by(models.MdtDecision.episode_id)
        .subquery()
    )
    query = (
        select(
            models.Episode.id,
            models.Episode.case_id,
            models.Episode.case_json,
            models.Assessment.preferred_ids,
            models.MdtDecision.id,
            models.MdtDecision.chosen_option_id,
        )
        .join(latest_assessment, latest_assessment.c.episode_id == models.Episode.id, isouter=True)
        .join(models.Assessment, models.Assessment.id == latest_assessment.c.aid, isouter=True)
        .join(latest_decision, latest_decision.c.episode_id == models.Episode.id, isouter=True)
        .join(models.MdtDecision, models.MdtDecision.id == latest_decision.c.did, isouter=True)
        .where(models.Episode.id > after_id)
        .order_by(models.Episode.id)
        .limit(batch)
    )
    return session.execute(query).all()


def reassess_registry(
    session: Session,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> ReassessmentAudit:
    """Re-validate and re-assess every stored case; compare with the snapshot and decision."""
    audit = ReassessmentAudit()
    last = 0
    while rows := _latest_rows(session, last, batch):
        for episode_id, case_id, case_json, snapshot_ids, decision_id, chosen in rows:
            last = episode_id
            audit.cases += 1
            try:
                assessment = canonical_assessment(Case.model_validate(case_json))
            except ValueError:
                audit.invalid += 1
                continue
            audit.by_phase[assessment.phase] += 1
            preferred = [r.id for r in assessment.preferred()]
            if sorted(preferred) != sorted(snapshot_ids or []):
                audit.drifted += 1
                audit.drifted_case_ids.append(case_id)
            if decision_id is not None:
                audit.decisions += 1
                audit.concordant_now += chosen in preferred
        if progress:
            progress(audit.cases)
    return audit

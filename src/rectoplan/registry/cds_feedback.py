"""What clinicians did with RectoPlan's CDS Hooks cards: accepted, or overridden with a reason.

An override is a deviation from the engine's preferred option made at the point of care, so it
is kept like an MDT decision: audited, with the reason coded from the same non-adherence
CodeSystem (`rectoplan.interop.cds_hooks.parse_feedback` checks the codes before anything is
stored). The card is kept by its uuid, which is deterministic (`cds_hooks.card_uuid` of the case
id, the recommendation id and the engine version), so an audit can tell which recommendation of
which case the feedback was about without storing every response the service ever sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from rectoplan.registry.models import Base, Versioned, _table_args
from rectoplan.registry.types import JsonType, enum_column, utcnow


class CardOutcome(StrEnum):
    accepted = "accepted"
    overridden = "overridden"


class CdsFeedback(Versioned, Base):
    __tablename__ = "cds_feedback"
    __table_args__ = _table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    card: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[CardOutcome] = mapped_column(enum_column(CardOutcome, "card_outcome"))
    outcome_at: Mapped[dt.datetime]
    accepted_suggestions: Mapped[list[str]] = mapped_column(JsonType, default=list)
    reason_code: Mapped[str | None] = mapped_column(String(64))
    reason_display: Mapped[str | None] = mapped_column(String(200))
    user_comment: Mapped[str | None] = mapped_column(Text)


def record_feedback(session: Session, entries: Iterable) -> list[CdsFeedback]:
    """Store checked feedback entries (`cds_hooks.FeedbackEntry`), one row each."""
    rows = [
        CdsFeedback(
            card=entry.card,
            outcome=CardOutcome(entry.outcome),
            outcome_at=entry.outcome_timestamp,
            accepted_suggestions=list(entry.accepted_suggestions),
            reason_code=entry.reason_code,
            reason_display=entry.reason_display,
            user_comment=entry.user_comment,
        )
        for entry in entries
    ]
    session.add_all(rows)
    session.flush()
    return rows

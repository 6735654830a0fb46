"""MDT decisions carry their category: concordant, alternative or deviation.

The category follows from the assessment snapshot the decision was taken against (the
preferred option; another option the snapshot listed as alternative or consider; anything
else), so the same choice can no longer count as an alternative on one form and a deviation on
another. Existing decisions are categorised here from their own snapshot, by the rule the
registry now applies (`rectoplan.registry.schemas.DecisionIn.category`), restated in SQL-free
Python so the migration does not depend on the model code of a later version.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "mdt_decisions"
CATEGORIES = ("concordant", "alternative", "deviation")
LISTED = ("alternative", "consider")


def _enum() -> sa.Enum:
    length = max(len(value) for value in CATEGORIES)
    return sa.Enum(
        *CATEGORIES, name="decision_category", native_enum=False, create_constraint=True,
        length=length,
    )  # fmt: skip


def _loaded(value):
    return json.loads(value) if isinstance(value, str) else value


def category(chosen: str | None, preferred: list[str], recommendations: list[dict]) -> str:
    if chosen is not None and chosen in preferred:
        return "concordant"
    listed = [r.get("id") for r in recommendations if r.get("strength") in LISTED]
    if chosen is not None and chosen in listed:
        return "alternative"
    return "deviation"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("category", sa.String(16), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT d.id, d.chosen_option_id, a.preferred_ids, a.assessment_json "
            "FROM mdt_decisions d JOIN assessments a ON a.id = d.assessment_id"
        )
    ).all()
    for decision, chosen, preferred, snapshot in rows:
        recommendations = (_loaded(snapshot) or {}).get("recommendations") or []
        connection.execute(
            sa.text("UPDATE mdt_decisions SET category = :category WHERE id = :id"),
            {
                "category": category(chosen, _loaded(preferred) or [], recommendations),
                "id": decision,
            },
        )
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("category", existing_type=sa.String(16), type_=_enum(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(op.f("ck_mdt_decisions_decision_category"), type_="check")
        batch.drop_column("category")

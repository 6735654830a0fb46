"""Hospital sign-in: users linked to an identity provider, sessions to the provider's session.

A user the hospital's OpenID Connect provider signs in is found again by the pair the
provider guarantees stable and unique, its issuer and the user's subject (``iss``, ``sub``),
never by a name or an e-mail address, which can be reused. The pair is unique; local accounts
leave both empty. A login session remembers the provider's session id (``sid``) so the
provider's back-channel logout can end exactly the sessions it names, and a session can now
end because the provider said so (``provider_logout``). Batch mode because SQLite cannot add
constraints in place.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENDS = ("logout", "password_changed", "role_changed", "deactivated")
ENDS_NOW = (*ENDS, "provider_logout")
UNIQUE_IDENTITY = "uq_users_oidc_issuer_oidc_subject"
"""The naming convention's name for the (issuer, subject) constraint (`registry.models`)."""


def _ends(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values,
        name="session_end",
        native_enum=False,
        create_constraint=True,
        length=max(len(value) for value in values),
    )


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("oidc_issuer", sa.String(500), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
        batch.create_unique_constraint(UNIQUE_IDENTITY, ["oidc_issuer", "oidc_subject"])
    with op.batch_alter_table("login_sessions") as batch:
        batch.add_column(sa.Column("provider_sid", sa.String(255), nullable=True))
        batch.alter_column(
            "ended_because", existing_type=_ends(ENDS), type_=_ends(ENDS_NOW), nullable=True
        )
    op.create_index("ix_login_sessions_provider_sid", "login_sessions", ["provider_sid"])


def downgrade() -> None:
    op.drop_index("ix_login_sessions_provider_sid", "login_sessions")
    op.execute(
        "UPDATE login_sessions SET ended_because = 'logout' WHERE ended_because = 'provider_logout'"
    )
    with op.batch_alter_table("login_sessions") as batch:
        batch.alter_column(
            "ended_because", existing_type=_ends(ENDS_NOW), type_=_ends(ENDS), nullable=True
        )
        batch.drop_column("provider_sid")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(UNIQUE_IDENTITY, type_="unique")
        batch.drop_column("oidc_subject")
        batch.drop_column("oidc_issuer")

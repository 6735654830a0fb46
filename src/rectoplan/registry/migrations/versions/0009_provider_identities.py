"""Hospital sign-in: users linked to an identity provider, sessions to the provider's session.

A user the hospital's OpenID Connect provider signs in is found again by the pair the
provider guarantees stable and unique, its issuer and the user's subject (``iss``, ``sub``),
never by a name or an e-mail address, which can be reused. The pair is unique (a unique
index; local accounts leave both empty). A login session remembers the provider's session id
(``sid``) so the provider's back-channel logout can end exactly the sessions it names, and a
session can now end because the provider said so (``provider_logout``; batch mode for that
CHECK constraint, since SQLite cannot alter one in place). ``users`` is changed in place, not
in batch mode: copying it would drop a table the login sessions' foreign key refers to, which
SQLite refuses while sessions exist.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENDS = ("logout", "password_changed", "role_changed", "deactivated")
ENDS_NOW = (*ENDS, "provider_logout")
UNIQUE_IDENTITY = "ix_users_oidc_issuer_oidc_subject"


def _ends(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values,
        name="session_end",
        native_enum=False,
        create_constraint=True,
        length=max(len(value) for value in values),
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("oidc_issuer", sa.String(500), nullable=True))
    op.add_column("users", sa.Column("oidc_subject", sa.String(255), nullable=True))
    op.create_index(UNIQUE_IDENTITY, "users", ["oidc_issuer", "oidc_subject"], unique=True)
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
    op.drop_index(UNIQUE_IDENTITY, "users")
    op.drop_column("users", "oidc_subject")  # SQLite 3.35+ drops a plain column in place
    op.drop_column("users", "oidc_issuer")

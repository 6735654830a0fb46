"""Login sessions: opened at each login, checked on every request, ended on logout.

A signed token (the pages' cookie or an API bearer token) proves who it was issued to, but a
signature cannot be taken back: before these rows, a cookie kept opening patient pages after
logout, and a token kept working after an admin changed its owner's password. So every login
is a row (`rectoplan.registry.users.LoginSession`) and every token carries the random key of
its row; a request is admitted only while the row is live (not ended, not expired) and its
user active. The rows live in the registry's database, so ending a session there ends it for
every server process at once, with no cache to wait out.

The check is one indexed primary-key lookup joined to the user row, the same one query the
role check made before; ``benchmarks/service.py`` measures what it costs.

Like failed logins, sessions are a security record and not clinical data: they are written
with plain SQL statements (not audited; each login would otherwise add a row to an append-only
log kept for ever) and pruned once they have expired.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from rectoplan.registry.types import UtcDateTime, utcnow
from rectoplan.registry.users import LoginSession, Role, SessionEnd, SessionKind, User

KEY_BYTES = 32
"""256 random bits: a key no one can guess, whatever the signing key's fate."""


def digest(key: str) -> str:
    """The row id of the session whose key is ``key`` (SHA-256, hex)."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class LiveSession:
    """Who a live session belongs to, as the user row says now."""

    name: str
    role: Role
    locale: str | None = None
    """The user's chosen language, read in the same query (None: follow the browser)."""


def open_session(
    session: Session,
    user_id: int,
    kind: SessionKind,
    lifetime: dt.timedelta,
    now: dt.datetime | None = None,
    *,
    provider_sid: str | None = None,
) -> str:
    """A new live session of the user for ``lifetime``; returns its key (to sign into the
    cookie or token; only its digest is stored). ``provider_sid`` is the identity provider's
    session a hospital sign-in belongs to (for its back-channel logout). Expired sessions are
    pruned on the way."""
    now = now or utcnow()
    session.execute(delete(LoginSession).where(LoginSession.expires_at < now))
    key = secrets.token_urlsafe(KEY_BYTES)
    row = {
        "id": digest(key),
        "user_id": user_id,
        "kind": kind,
        "created_at": now,
        "expires_at": now + lifetime,
        "version": 1,
    }
    if provider_sid is not None:  # a password login names only the columns 0005 made
        row["provider_sid"] = provider_sid[:255]
    session.execute(insert(LoginSession).values(**row))
    return key


_LIVE = (
    select(User.name, User.role, User.locale)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        LoginSession.id == bindparam("session_id"),
        LoginSession.ended_at.is_(None),
        LoginSession.expires_at > bindparam("now", type_=UtcDateTime()),
        User.active,
    )
)
"""The per-request check, built once: composing the statement anew costs more than running it."""


def live_session(session: Session, key: str, now: dt.datetime | None = None) -> LiveSession | None:
    """The user of the session with ``key`` if it is live and the user active, else None."""
    row = session.execute(_LIVE, {"session_id": digest(key), "now": now or utcnow()}).first()
    return None if row is None else LiveSession(row.name, Role(row.role), row.locale)


def end_session(session: Session, key: str, because: SessionEnd = SessionEnd.logout) -> bool:
    """End the session with ``key`` (logout); whether a live one was ended."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.id == digest(key), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_because=because, version=LoginSession.version + 1)
    )
    return bool(result.rowcount)

"""Bearer tokens and session cookies: short-lived signed JWTs (HS256) naming the user, their
role and the login session they belong to.

The signature proves who a token was issued to, but cannot be taken back; so a token also
carries the random key of its login session (the ``sid`` claim), and every request checks in
the registry that the session is still live and its user active (`deps.current_user`,
`pages.session.session_user`). Logging out, a password change, a role change or a
deactivation ends the session there, and the token stops working at once in every server
process. The role in a token is only a hint for clients; the registry's row decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jwt
from sqlalchemy.orm import Session

from rectoplan.registry import logins
from rectoplan.registry.users import SessionKind

ALGORITHM = "HS256"


class TokenError(ValueError):
    """The token is missing, malformed, badly signed or expired."""


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Claims:
    """What a genuine, unexpired token says: the user's name and the session's key."""

    name: str
    session: str


def issue(
    secret: str,
    name: str,
    role: str,
    minutes: int,
    now: dt.datetime | None = None,
    *,
    session: str,
) -> Token:
    """A token for ``name`` in login session ``session``, valid for ``minutes`` from ``now``."""
    now = now or dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(minutes=minutes)
    claims = {"sub": name, "role": str(role), "sid": session, "iat": now, "exp": expires}
    return Token(jwt.encode(claims, secret, algorithm=ALGORITHM), expires)


def start(
    db: Session,
    secret: str,
    user_id: int,
    name: str,
    role: str,
    kind: SessionKind,
    minutes: int,
    *,
    provider_sid: str | None = None,
) -> Token:
    """Open a login session of ``minutes`` in the registry and sign a token for it (the
    caller commits)."""
    lifetime = dt.timedelta(minutes=minutes)
    key = logins.open_session(db, user_id, kind, lifetime, provider_sid=provider_sid)
    return issue(secret, name, role, minutes, session=key)


def is_own(token: str) -> bool:
    """Whether ``token`` looks like one of RectoPlan's (an HS256 JWT), rather than an
    identity provider's access token (signed with the provider's public-key algorithm)."""
    try:
        return jwt.get_unverified_header(token).get("alg") == ALGORITHM
    except jwt.PyJWTError:
        return True  # not a JWT at all: `read` says why


def read(secret: str, token: str) -> Claims:
    """The user and session a token was issued for, if it is genuine and unexpired."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("the token has expired; log in again") from None
    except jwt.PyJWTError:
        raise TokenError("the token is not valid") from None
    name, session = claims["sub"], claims.get("sid")
    if not isinstance(name, str) or not name:
        raise TokenError("the token names no user")
    if not isinstance(session, str) or not session:
        raise TokenError("the token belongs to no login session; log in again")
    return Claims(name, session)

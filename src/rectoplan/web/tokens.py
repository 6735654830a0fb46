"""Bearer tokens: short-lived signed JWTs (HS256) naming the user and their role.

A token is a claim the server can check without a lookup, but the role it carries is only a
hint for clients: every request still reads the user from the registry (`deps.current_user`),
so a demoted or deactivated user loses access at once instead of when the token expires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"


class TokenError(ValueError):
    """The token is missing, malformed, badly signed or expired."""


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    expires_at: dt.datetime


def issue(secret: str, name: str, role: str, minutes: int, now: dt.datetime | None = None) -> Token:
    """A token for ``name`` valid for ``minutes`` from ``now``."""
    now = now or dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(minutes=minutes)
    claims = {"sub": name, "role": str(role), "iat": now, "exp": expires}
    return Token(jwt.encode(claims, secret, algorithm=ALGORITHM), expires)


def subject(secret: str, token: str) -> str:
    """The user name the token was issued to, if it is genuine and unexpired."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("the token has expired; log in again") from None
    except jwt.PyJWTError:
        raise TokenError("the token is not valid") from None
    name = claims["sub"]
    if not isinstance(name, str) or not name:
        raise TokenError("the token names no user")
    return name

"""Logging in and out: the OAuth2 password flow (``POST /api/token``), ``POST /api/logout``
and ``GET /api/me``.

Each login opens a login session in the registry and the token carries its key, so logging
out (or a password change, a role change, a deactivation) ends the token at once, in every
server process (`rectoplan.registry.logins`).

A failed login is recorded before the answer goes out, and a name or a client with too many
recent failures is refused with 429 and ``Retry-After`` *before* its password is checked, so
guessing cannot continue at full speed behind the refusals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from rectoplan.registry import logins, users
from rectoplan.registry.users import Role, SessionKind
from rectoplan.web import tokens
from rectoplan.web.deps import Principal, oauth2, require, session
from rectoplan.web.oidc.config import PasswordLogin
from rectoplan.web.schemas import Me, Problem, TokenOut

router = APIRouter(prefix="/api", tags=["auth"])


@router.post(
    "/token",
    response_model=TokenOut,
    responses={401: {"model": Problem}, 403: {"model": Problem}, 429: {"model": Problem}},
)
def login(
    request: Request,
    form: OAuth2PasswordRequestForm = Depends(),
    db: Session = Depends(session),
) -> TokenOut:
    """Exchange a user name and password for a bearer token (``Authorization: Bearer ...``)."""
    settings = request.app.state.settings
    outcome = attempt_login(db, request, form.username, form.password)
    if outcome.retry_after is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed logins; try again in {outcome.retry_after} s",
            headers={"Retry-After": str(outcome.retry_after)},
        )
    if outcome.refused is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, outcome.refused)
    if outcome.user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong user name or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = outcome.user
    token = tokens.start(
        db,
        settings.secret_key,
        outcome.user_id,
        user.name,
        user.role,
        SessionKind.token,
        settings.token_minutes,
    )
    db.commit()
    return TokenOut(access_token=token.value, expires_at=token.expires_at, role=user.role)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={401: {"model": Problem}},
)
def logout(
    request: Request,
    _user: Principal = Depends(require(Role.viewer)),
    token: str | None = Depends(oauth2),
    db: Session = Depends(session),
) -> Response:
    """End the login session of the bearer token sent: it is refused from now on, by every
    server process."""
    claims = tokens.read(request.app.state.settings.secret_key, token or "")
    logins.end_session(db, claims.session)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@dataclass(frozen=True)
class LoginOutcome:
    """A login attempt: the user (and their row id) on success; ``retry_after`` seconds if
    throttled; ``refused`` saying why when passwords are switched off for this user."""

    user: Principal | None
    retry_after: int | None = None
    user_id: int | None = None
    refused: str | None = None


PASSWORDS_OFF = "Password sign-in is switched off here; sign in with your hospital account."
BREAK_GLASS_ONLY = (
    "Password sign-in is kept for break-glass administrators only; "
    "sign in with your hospital account."
)


def attempt_login(db: Session, request: Request, name: str, password: str) -> LoginOutcome:
    """Check a password under the throttle, recording the failure or clearing past ones, and
    commit that bookkeeping; shared by the API's token route and the login page. With
    ``RECTOPLAN_PASSWORD_LOGIN=off`` no password is read; with ``admins`` a correct password
    of anyone but an administrator is refused (break-glass accounts only)."""
    settings = request.app.state.settings
    if settings.password_login is PasswordLogin.off:
        return LoginOutcome(None, refused=PASSWORDS_OFF)
    client = request.client.host if request.client else "unknown"
    wait = users.is_throttled(db, name, client, settings.throttle)
    if wait is not None:
        db.commit()  # keep the pruning of expired failures
        return LoginOutcome(None, math.ceil(wait.total_seconds()))
    user = users.authenticate(db, name, password)
    if user is None:
        users.record_failure(db, name, client)
        db.commit()
        return LoginOutcome(None)
    users.clear_failures(db, user.name)
    db.commit()
    if settings.password_login is PasswordLogin.admins and Role(user.role) is not Role.admin:
        return LoginOutcome(None, refused=BREAK_GLASS_ONLY)
    return LoginOutcome(Principal(user.name, Role(user.role)), user_id=user.id)


@router.get("/me", response_model=Me)
def me(user: Principal = Depends(require(Role.viewer))) -> Me:
    """Who the token belongs to, and their role."""
    return Me(name=user.name, role=user.role)

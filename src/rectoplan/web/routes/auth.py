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

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from rectoplan.registry import logins, password_login
from rectoplan.registry.users import Role, SessionKind
from rectoplan.web import tokens
from rectoplan.web.deps import Principal, client_host, oauth2, require, session
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
    outcome = password_login.attempt_login(
        db, form.username, form.password, client=client_host(request), policy=settings
    )
    if outcome.retry_after is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed logins; try again in {outcome.retry_after} s",
            headers={"Retry-After": str(outcome.retry_after)},
        )
    if outcome.refused is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, outcome.refused)
    if not outcome.succeeded:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong user name or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = tokens.start(
        db,
        settings.secret_key,
        outcome.user_id,
        outcome.name,
        outcome.role,
        SessionKind.token,
        settings.token_minutes,
    )
    db.commit()
    return TokenOut(access_token=token.value, expires_at=token.expires_at, role=outcome.role)


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


@router.get("/me", response_model=Me)
def me(user: Principal = Depends(require(Role.viewer))) -> Me:
    """Who the token belongs to, and their role."""
    return Me(name=user.name, role=user.role)

"""What a route can ask to be given: a registry session, the signed-in user, a role check.

A route that reads declares ``db: Session = reader(Role.viewer)`` and one that writes
``db: Session = writer(Role.clinician)``: both check the bearer token and the user's role before
the route runs, and a writing session carries the user's name as the audit actor and commits
when the route returns (after the route body, before the response is sent, so a failed commit
is still reported to the client), or rolls everything back if it raises. Routes never open
sessions or check roles themselves, which is what lets one test walk every route and prove
that none is left unguarded (`required_role` reads the role back from a route).

Dependencies that only compute (the role check, handing on a session) are ``async def`` so
they run on the event loop: a sync dependency costs a hop through the thread pool, and a
request that crosses it five times spends more time there than in the engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from functools import cache

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from rectoplan.registry import audit, logins
from rectoplan.registry.users import Role
from rectoplan.web import tokens
from rectoplan.web.oidc.access import provider_principal
from rectoplan.web.oidc.provider import ProviderUnavailable, TokenRefused

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/token", auto_error=False)

ROLE_ATTRIBUTE = "rectoplan_role"
"""Set on a role-checking dependency (API or page) so `required_role` can read it back."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user as the request sees them (not an ORM row, so it outlives sessions)."""

    name: str
    role: Role
    locale: str | None = None
    """The user's saved language (pages use it before ``?lang=`` and Accept-Language)."""


def client_host(request: Request) -> str:
    """The client's address as the login throttle counts it (``unknown`` without one)."""
    return request.client.host if request.client else "unknown"


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"}
    )


async def session(request: Request) -> AsyncIterator[Session]:
    """One registry session per request. Making one does no I/O, so it is made on the event
    loop; closing it may (a rollback on a database server), so that runs in the thread pool."""
    db = request.app.state.sessions()
    try:
        yield db
    finally:
        await run_in_threadpool(db.close)


def current_user(
    request: Request,
    token: str | None = Depends(oauth2),
    db: Session = Depends(session),
) -> Principal:
    """The active user of the bearer token's live login session, read from the registry on
    every request (so a logout or an account change takes effect at once); with hospital
    sign-in on, a JWT access token from the provider instead (`oidc.access`)."""
    if not token:
        raise _unauthorized("not authenticated: send a bearer token from POST /api/token")
    provider = request.app.state.oidc
    if provider is not None and not tokens.is_own(token):
        try:
            name, role = provider_principal(provider, db, token)
        except (TokenRefused, ProviderUnavailable) as exc:
            raise _unauthorized(f"the identity provider's token was refused: {exc}") from None
        return Principal(name, role)
    try:
        claims = tokens.read(request.app.state.settings.secret_key, token)
    except tokens.TokenError as exc:
        raise _unauthorized(str(exc)) from None
    user = live_principal(db, claims)
    if user is None:
        raise _unauthorized(SESSION_ENDED)
    return user


SESSION_ENDED = (
    "this login session has ended (logged out, or the account was changed); log in again"
)


def live_principal(db: Session, claims: tokens.Claims) -> Principal | None:
    """The user of the token's session with their current role, if the session is live and
    the user active and the one the token names (None otherwise)."""
    live = logins.live_session(db, claims.session)
    if live is None or live.name != claims.name:
        return None
    return Principal(live.name, live.role, live.locale)


@cache
def require(role: Role) -> Callable[..., Principal]:
    """A dependency that admits users with ``role`` or a higher one (403 otherwise)."""

    async def dependency(user: Principal = Depends(current_user)) -> Principal:
        if not user.role.allows(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this needs the {role} role; {user.name} is {user.role}"
            )
        return user

    setattr(dependency, ROLE_ATTRIBUTE, role)
    dependency.__name__ = f"require_{role}"
    return dependency


@cache
def reads(role: Role) -> Callable[..., Session]:
    """A session for a route that only reads, after checking ``role``."""

    async def dependency(
        _user: Principal = Depends(require(role)), db: Session = Depends(session)
    ) -> Session:
        return db

    dependency.__name__ = f"reads_as_{role}"
    return dependency


def audited(db: Session, actor: str) -> Iterator[Session]:
    """Hand out ``db`` with ``actor`` as the audit's author; commit after the route returns,
    roll back if it raised (shared by the API's and the pages' writing sessions)."""
    audit.set_actor(db, actor)
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    db.commit()


@cache
def writes(role: Role) -> Callable[..., Iterator[Session]]:
    """A session whose changes are audited as the user's, committed when the route returns."""

    def dependency(
        user: Principal = Depends(require(role)), db: Session = Depends(session)
    ) -> Iterator[Session]:
        yield from audited(db, user.name)

    dependency.__name__ = f"writes_as_{role}"
    return dependency


def reader(role: Role):
    """``db: Session = reader(Role.viewer)``: a reading route's session."""
    return Depends(reads(role))


def writer(role: Role):
    """``db: Session = writer(Role.clinician)``: a writing route's session, ending before the
    response is sent (a failed commit is an error response, not a lost write behind a
    success)."""
    return Depends(writes(role), scope="function")


def required_role(dependant) -> Role | None:
    """The least role a route's dependency tree demands (None: the route is public)."""
    found = [
        getattr(dep.call, ROLE_ATTRIBUTE)
        for dep in _walk(dependant)
        if hasattr(dep.call, ROLE_ATTRIBUTE)
    ]
    return max(found, key=lambda role: role.rank) if found else None


def _walk(dependant):
    for dep in dependant.dependencies:
        yield dep
        yield from _walk(dep)

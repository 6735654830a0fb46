"""The browser's session: a signed cookie, a CSRF token bound to it, and the page guards.

A page is signed in by an HttpOnly, SameSite=Lax cookie holding the same kind of signed token
the API hands out (`rectoplan.web.tokens`), naming a login session in the registry: every
request checks there that the session is live and the user active, so logging out, a password
or role change and a deactivation end the cookie at once, in every server process. The CSRF token
is an HMAC of that cookie under the server's key (OWASP's "signed double-submit" pattern):
a page can put it in its forms because it cannot be read from the cookie, and another site
can neither read the cookie nor compute the HMAC. Every state-changing page route checks it.

Page routes declare ``db: Session = page_reader(Role.viewer)`` or ``page_writer(Role.clinician)``
exactly like the API routes, and carry the same role marker, so the route-guard test reads
their least role back with `rectoplan.web.deps.required_role`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from functools import cache
from urllib.parse import quote

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from rectoplan.registry import logins
from rectoplan.registry.users import Role, SessionKind
from rectoplan.web import tokens
from rectoplan.web.deps import ROLE_ATTRIBUTE, Principal, audited, live_principal, session
from rectoplan.web.locale import apply_user_locale

COOKIE = "rectoplan_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the login page."""

    def __init__(self, request: Request, reason: str = "") -> None:
        super().__init__(reason or "please log in")
        self.next_url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        self.reason = reason


class PageForbidden(Exception):
    """Signed in, but the role is too weak for this page or action (a 403 page)."""

    def __init__(self, user: Principal, role: Role) -> None:
        super().__init__(f"this needs the {role} role; {user.name} is {user.role}")
        self.user = user
        self.role = role


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token (a 403 page)."""


def login_url(next_url: str | None) -> str:
    return "/login" if not next_url or next_url == "/" else f"/login?next={quote(next_url)}"


def open_session(
    response: Response,
    request: Request,
    db: Session,
    user_id: int,
    name: str,
    role: Role,
    *,
    provider_sid: str | None = None,
) -> None:
    """Sign ``name`` in on ``response``: a new login session (committed) and its cookie,
    valid for the settings' hours (``provider_sid``: see `logins.open_session`)."""
    settings = request.app.state.settings
    minutes = settings.session_minutes
    token = tokens.start(
        db,
        settings.secret_key,
        user_id,
        name,
        role,
        SessionKind.page,
        minutes,
        provider_sid=provider_sid,
    )
    db.commit()
    response.set_cookie(
        COOKIE,
        token.value,
        max_age=minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def close_session(response: Response, request: Request, db: Session) -> None:
    """Sign out: end the cookie's login session in the registry (committed) and drop it."""
    try:
        claims = tokens.read(request.app.state.settings.secret_key, request.cookies.get(COOKIE, ""))
    except tokens.TokenError:
        pass  # nothing live to end
    else:
        logins.end_session(db, claims.session)
        db.commit()
    response.delete_cookie(COOKIE, path="/")


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session ('' without one)."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return ""
    key = request.app.state.settings.secret_key.encode()
    return hmac.new(key, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def session_user(request: Request, db: Session = Depends(session)) -> Principal:
    """The active user of the cookie's live login session; `LoginRequired` otherwise."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise LoginRequired(request)
    try:
        claims = tokens.read(request.app.state.settings.secret_key, cookie)
    except tokens.TokenError as exc:
        raise LoginRequired(request, "your session has expired; please log in again") from exc
    user = live_principal(db, claims)
    if user is None:
        raise LoginRequired(request, "your session has ended; please log in again")
    return user


async def csrf_checked(request: Request) -> None:
    """Refuse a state-changing request whose form field or header lacks the CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()  # parsed once; the route reads the same cached form
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = csrf_token(request)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRejected("the form has expired or did not come from RectoPlan; reload the page")


@cache
def page_role(role: Role) -> Callable[..., Principal]:
    """A dependency admitting signed-in users with ``role`` or higher (`PageForbidden`)."""

    async def dependency(user: Principal = Depends(session_user)) -> Principal:
        if not user.role.allows(role):
            raise PageForbidden(user, role)
        apply_user_locale(user.locale)
        return user

    setattr(dependency, ROLE_ATTRIBUTE, role)
    dependency.__name__ = f"page_requires_{role}"
    return dependency


@cache
def _page_reads(role: Role) -> Callable[..., Session]:
    async def dependency(
        _user: Principal = Depends(page_role(role)), db: Session = Depends(session)
    ) -> Session:
        return db

    dependency.__name__ = f"page_reads_as_{role}"
    return dependency


@cache
def _page_writes(role: Role) -> Callable[..., Iterator[Session]]:
    def dependency(
        user: Principal = Depends(page_role(role)),
        _csrf: None = Depends(csrf_checked),
        db: Session = Depends(session),
    ) -> Iterator[Session]:
        yield from audited(db, user.name)

    dependency.__name__ = f"page_writes_as_{role}"
    return dependency


def page_reader(role: Role):
    """``db: Session = page_reader(Role.viewer)``: a page that only reads."""
    return Depends(_page_reads(role))


def page_writer(role: Role):
    """``db: Session = page_writer(Role.clinician)``: a form post, CSRF-checked and audited
    as the user, committed before the response is sent. A route that wants to keep the
    user's input on a validation error renders the form again *without raising*, after
    ``db.rollback()`` if it wrote anything."""
    return Depends(_page_writes(role), scope="function")

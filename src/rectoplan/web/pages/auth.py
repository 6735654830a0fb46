"""Signing in and out of the pages: ``/login`` (form), ``/logout`` (a CSRF-checked post).

The password check and its throttle are the registry's
(`rectoplan.registry.password_login.attempt_login`), which the API's token route calls too, so a
guesser gains nothing by switching from the token route to the form. A failed login
shows the form again with the user name kept and the password cleared.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from rectoplan.registry import password_login, users
from rectoplan.registry.users import Role
from rectoplan.web.deps import Principal, client_host, session
from rectoplan.web.oidc.provider import ProviderUnavailable
from rectoplan.web.pages import login_csrf
from rectoplan.web.pages.render import render
from rectoplan.web.pages.session import (
    COOKIE,
    CSRF_FIELD,
    close_session,
    csrf_checked,
    open_session,
    page_role,
    session_user,
)

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site may follow a login (no ``//evil.example`` open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/cases"
    return target


@router.get("/")
def home() -> Response:
    return RedirectResponse("/cases", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/login")
def login_form(
    request: Request, next: str | None = None, expired: int = 0, db: Session = Depends(session)
) -> Response:
    if request.cookies.get(COOKIE):
        try:
            session_user(request, db)
            return RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
        except Exception:
            pass
    notice = "Your session has ended; please log in again." if expired else None
    token = login_csrf.issue(request)
    context = {"next": safe_next(next), "notice": notice, "login_csrf": token.value}
    return token.set_on(request, render(request, "login.html", context))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/cases",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
    db: Session = Depends(session),
) -> Response:
    if not login_csrf.is_valid(request, csrf_token):
        # refused before the password is read: no Argon2, not counted by the throttle
        token = login_csrf.issue(request, renew=True)
        context = {
            "next": safe_next(next),
            "username": username,
            "login_csrf": token.value,
            "notice": "The login form had expired or did not come from RectoPlan; "
            "please log in again.",
        }
        page = render(request, "login.html", context, status_code=status.HTTP_403_FORBIDDEN)
        return token.set_on(request, page)
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = "Enter your user name."
    if not password:
        errors["password"] = "Enter your password."
    if not errors:
        outcome = password_login.attempt_login(
            db,
            username.strip(),
            password,
            client=client_host(request),
            policy=request.app.state.settings,
        )
        if outcome.succeeded:
            response = RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
            open_session(response, request, db, outcome.user_id, outcome.name, outcome.role)
            login_csrf.forget(response)
            return response
        if outcome.refused is not None:
            context = {"next": safe_next(next), "notice": outcome.refused, "login_csrf": csrf_token}
            return render(request, "login.html", context, status_code=status.HTTP_403_FORBIDDEN)
        if outcome.retry_after is not None:
            errors["password"] = (
                f"Too many failed logins; try again in {outcome.retry_after} seconds."
            )
        else:
            errors["password"] = "Wrong user name or password."
    context = {
        "next": safe_next(next),
        "username": username,
        "errors": errors,
        "login_csrf": csrf_token,
    }
    code = status.HTTP_429_TOO_MANY_REQUESTS if "Too many" in errors.get("password", "") else 401
    if "username" in errors or (not password and "password" in errors):
        code = status.HTTP_422_UNPROCESSABLE_CONTENT
    return render(request, "login.html", context, status_code=code)


@router.post("/logout")
def logout(
    request: Request,
    user: Principal = Depends(page_role(Role.viewer)),
    _csrf: None = Depends(csrf_checked),
    db: Session = Depends(session),
) -> Response:
    """End the RectoPlan session; for a user the hospital's provider signed in, go on to the
    provider's own logout (RP-initiated logout) when it offers one, which comes back to the
    login page."""
    response = RedirectResponse(
        provider_logout_url(request, db, user) or "/login", status_code=status.HTTP_303_SEE_OTHER
    )
    close_session(response, request, db)
    return response


def provider_logout_url(request: Request, db: Session, user: Principal) -> str | None:
    """The provider's end-session URL for ``user`` (OpenID Connect RP-Initiated Logout 1.0),
    or None for a local account or a provider without one."""
    provider = getattr(request.app.state, "oidc", None)
    row = users.find_user(db, user.name)
    if provider is None or row is None or row.oidc_issuer != provider.config.issuer:
        return None
    try:
        endpoint = provider.end_session_endpoint
    except ProviderUnavailable:
        return None  # signed out here; the provider's session ends on its own terms
    if endpoint is None:
        return None
    query = urlencode(
        {
            "client_id": provider.config.client_id,
            "post_logout_redirect_uri": provider.config.post_logout_redirect_uri,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

"""Signing in through the hospital's identity provider: ``/login/oidc`` sends the browser to
the provider, ``/login/oidc/callback`` takes it back.

The start makes three random values and keeps them in a signed, HttpOnly cookie scoped to
``/login/oidc`` for ten minutes: the ``state`` (the callback's CSRF token: a callback whose
state is not this browser's own is refused, so another site cannot sign a victim in as
someone else, the login CSRF the password form guards against with `login_csrf`), the
``nonce`` (the ID token must carry it, so a token from another sign-in cannot be replayed)
and the PKCE ``code_verifier`` (only this browser's sign-in can redeem the code). The cookie
is SameSite=Lax because the provider sends the browser back with a top-level GET, and it is
dropped at the callback, so a callback works once.

The callback exchanges the code, checks the ID token (`Provider.verify_id_token`), maps the
claims (`oidc.claims`), signs the user in through the registry (`registry.identities`) and
opens a page session remembering the provider's ``sid`` for back-channel logout. Every
refusal is the login page with a sentence saying why; the details go to the log.
"""

from __future__ import annotations

import logging
import secrets
import time

import jwt
from fastapi import APIRouter, Depends, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from rectoplan.registry import audit, identities
from rectoplan.registry.users import Role
from rectoplan.web.deps import session
from rectoplan.web.oidc import claims as claim_mapping
from rectoplan.web.oidc.config import OidcSettings
from rectoplan.web.oidc.provider import Provider, ProviderUnavailable, TokenRefused
from rectoplan.web.pages import login_csrf
from rectoplan.web.pages.auth import safe_next
from rectoplan.web.pages.render import render
from rectoplan.web.pages.session import open_session

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

PENDING_COOKIE = "rectoplan_oidc"
PENDING_PATH = "/login/oidc"
PENDING_SECONDS = 600
"""How long a browser may take at the provider's sign-in page (MFA included)."""
_PURPOSE = "rectoplan-oidc-sign-in"
SIGN_IN_ACTOR = "hospital sign-in"
"""The audit's author of a user created or updated from the provider's claims."""


def provider_of(request: Request) -> Provider | None:
    return getattr(request.app.state, "oidc", None)


def refusal(request: Request, message: str, status_code: int) -> Response:
    """The login page saying why a hospital sign-in did not succeed."""
    token = login_csrf.issue(request)
    context = {"next": "/cases", "notice": message, "login_csrf": token.value}
    response = render(request, "login.html", context, status_code=status_code)
    response.delete_cookie(PENDING_COOKIE, path=PENDING_PATH)
    return token.set_on(request, response)


@router.get("/login/oidc")
async def start(request: Request, next: str = "/cases") -> Response:
    """Send the browser to the provider's sign-in page with a fresh state, nonce and PKCE
    challenge (kept in the pending cookie)."""
    provider = provider_of(request)
    if provider is None:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    pending = {
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "verifier": secrets.token_urlsafe(48),
        "next": safe_next(next),
        "aud": _PURPOSE,
        "exp": int(time.time()) + PENDING_SECONDS,
    }
    try:
        url = await run_in_threadpool(
            provider.authorization_url,
            state=pending["state"],
            nonce=pending["nonce"],
            code_verifier=pending["verifier"],
        )
    except ProviderUnavailable as exc:
        log.warning("hospital sign-in unavailable: %s", exc)
        return refusal(request, _UNAVAILABLE, status.HTTP_503_SERVICE_UNAVAILABLE)
    response = RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
    settings = request.app.state.settings
    response.set_cookie(
        PENDING_COOKIE,
        jwt.encode(pending, settings.secret_key, algorithm="HS256"),
        max_age=PENDING_SECONDS,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path=PENDING_PATH,
    )
    return response


_UNAVAILABLE = "The hospital sign-in service cannot be reached just now; please try again."
_STALE = "This sign-in had expired or did not start in this browser; please sign in again."


def _pending(request: Request, state: str) -> dict | None:
    """The browser's pending sign-in if ``state`` is its own (the callback's CSRF check)."""
    cookie = request.cookies.get(PENDING_COOKIE, "")
    try:
        pending = jwt.decode(
            cookie, request.app.state.settings.secret_key, algorithms=["HS256"], audience=_PURPOSE
        )
    except jwt.PyJWTError:
        return None
    expected = pending.get("state")
    if not isinstance(expected, str) or not secrets.compare_digest(
        expected.encode(), state.encode()
    ):
        return None
    return pending


def _no_access(found: dict, who: identities.ProviderIdentity, config: OidcSettings) -> str:
    """Why a genuine sign-in gives no access: no mapped group or role, or an account
    deactivated here."""
    if who.role is not None:
        return "Your RectoPlan account has been deactivated; ask your RectoPlan administrator."
    held = ", ".join(claim_mapping.values_of(found, config.role_claim)) or "none"
    return (
        f"Your hospital account has no RectoPlan role: its {config.role_claim!r} claim "
        f"({held}) holds none of {', '.join(config.roles)}. "
        "Ask your RectoPlan administrator for access."
    )


def _checked_id_token(provider: Provider, code: str, pending: dict) -> dict:
    """The claims of the ID token the code redeems for, once every check has passed."""
    answer = provider.exchange(code, pending["verifier"])
    id_token = answer.get("id_token")
    if not isinstance(id_token, str):
        raise TokenRefused("the provider sent no identity token")
    try:
        return provider.verify_id_token(id_token, pending["nonce"])
    except TokenRefused as exc:
        raise TokenRefused(f"the identity token was refused because {exc}") from None


@router.get("/login/oidc/callback")
def callback(
    request: Request,
    code: str = "",
    state: str = "",
    error: str = "",
    error_description: str = "",
    iss: str = "",
    db: Session = Depends(session),
) -> Response:
    """Finish a hospital sign-in: check the state, redeem the code, check the ID token,
    sign the user in with the role their claims map to."""
    provider = provider_of(request)
    if provider is None:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    pending = _pending(request, state[:200])
    if pending is None:
        return refusal(request, _STALE, status.HTTP_403_FORBIDDEN)
    if iss and iss != provider.config.issuer:
        # RFC 9207: the answer names another provider (a mix-up attack)
        log.warning("hospital sign-in refused: the answer came from %r", iss[:200])
        message = "The sign-in answer came from another identity provider; please sign in again."
        return refusal(request, message, status.HTTP_401_UNAUTHORIZED)
    if error:
        log.info("hospital sign-in refused by the provider: %s %s", error, error_description)
        message = "The hospital sign-in was cancelled or refused; please try again."
        return refusal(request, message, status.HTTP_401_UNAUTHORIZED)
    try:
        found = _checked_id_token(provider, code[:2000], pending)
    except ProviderUnavailable as exc:
        log.warning("hospital sign-in unavailable: %s", exc)
        return refusal(request, _UNAVAILABLE, status.HTTP_503_SERVICE_UNAVAILABLE)
    except TokenRefused as exc:
        log.warning("hospital sign-in refused: %s", exc)
        message = f"The hospital sign-in could not be accepted: {exc}."
        return refusal(request, message, status.HTTP_401_UNAUTHORIZED)
    config = provider.config
    who = claim_mapping.identity(found, config)
    audit.set_actor(db, SIGN_IN_ACTOR)
    user = identities.sign_in(db, who)
    if user is None:
        db.commit()  # the sessions of a user who lost every role end now
        return refusal(request, _no_access(found, who, config), status.HTTP_403_FORBIDDEN)
    response = RedirectResponse(pending["next"], status_code=status.HTTP_303_SEE_OTHER)
    sid = found.get("sid") if isinstance(found.get("sid"), str) else None
    open_session(response, request, db, user.id, user.name, Role(user.role), provider_sid=sid)
    response.delete_cookie(PENDING_COOKIE, path=PENDING_PATH)
    login_csrf.forget(response)
    return response

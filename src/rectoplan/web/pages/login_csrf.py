"""The login form's CSRF token, before there is a session to bind it to.

Without it another site could post its own user name and password to ``/login`` and sign the
victim's browser in as the attacker (login CSRF), so that what the clinician then enters is
stored under someone else's name. The signed double-submit pattern of the session's forms
(`rectoplan.web.pages.session.csrf_token`) needs a cookie to sign, so the login page sets a
pre-session cookie: a random nonce, HttpOnly and SameSite=Strict, scoped to ``/login``. The
form carries the HMAC of that nonce under the server's key; a post is accepted only if the
field matches the cookie, which another site can neither read nor compute. The check comes
before the password (a refused post costs no Argon2 and is not a login attempt), and the
login throttle is untouched.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response

COOKIE = "rectoplan_login"
PATH = "/login"
_NONCE_BYTES = 32


def _sign(request: Request, nonce: str) -> str:
    key = request.app.state.settings.secret_key.encode()
    return hmac.new(key, b"login-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def _nonce(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value and 20 <= len(value) <= 100 else None


@dataclass(frozen=True)
class LoginToken:
    """The token for the login form, and the new nonce to set as the cookie (None: the
    browser's cookie stays)."""

    value: str
    new_nonce: str | None

    def set_on(self, request: Request, response: Response) -> Response:
        if self.new_nonce is not None:
            response.set_cookie(
                COOKIE,
                self.new_nonce,
                httponly=True,
                samesite="strict",
                secure=request.app.state.settings.secure_cookies,
                path=PATH,
            )
        return response


def issue(request: Request, *, renew: bool = False) -> LoginToken:
    """The login form's token: from the browser's pre-session cookie if it has one (several
    tabs share it), else (or with ``renew``, after a refused post) from a new nonce."""
    nonce = None if renew else _nonce(request)
    if nonce is not None:
        return LoginToken(_sign(request, nonce), None)
    nonce = secrets.token_urlsafe(_NONCE_BYTES)
    return LoginToken(_sign(request, nonce), nonce)


def is_valid(request: Request, sent: str) -> bool:
    """True if ``sent`` is the token of the request's pre-session cookie."""
    nonce = _nonce(request)
    return bool(nonce and sent) and hmac.compare_digest(sent, _sign(request, nonce))


def forget(response: Response) -> None:
    """Drop the pre-session cookie once the session exists."""
    response.delete_cookie(COOKIE, path=PATH)

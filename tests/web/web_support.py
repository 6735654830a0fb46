"""What the web tests share besides fixtures: users, tokens, settings, the public routes.

A uniquely named module (not ``conftest``) so test modules can import it unambiguously.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from rectoplan.registry import logins, users
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.types import utcnow
from rectoplan.registry.users import LoginSession, Role, SessionKind, User
from rectoplan.web import tokens
from rectoplan.web.app import create_app
from rectoplan.web.bootstrap import ADMIN_NAME, prepare
from rectoplan.web.settings import Settings

SECRET = "tests-only-signing-key-" + "0123456789abcdef" * 2
PASSWORD = "correct horse battery"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
DEMO_EPISODES = 120
"""Synthetic episodes of the demo registry the analytics and schemathesis tests use."""
USER_OF_ROLE = {role: (ADMIN_NAME if role is Role.admin else role.value) for role in Role}


def settings_for(url: str, **changes) -> Settings:
    return Settings(database_url=url, secret_key=SECRET, admin_password=PASSWORD, **changes)


def session_key(name: str) -> str:
    """The key of the test user ``name``'s standing login session (see `prepare_registry`)."""
    return f"tests-only-session-of-{name}"


def add_standing_session(session: Session, name: str) -> None:
    """A login session of user ``name`` with the known key `session_key` that lasts for the
    test run, so tests can sign tokens and cookies for it without paying for Argon2."""
    user_id = session.scalar(select(User.id).where(User.name == name))
    session.execute(
        insert(LoginSession).values(
            id=logins.digest(session_key(name)),
            user_id=user_id,
            kind=SessionKind.token,
            created_at=utcnow(),
            expires_at=utcnow() + dt.timedelta(days=30),
            version=1,
        )
    )


def prepare_registry(url: str) -> None:
    """A registry as `rectoplan serve` leaves it, plus a user for each role below admin, and
    a standing login session for every one of them (`bearer`, `sign_in`)."""
    prepare(settings_for(url))
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine), "test-setup") as session:
            for role in (Role.viewer, Role.clinician, Role.coordinator):
                users.create_user(session, role.value, role, PASSWORD)
            for role in Role:
                add_standing_session(session, USER_OF_ROLE[role])
    finally:
        engine.dispose()


def client_for(url: str, **changes) -> TestClient:
    return TestClient(create_app(settings_for(url, **changes)))


def bearer(role: Role | str, **kwargs) -> dict[str, str]:
    """An Authorization header for the test user of ``role`` in their standing session
    (signed, no login)."""
    role = Role(role)
    name = USER_OF_ROLE[role]
    token = tokens.issue(SECRET, name, role, 60, session=session_key(name), **kwargs)
    return {"Authorization": f"Bearer {token.value}"}


def example_case(name: str = "seed001_1_diagnosis") -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/healthz"),
        ("POST", "/api/token"),
        ("GET", "/docs"),
        ("GET", "/docs/oauth2-redirect"),
        ("GET", "/redoc"),
        ("GET", "/openapi.json"),
        ("GET", "/cds-services"),
        ("POST", "/api/oidc/backchannel-logout"),
    }
)
"""The routes anyone may call: they serve no patient data (health, login, API description,
the CDS Hooks discovery document, which an EHR reads before it has any credentials, and the
identity provider's back-channel logout, authenticated by the provider's signature)."""


PUBLIC_PAGES = frozenset(
    {
        ("GET", "/"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/login/oidc"),
        ("GET", "/login/oidc/callback"),
    }
)
"""The pages anyone may open: the redirect to the case list, the login form, and the start
and return of a hospital sign-in."""


def sign_in(client: TestClient, role: Role | str) -> str:
    """Give ``client`` a browser session as the test user of ``role`` (a signed cookie for
    their standing session, no Argon2) and return the session's CSRF token for its forms."""
    from rectoplan.web.pages.session import COOKIE

    role = Role(role)
    name = USER_OF_ROLE[role]
    cookie = tokens.issue(SECRET, name, role, 60, session=session_key(name)).value
    client.cookies.set(COOKIE, cookie)
    return csrf_of(client)


def login_form(client: TestClient, **fields: str) -> dict[str, str]:
    """The login form's fields as a browser posts them: ``fields`` plus the form's CSRF token,
    read from the login page (which sets ``client``'s pre-session cookie)."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    return {**fields, "csrf_token": token}


def csrf_of(client: TestClient) -> str:
    """The CSRF token a page would put in its forms for ``client``'s current session."""
    import hashlib
    import hmac

    from rectoplan.web.pages.session import COOKIE

    cookie = client.cookies.get(COOKIE) or ""
    return hmac.new(SECRET.encode(), b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()

"""Local accounts beside hospital sign-in: on for everyone, kept for break-glass
administrators only, or switched off (``RECTOPLAN_PASSWORD_LOGIN``); and the settings that
switch hospital sign-in on, each refusal naming its variable."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from web_support import PASSWORD, SECRET, client_for, login_form

from rectoplan.web.oidc.config import OidcSettings, PasswordLogin
from rectoplan.web.pages import login_csrf
from rectoplan.web.settings import Settings, SettingsError

PROVIDER = OidcSettings(
    issuer="https://login.hospital.example/realms/staff",
    client_id="rectoplan",
    client_secret="not-used-by-these-tests",
    redirect_base="https://rectoplan.hospital.example",
    roles={"rectoplan-admins": "admin"},
    label="St Elsewhere account",
)
"""Never contacted here: these tests post passwords only."""


@pytest.fixture
def client_with(sqlite_url):
    made = []

    def make(mode: PasswordLogin):
        made.append(client_for(sqlite_url, oidc=PROVIDER, password_login=mode))
        return made[-1].__enter__()

    yield make
    for client in made:
        client.__exit__(None, None, None)


def _post_login(client, name: str):
    return client.post(
        "/login",
        data=login_form(client, username=name, password=PASSWORD),
        follow_redirects=False,
    )


def test_with_passwords_on_both_ways_in_are_offered_and_local_users_sign_in(client_with):
    client = client_with(PasswordLogin.on)
    page = client.get("/login")
    assert 'href="/login/oidc?next=/cases">Sign in with St Elsewhere account</a>' in page.text
    assert "Sign in with a local RectoPlan account" in page.text
    assert _post_login(client, "viewer").status_code == 303


def test_break_glass_keeps_only_local_administrators(client_with):
    client = client_with(PasswordLogin.admins)
    assert "Break-glass sign-in (local administrators only)" in client.get("/login").text
    refused = _post_login(client, "viewer")
    assert refused.status_code == 403
    assert "break-glass administrators only" in refused.text
    assert "rectoplan_session" not in refused.headers.get("set-cookie", "")
    token = client.post("/api/token", data={"username": "viewer", "password": PASSWORD})
    assert token.status_code == 403 and "break-glass" in token.json()["detail"]
    assert _post_login(client, "admin").status_code == 303
    assert client.post("/api/token", data={"username": "admin", "password": PASSWORD}).is_success


def test_with_passwords_off_there_is_no_form_and_no_password_is_read(client_with):
    client = client_with(PasswordLogin.off)
    page = client.get("/login")
    assert "Sign in with St Elsewhere account" in page.text
    assert 'name="password"' not in page.text
    # a hand-made post, with a valid login CSRF token (the page has no form to take one from)
    nonce = client.cookies.get(login_csrf.COOKIE)
    csrf = hmac.new(SECRET.encode(), b"login-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()
    refused = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert refused.status_code == 403 and "Password sign-in is switched off here" in refused.text
    token = client.post("/api/token", data={"username": "admin", "password": PASSWORD})
    assert token.status_code == 403


ENV = {
    "RECTOPLAN_SECRET_KEY": "settings-test-key-" + "0123456789abcdef" * 2,
    "RECTOPLAN_OIDC_ISSUER": "https://login.microsoftonline.com/0000-tenant/v2.0",
    "RECTOPLAN_OIDC_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
    "RECTOPLAN_OIDC_CLIENT_SECRET": "s3cret",
    "RECTOPLAN_OIDC_REDIRECT_BASE": "https://rectoplan.hospital.example/",
    "RECTOPLAN_OIDC_ROLE_CLAIM": "roles",
    "RECTOPLAN_OIDC_ROLES": json.dumps({"RectoPlan.Admin": "admin", "RectoPlan.Read": "viewer"}),
}


def test_the_settings_come_from_the_environment():
    settings = Settings.from_env(ENV)
    oidc = settings.oidc
    assert oidc.redirect_uri == "https://rectoplan.hospital.example/login/oidc/callback"
    assert oidc.roles == {"RectoPlan.Admin": "admin", "RectoPlan.Read": "viewer"}
    assert oidc.role_claim == "roles" and oidc.scopes == ("openid", "profile", "email")
    assert settings.password_login is PasswordLogin.on
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"RECTOPLAN_OIDC_CLIENT_ID": ""}, "RECTOPLAN_OIDC_CLIENT_ID: required"),
        ({"RECTOPLAN_OIDC_ROLES": ""}, "RECTOPLAN_OIDC_ROLES: required"),
        ({"RECTOPLAN_OIDC_ROLES": '{"x": "surgeon"}'}, "RECTOPLAN_OIDC_ROLES: 'surgeon'"),
        ({"RECTOPLAN_OIDC_ROLES": "[1]"}, "RECTOPLAN_OIDC_ROLES: must be a non-empty JSON"),
        ({"RECTOPLAN_OIDC_SPECIALTIES": '{"x": "vet"}'}, "RECTOPLAN_OIDC_SPECIALTIES: 'vet'"),
        ({"RECTOPLAN_OIDC_ISSUER": "login.example"}, "RECTOPLAN_OIDC_ISSUER: 'login.example'"),
        ({"RECTOPLAN_OIDC_SCOPES": "profile"}, "RECTOPLAN_OIDC_SCOPES: must include openid"),
        ({"RECTOPLAN_PASSWORD_LOGIN": "maybe"}, "RECTOPLAN_PASSWORD_LOGIN: 'maybe'"),
        (
            {"RECTOPLAN_OIDC_ISSUER": "", "RECTOPLAN_PASSWORD_LOGIN": "off"},
            "needs hospital sign-in",
        ),
    ],
)
def test_a_setting_that_cannot_be_used_is_named(changes, named):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**ENV, **changes})
    assert named in str(refused.value)


def test_an_unreachable_provider_is_a_page_saying_so_not_a_500(sqlite_url):
    from oidc_support import free_port, logout_claims, mint, signing_key

    down = OidcSettings(**{**PROVIDER.__dict__, "issuer": f"http://127.0.0.1:{free_port()}"})
    with client_for(sqlite_url, oidc=down) as client:
        answer = client.get("/login/oidc", follow_redirects=False)
        assert answer.status_code == 503
        assert "The hospital sign-in service cannot be reached just now" in answer.text
        assert 'name="password"' in answer.text  # local accounts still offered
        token = mint(signing_key("k"), logout_claims(down.issuer, sub="someone"))
        refused = client.post("/api/oidc/backchannel-logout", data={"logout_token": token})
        assert refused.status_code == 400
        assert "keys could not be fetched" in refused.json()["error_description"]

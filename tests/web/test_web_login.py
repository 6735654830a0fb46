"""Logging in: the password flow, throttling of repeated failures, and token expiry, on SQLite
and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import jwt
from web_support import PASSWORD, SECRET, bearer, client_for

from rectoplan.registry.users import Role
from rectoplan.web.tokens import ALGORITHM


def _login(client, name: str, password: str):
    return client.post("/api/token", data={"username": name, "password": password})


def test_login_gives_a_bearer_token_that_opens_the_api(any_client):
    answer = _login(any_client, "clinician", PASSWORD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer" and body["role"] == "clinician"
    claims = jwt.decode(body["access_token"], SECRET, algorithms=[ALGORITHM])
    assert claims["sub"] == "clinician" and claims["role"] == "clinician"
    assert claims["exp"] - claims["iat"] == 60 * 60
    me = any_client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"name": "clinician", "role": "clinician"}


def test_a_wrong_password_or_unknown_user_is_401_and_says_nothing_more(any_client):
    for name, password in (("clinician", "wrong password"), ("nobody", PASSWORD)):
        answer = _login(any_client, name, password)
        assert answer.status_code == 401
        assert answer.json() == {"detail": "wrong user name or password"}
        assert "access_token" not in answer.text


def test_repeated_failures_are_throttled_with_retry_after(any_url):
    with client_for(any_url, login_max_failures=3) as client:
        for _ in range(3):
            assert _login(client, "viewer", "guess").status_code == 401
        refused = _login(client, "viewer", PASSWORD)  # even the right password, for now
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
        assert "too many failed logins" in refused.json()["detail"]
        assert _login(client, "clinician", PASSWORD).status_code == 200  # another name is free


def test_failures_from_one_client_are_throttled_across_names(any_url):
    with client_for(any_url, login_max_failures_per_client=4) as client:
        for name in ("a1", "a2", "a3", "a4"):
            assert _login(client, name, "guess").status_code == 401
        assert _login(client, "coordinator", PASSWORD).status_code == 429


def test_a_successful_login_forgives_earlier_failures_of_the_name(client):
    for _ in range(4):
        _login(client, "viewer", "guess")
    assert _login(client, "viewer", PASSWORD).status_code == 200
    for _ in range(4):
        _login(client, "viewer", "guess")
    assert _login(client, "viewer", PASSWORD).status_code == 200


def test_an_expired_or_forged_token_is_401(client):
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    expired = client.get("/api/cases", headers=bearer(Role.admin, now=old))
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    forged = jwt.encode({"sub": "admin", "exp": 4102444800}, "another key " * 4, ALGORITHM)
    answer = client.get("/api/cases", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401
    unsigned = jwt.encode({"sub": "admin", "exp": 4102444800}, None, "none")
    answer = client.get("/api/cases", headers={"Authorization": f"Bearer {unsigned}"})
    assert answer.status_code == 401


def test_the_token_lifetime_is_a_setting(sqlite_url):
    with client_for(sqlite_url, token_minutes=5) as client:
        token = _login(client, "viewer", PASSWORD).json()["access_token"]
    claims = jwt.decode(token, SECRET, algorithms=[ALGORITHM])
    assert claims["exp"] - claims["iat"] == 5 * 60

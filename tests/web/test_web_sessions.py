"""Revocable sessions over HTTP: a logout, a password change, a role change and a deactivation
end the old token and the old cookie at once, also through another app instance on the same
database (on SQLite and on PostgreSQL). Logins here are real (the password form and the token
route), so the sessions are the ones a user would hold."""

from __future__ import annotations

import jwt
import pytest
from web_support import PASSWORD, SECRET, bearer, client_for, login_form

from rectoplan.registry.users import Role
from rectoplan.web.pages.session import COOKIE
from rectoplan.web.tokens import ALGORITHM


def _token(client, name: str = "viewer", password: str = PASSWORD) -> dict[str, str]:
    answer = client.post("/api/token", data={"username": name, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _cookie(client, name: str = "viewer", password: str = PASSWORD) -> str:
    answer = client.post(
        "/login",
        data=login_form(client, username=name, password=password),
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    cookie = answer.cookies[COOKIE]
    client.cookies.clear()  # each request below names its cookie itself
    return cookie


def _page(client, cookie: str):
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    try:
        return client.get("/cases", follow_redirects=False)
    finally:
        client.cookies.clear()


def _csrf(cookie: str) -> str:
    import hashlib
    import hmac

    return hmac.new(SECRET.encode(), b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def _refused_page(response) -> bool:
    location = response.headers.get("location", "")
    return response.status_code == 303 and location.startswith("/login") and "expired=1" in location


def _patient_page(client, cookie: str, case_id: str):
    client.cookies.set(COOKIE, cookie)
    try:
        return client.get(f"/cases/{case_id}", follow_redirects=False)
    finally:
        client.cookies.clear()


def test_page_logout_ends_the_cookie_for_good(client, case):
    stored = client.post("/api/cases", json={"case": case}, headers=bearer(Role.clinician))
    assert stored.status_code == 201, stored.text
    case_id = stored.json()["case_id"]
    cookie = _cookie(client)
    assert _page(client, cookie).status_code == 200
    assert _patient_page(client, cookie, case_id).status_code == 200
    client.cookies.set(COOKIE, cookie)
    out = client.post("/logout", data={"csrf_token": _csrf(cookie)}, follow_redirects=False)
    client.cookies.clear()
    assert out.status_code == 303 and out.headers["location"] == "/login"
    # the browser forgets the cookie, but a copy of it must not open patient pages again
    assert _refused_page(_page(client, cookie))
    assert _refused_page(_patient_page(client, cookie, case_id))


def test_api_logout_ends_the_token_and_only_that_one(client):
    first, second = _token(client), _token(client)
    assert client.post("/api/logout", headers=first).status_code == 204
    refused = client.get("/api/me", headers=first)
    assert refused.status_code == 401 and "log in again" in refused.json()["detail"]
    assert client.get("/api/me", headers=second).json() == {"name": "viewer", "role": "viewer"}
    assert client.post("/api/logout", headers=first).status_code == 401


CHANGES = {
    "password": {"password": "a brand new password"},
    "role": {"role": "clinician"},
    "deactivation": {"active": False},
}


@pytest.mark.parametrize("change", CHANGES)
def test_an_account_change_ends_old_tokens_and_cookies(any_client, change):
    token, cookie = _token(any_client), _cookie(any_client)
    admin = bearer(Role.admin)
    assert any_client.get("/api/me", headers=token).status_code == 200
    assert _page(any_client, cookie).status_code == 200
    listed = any_client.get("/api/users", headers=admin).json()
    version = next(u["version"] for u in listed if u["name"] == "viewer")
    body = {"expected_version": version, **CHANGES[change]}
    assert any_client.patch("/api/users/viewer", json=body, headers=admin).status_code == 200

    assert any_client.get("/api/me", headers=token).status_code == 401
    assert any_client.get("/api/cases", headers=token).status_code == 401
    assert _refused_page(_page(any_client, cookie))
    # the admin who made the change keeps their own session
    assert any_client.get("/api/me", headers=admin).json()["name"] == "admin"
    if change == "deactivation":
        answer = any_client.post("/api/token", data={"username": "viewer", "password": PASSWORD})
        assert answer.status_code == 401
    else:  # a fresh login works, as the user is now
        password = CHANGES[change].get("password", PASSWORD)
        fresh = any_client.get("/api/me", headers=_token(any_client, password=password)).json()
        assert fresh == {"name": "viewer", "role": CHANGES[change].get("role", "viewer")}


def test_a_logout_through_one_instance_is_refused_by_another(any_url):
    """Two app instances (each its own engine and connection pool) on one database, as two
    server processes behind a load balancer: a session opened through one works through the
    other, and once ended through one it is refused by the other."""
    with client_for(any_url) as one, client_for(any_url) as other:
        assert one.app is not other.app and one.app.state.engine is not other.app.state.engine
        token, cookie = _token(one), _cookie(one)
        assert other.get("/api/me", headers=token).status_code == 200
        assert _page(other, cookie).status_code == 200

        assert one.post("/api/logout", headers=token).status_code == 204
        one.cookies.set(COOKIE, cookie)
        one.post("/logout", data={"csrf_token": _csrf(cookie)}, follow_redirects=False)
        one.cookies.clear()

        assert other.get("/api/me", headers=token).status_code == 401
        assert _refused_page(_page(other, cookie))


def test_a_token_without_a_login_session_is_refused(client):
    """A genuine signature is not enough: a token that names no session (as every token did
    before sessions) or a session that does not exist opens nothing."""
    for claims in (
        {"sub": "admin", "role": "admin", "exp": 4102444800},
        {"sub": "admin", "role": "admin", "exp": 4102444800, "sid": "made-up"},
    ):
        forged = jwt.encode(claims, SECRET, ALGORITHM)
        answer = client.get("/api/cases", headers={"Authorization": f"Bearer {forged}"})
        assert answer.status_code == 401, claims
        assert _refused_page(_page(client, forged))


def test_a_session_of_one_user_cannot_be_claimed_for_another(client):
    """The session decides who is signed in: a token naming the admin on the viewer's session
    is refused (it could only be made with the signing key, but the check costs nothing)."""
    viewer = _token(client)
    sid = jwt.decode(viewer["Authorization"][7:], SECRET, [ALGORITHM])["sid"]
    claims = {"sub": "admin", "role": "admin", "exp": 4102444800, "sid": sid}
    forged = jwt.encode(claims, SECRET, ALGORITHM)
    answer = client.get("/api/users", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401

"""Every route of the application is either on the explicit public list or guarded: without a
token it answers 401, and with a token of a role just below the one it needs, 403.

The routes are enumerated from the application itself, so a route added tomorrow without a
role check fails this test; the least role each one needs is read from its dependencies and
held against the policy (reads: viewer; clinical writes: clinician; meetings: coordinator,
except the minutes, actions and sign-off, which clinicians write; users: admin).
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from web_support import PUBLIC_ROUTES, bearer, settings_for

from rectoplan.registry.users import Role
from rectoplan.web.app import create_app, endpoints
from rectoplan.web.deps import required_role

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _policy(method: str, path: str) -> Role:
    """The least role the MDT's policy gives a route."""
    if path.startswith("/api/users"):
        return Role.admin
    meeting_minutes = path.endswith(("/sign-off", "/minutes", "/actions"))
    if path.startswith("/api/meetings") and method in WRITES and meeting_minutes:
        return Role.clinician  # the chair signs; the clinicians minute and own actions
    if path.startswith("/api/meetings") and method in WRITES:
        return Role.coordinator
    if path.startswith("/api/mct/"):
        return Role.viewer  # computation on posted numbers, no patient data
    if path == "/api/logout":
        return Role.viewer  # everyone may end their own session
    if path == "/cds-services/rectoplan-patient-view":
        return Role.viewer  # a CDS Hooks call reads cards, it writes nothing
    return Role.clinician if method in WRITES else Role.viewer


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # the guard runs before any lookup, so an unmigrated database is never touched
    path = tmp_path_factory.mktemp("guard") / "unused.sqlite3"
    return create_app(settings_for(f"sqlite:///{path}"))


def test_every_route_is_public_or_guarded_by_the_policy_role(app):
    unguarded, wrong = [], []
    for method, path, route in endpoints(app):
        if (method, path) in PUBLIC_ROUTES:
            continue
        role = required_role(route.dependant) if isinstance(route, APIRoute) else None
        if role is None:
            unguarded.append(f"{method} {path}")
        elif role is not _policy(method, path):
            wrong.append(f"{method} {path}: needs {role}, policy says {_policy(method, path)}")
    assert not unguarded, f"routes without a role check: {unguarded}"
    assert not wrong, wrong


def test_public_routes_exist_and_answer_without_a_token(client):
    paths = {(method, path) for method, path, _ in endpoints(client.app)}
    for method, path in PUBLIC_ROUTES:
        if (method, path) not in paths:
            continue  # e.g. CDS Hooks before its module is wired in
        response = client.request(method, _url(path))
        assert response.status_code not in (401, 403), (method, path, response.status_code)


@pytest.mark.parametrize("with_body", [False, True])
def test_guarded_routes_answer_401_without_a_token(client, with_body):
    checked = 0
    for method, path, _route in endpoints(client.app):
        if (method, path) in PUBLIC_ROUTES:
            continue
        kwargs = {"json": {}} if with_body and method in WRITES else {}
        response = client.request(method, _url(path), **kwargs)
        assert response.status_code == 401, (method, path, response.status_code, response.text)
        assert response.headers.get("www-authenticate") == "Bearer"
        bad = client.request(
            method, _url(path), headers={"Authorization": "Bearer not-a-token"}, **kwargs
        )
        assert bad.status_code == 401, (method, path, bad.status_code)
        checked += 1
    assert checked >= 30


def test_guarded_routes_answer_403_to_a_role_just_too_weak(client):
    checked = 0
    for method, path, route in endpoints(client.app):
        if (method, path) in PUBLIC_ROUTES:
            continue
        needed = required_role(route.dependant)
        if needed is Role.viewer:
            continue  # no weaker role exists; the 401 test covers these
        weaker = list(Role)[needed.rank - 1]
        kwargs = {"json": {}} if method in WRITES else {}
        response = client.request(method, _url(path), headers=bearer(weaker), **kwargs)
        assert response.status_code == 403, (method, path, weaker, response.status_code)
        assert str(needed) in response.json()["detail"]
        checked += 1
    assert checked >= 15


def test_a_deactivated_user_is_refused_at_once(client, auth):
    admin = auth(Role.admin)
    viewer = client.get("/api/users", headers=admin).json()
    version = next(u["version"] for u in viewer if u["name"] == "viewer")
    assert client.get("/api/cases", headers=auth(Role.viewer)).status_code == 200
    changed = client.patch(
        "/api/users/viewer", json={"expected_version": version, "active": False}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert client.get("/api/cases", headers=auth(Role.viewer)).status_code == 401


def test_an_admin_gives_a_user_a_full_name_and_specialty_over_the_api(client, auth):
    admin = auth(Role.admin)
    created = client.post(
        "/api/users",
        json={
            "name": "liwei",
            "full_name": "Li Wei",
            "specialty": "pathologist",
            "role": "clinician",
            "password": "correct horse battery",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert (created.json()["full_name"], created.json()["specialty"]) == ("Li Wei", "pathologist")
    wrong = client.patch(
        "/api/users/liwei",
        json={"expected_version": created.json()["version"], "specialty": "astrologer"},
        headers=admin,
    )
    assert wrong.status_code == 422
    assert "specialty" in wrong.text

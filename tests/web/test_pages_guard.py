"""Every page is either public (the login form) or guarded like the API, but as a browser
expects: without a session it redirects to the login page (keeping where the user was going),
a role too weak gets a 403 page, and a form post without the session's CSRF token is refused.

Pages are enumerated from the application, so a page added tomorrow without a guard fails.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from web_support import PUBLIC_PAGES, csrf_of, sign_in

from rectoplan.registry.users import Role
from rectoplan.web.app import endpoints
from rectoplan.web.deps import required_role

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _pages(app):
    return [(m, p, r) for m, p, r in endpoints(app, pages=True) if (m, p) not in PUBLIC_PAGES]


def test_pages_are_found_and_every_one_is_guarded(client):
    pages = _pages(client.app)
    assert len(pages) >= 2
    unguarded = [
        f"{m} {p}"
        for m, p, r in pages
        if not isinstance(r, APIRoute) or required_role(r.dependant) is None
    ]
    assert not unguarded, f"pages without a role check: {unguarded}"


def test_pages_are_left_out_of_the_api_description(client):
    api_paths = set(client.get("/openapi.json").json()["paths"])
    assert not {p for _m, p, _r in _pages(client.app)} & api_paths


def test_without_a_session_every_page_redirects_to_login(client):
    for method, path, _route in _pages(client.app):
        response = client.request(method, _url(path), follow_redirects=False)
        assert response.status_code == 303, (method, path, response.status_code)
        location = response.headers["location"]
        assert location.startswith("/login"), (method, path, location)
        if method == "GET":
            assert "next=" in location, (path, location)


def test_htmx_requests_without_a_session_move_the_whole_page_to_login(client):
    response = client.get("/cases", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.headers["HX-Redirect"].startswith("/login")


def test_a_role_just_too_weak_gets_a_403_page(client):
    checked = 0
    for method, path, route in _pages(client.app):
        needed = required_role(route.dependant)
        if needed is Role.viewer:
            continue
        sign_in(client, list(Role)[needed.rank - 1])
        data = {"csrf_token": csrf_of(client)} if method in WRITES else None
        response = client.request(method, _url(path), data=data, follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
        assert "text/html" in response.headers["content-type"]
        assert str(needed) in response.text
        checked += 1
    if any(required_role(r.dependant) is not Role.viewer for _m, _p, r in _pages(client.app)):
        assert checked >= 1


def test_a_form_post_without_the_csrf_token_is_refused(client):
    sign_in(client, Role.admin)
    posts = [(m, p) for m, p, _r in _pages(client.app) if m in WRITES]
    assert posts, "there is at least the logout form"
    for method, path in posts:
        response = client.request(method, _url(path), data={"x": "1"}, follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
        assert "expired" in response.text
        forged = client.request(
            method, _url(path), data={"csrf_token": "0" * 64}, follow_redirects=False
        )
        assert forged.status_code == 403, (method, path, forged.status_code)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil"])
def test_login_never_redirects_off_site(client, target):
    from web_support import PASSWORD, login_form

    response = client.post(
        "/login",
        data=login_form(client, username="viewer", password=PASSWORD, next=target),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/cases"

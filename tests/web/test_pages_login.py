"""Logging in and out through the pages, and the case list with its filters."""

from __future__ import annotations

import re

from web_support import PASSWORD, csrf_of, login_form, sign_in

from rectoplan.registry.users import Role
from rectoplan.web.pages.session import COOKIE


def test_login_sets_an_httponly_session_and_goes_where_the_user_was_heading(client):
    first = client.get("/cases?stage=III", follow_redirects=False)
    assert first.headers["location"] == "/login?next=/cases%3Fstage%3DIII"
    form = client.get(first.headers["location"])
    assert 'name="next" value="/cases?stage=III"' in form.text
    response = client.post(
        "/login",
        data=login_form(client, username="viewer", password=PASSWORD, next="/cases?stage=III"),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/cases?stage=III"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert client.get("/cases").status_code == 200


def test_a_wrong_password_keeps_the_user_name_and_says_so_beside_the_field(client):
    response = client.post("/login", data=login_form(client, username="viewer", password="nope"))
    assert response.status_code == 401
    assert 'value="viewer"' in response.text
    assert re.search(r'id="f-password-error"[^>]*>Wrong user name or password', response.text)
    assert COOKIE not in response.headers.get("set-cookie", "")


def test_an_empty_form_names_both_fields(client):
    response = client.post("/login", data=login_form(client, username=" ", password=""))
    assert response.status_code == 422
    assert "Enter your user name." in response.text and "Enter your password." in response.text
    assert response.text.count('aria-invalid="true"') == 2


def test_logout_ends_the_session(client):
    sign_in(client, Role.viewer)
    response = client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    assert f'{COOKIE}=""' in response.headers["set-cookie"]
    client.cookies.clear()
    assert client.get("/cases", follow_redirects=False).status_code == 303


def test_a_deactivated_users_session_ends_at_once(client, auth):
    sign_in(client, Role.viewer)
    assert client.get("/cases").status_code == 200
    admin = auth(Role.admin)
    version = next(
        u["version"]
        for u in client.get("/api/users", headers=admin).json()
        if u["name"] == "viewer"
    )
    client.patch(
        "/api/users/viewer", json={"expected_version": version, "active": False}, headers=admin
    )
    response = client.get("/cases", follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]


def _caption(html: str) -> str:
    return re.search(r"<caption>(.*?)</caption>", html, re.S).group(1).strip()


def test_the_case_list_filters_like_the_api(demo_client):
    sign_in(demo_client, Role.viewer)
    for query in ("stage=III", "pathway=stenosis", "status=active", "q=seed00", "phase=restaging"):
        page = demo_client.get(f"/cases?{query}")
        api = demo_client.get(f"/api/cases?{query}", headers=_bearer()).json()
        assert _caption(page.text).startswith(f"{api['total']} case"), query
        for item in api["items"][:25]:
            assert f">{item['case_id']}</a>" in page.text, (query, item["case_id"])


def test_a_filter_value_that_is_not_a_choice_is_named_not_ignored_silently(demo_client):
    sign_in(demo_client, Role.viewer)
    page = demo_client.get("/cases?stage=IIIZ")
    assert page.status_code == 200
    assert re.search(r'id="f-stage-error"[^>]*>Choose one of', page.text)


def test_htmx_filtering_returns_only_the_table(demo_client):
    sign_in(demo_client, Role.viewer)
    fragment = demo_client.get("/cases?pathway=stenosis", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith("<table>")
    assert "<html" not in fragment.text


def _bearer():
    from web_support import bearer

    return bearer(Role.viewer)

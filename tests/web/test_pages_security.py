"""The pages' security headers, the login form's CSRF token, and the HTML error pages.

Every page is enumerated from the application (as in `test_pages_guard`), so a page added
tomorrow is checked too. The headers asserted are the ones the OWASP Secure Headers project
and the CSP level 3 recommendation name for an application that shows personal data: a policy
with no ``'unsafe-inline'``/``'unsafe-eval'``, no framing, no sniffing, no storage.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_pages_guard import WRITES, _pages, _url
from web_support import PASSWORD, bearer, client_for, csrf_of, login_form, sign_in

from rectoplan.registry.users import Role
from rectoplan.web.app_paths import TEMPLATES_DIR
from rectoplan.web.pages import login_csrf
from rectoplan.web.pages.session import COOKIE

EXAMPLE = "seed001-diagnosis"


def _directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        name, *values = part.split()
        found[name] = values
    return found


def assert_page_headers(response, what: str) -> None:
    headers = response.headers
    policy = _directives(headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"], what
    assert policy["style-src"] == ["'self'"], what
    assert policy["default-src"] == ["'none'"], what
    assert policy["frame-ancestors"] == ["'none'"], what
    assert policy["form-action"] == ["'self'"], what
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & {
        value for values in policy.values() for value in values
    }, what
    assert headers["x-frame-options"] == "DENY", what
    assert headers["x-content-type-options"] == "nosniff", what
    assert headers["referrer-policy"] in ("same-origin", "no-referrer"), what
    assert "no-store" in headers["cache-control"], what


def test_every_page_carries_the_security_headers(demo_client):
    token = sign_in(demo_client, Role.admin)
    pages = _pages(demo_client.app)
    assert len(pages) >= 20
    for method, path, _route in pages:
        url = _url(path).replace("/cases/1", f"/cases/{EXAMPLE}")
        data = {"csrf_token": token} if method in WRITES else None
        response = demo_client.request(method, url, data=data, follow_redirects=False)
        assert_page_headers(response, f"{method} {url} -> {response.status_code}")
    for url in ("/login", "/", f"/cases/{EXAMPLE}", "/cases/no-such-case", "/no/such/page"):
        assert_page_headers(demo_client.get(url, follow_redirects=False), url)


def test_api_answers_with_patient_data_are_not_stored(demo_client):
    for url in ("/api/cases", f"/api/cases/{EXAMPLE}", "/api/cases/no-such-case"):
        response = demo_client.get(url, headers=bearer(Role.viewer))
        assert "no-store" in response.headers["cache-control"], url
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert response.headers["x-frame-options"] == "DENY", url


def test_static_files_may_be_cached_but_not_sniffed(client):
    response = client.get("/static/htmx.min.js")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    assert response.headers["x-content-type-options"] == "nosniff"


_INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on*= event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"\shx-on", re.I), "an hx-on handler (needs eval)"),
]


def test_no_template_holds_code_or_styles_the_policy_would_refuse():
    templates = sorted(Path(TEMPLATES_DIR).rglob("*.html"))
    assert len(templates) >= 20
    found = []
    for template in templates:
        text = re.sub(r"\{#.*?#\}", "", template.read_text(), flags=re.S)  # Jinja comments
        for pattern, what in _INLINE:
            if pattern.search(text):
                found.append(f"{template.relative_to(TEMPLATES_DIR)}: {what}")
    assert not found


def test_htmx_is_configured_to_need_no_eval_and_no_inline_style(client):
    page = client.get("/login").text
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    import json

    values = json.loads(config)
    assert values["allowEval"] is False
    assert values["includeIndicatorStyles"] is False
    assert values["historyCacheSize"] == 0  # no copies of patient pages in localStorage


# -- the login form's CSRF token ------------------------------------------------------------


def test_the_login_form_carries_a_token_bound_to_a_pre_session_cookie(client):
    form = login_form(client)
    cookie = client.cookies.get(login_csrf.COOKIE)
    assert cookie and form["csrf_token"]
    assert cookie not in form["csrf_token"]  # the form holds a signature, not the cookie
    again = login_form(client)
    assert again["csrf_token"] == form["csrf_token"]  # a second tab gets the same token


def test_a_login_without_the_token_is_refused_before_the_password_is_checked(client):
    response = client.post(
        "/login", data={"username": "viewer", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "please log in again" in response.text
    assert 'value="viewer"' in response.text  # the name is kept
    assert COOKIE not in response.headers.get("set-cookie", "")
    assert not client.cookies.get(COOKIE)


def test_a_login_with_a_forged_or_foreign_token_is_refused(client, sqlite_url):
    login_form(client)  # the browser has its own pre-session cookie
    forged = client.post(
        "/login",
        data={"username": "viewer", "password": PASSWORD, "csrf_token": "0" * 64},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    # an attacker's own valid token, posted from the victim's browser (other cookie)
    attacker = client_for(sqlite_url)
    foreign = login_form(attacker, username="viewer", password=PASSWORD)
    refused = client.post("/login", data=foreign, follow_redirects=False)
    assert refused.status_code == 403
    assert not client.cookies.get(COOKIE)
    # the page it answers with carries a fresh token that works
    fresh = re.search(r'name="csrf_token" value="([^"]*)"', refused.text).group(1)
    done = client.post(
        "/login",
        data={"username": "viewer", "password": PASSWORD, "csrf_token": fresh},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.cookies.get(COOKIE)


def test_the_login_throttle_still_counts_wrong_passwords(sqlite_url):
    client = client_for(sqlite_url, login_max_failures=3)
    codes = [
        client.post(
            "/login", data=login_form(client, username="viewer", password="nope")
        ).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]


# -- HTML error pages -----------------------------------------------------------------------


def _assert_unavailable_page(response, retry: str) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert int(response.headers["retry-after"]) > 0
    assert "The registry is unavailable" in response.text
    assert f'href="{retry}"' in response.text
    assert '"detail"' not in response.text
    assert_page_headers(response, "503")


def test_pages_answer_an_html_503_while_a_postgresql_registry_is_gone(request, pg_server):
    name = pg_server.create(template=request.getfixturevalue("pg_template"))
    client = client_for(pg_server.url_of(name))
    sign_in(client, Role.viewer)
    assert client.get("/cases?stage=III").status_code == 200
    pg_server.drop(name)  # the database is really gone: every new connection is refused
    _assert_unavailable_page(client.get("/cases?stage=III"), "/cases?stage=III")
    posted = client.post("/logout", data={"csrf_token": csrf_of(client)})
    _assert_unavailable_page(posted, "/cases")
    assert "was not saved" in posted.text
    api = client.get("/api/cases", headers=bearer(Role.viewer))
    assert api.status_code == 503
    assert api.headers["content-type"] == "application/json"
    assert "unavailable" in api.json()["detail"]


def test_pages_answer_an_html_503_when_the_sqlite_file_cannot_be_opened(sqlite_url):
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    client = client_for(sqlite_url)
    sign_in(client, Role.viewer)  # a cookie only: the app has not opened the file yet
    path.unlink()
    path.mkdir()  # the registry's path is now a directory: SQLite cannot open it
    try:
        _assert_unavailable_page(client.get(f"/cases/{EXAMPLE}"), f"/cases/{EXAMPLE}")
        assert client.get("/healthz").status_code == 503
    finally:
        shutil.rmtree(path)


@pytest.mark.parametrize("url", ["/cases?page=x", "/cases?stage=III&page=0"])
def test_a_bad_query_on_a_page_is_an_html_page_naming_it_not_json(client, url):
    sign_in(client, Role.viewer)
    response = client.get(url)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html"), (url, response.text)
    assert re.search(r'role="alert">page: ', response.text)
    assert '"detail"' not in response.text

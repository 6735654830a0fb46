"""What the cluster tests share besides the fixture: the users' password, logging in over the
API and the pages, and reading the session cookie the way a browser would.

A uniquely named module (not ``conftest``) so test modules can import it unambiguously.
"""

from __future__ import annotations

import re

import httpx

PASSWORD = "cluster tests only 1234"
CLINICIAN = "clinician"
COOKIE = "rectoplan_session"


def token(client: httpx.Client, base: str, name: str, password: str = PASSWORD) -> httpx.Response:
    """``POST /api/token`` at ``base`` (an instance, or nginx)."""
    return client.post(f"{base}/api/token", data={"username": name, "password": password})


def bearer(client: httpx.Client, base: str, name: str = CLINICIAN) -> dict[str, str]:
    response = token(client, base, name)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def page_login(client: httpx.Client, base: str, name: str) -> httpx.Response:
    """The login form posted at ``base`` with the CSRF token its login page gives (and the
    pre-session cookie it sets); the caller reads the session from the answer."""
    page = client.get(f"{base}/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    # the pre-session cookie is Secure (as in production), so a client talking plain HTTP to one
    # instance directly would not send it back: pass it on by hand, as a browser at TLS would
    pairs = [h.split(";", 1)[0] for h in page.headers.get_list("set-cookie")]
    return client.post(
        f"{base}/login",
        data={"username": name, "password": PASSWORD, "next": "/cases", "csrf_token": token},
        headers={"Cookie": "; ".join(pairs)},
        follow_redirects=False,
    )


def session_cookie(response: httpx.Response) -> tuple[str, str]:
    """The session cookie's value and its attributes as set (``Secure``, ``HttpOnly`` ...).

    Read from the header rather than a cookie jar: the instances are reached over plain HTTP
    on loopback, where a jar would (rightly) never send a ``Secure`` cookie back."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name == COOKIE:
            value, _, attributes = rest.partition(";")
            return value, attributes
    raise AssertionError(f"no {COOKIE} cookie in {response.headers.get_list('set-cookie')}")


def cookie_header(cookie: str) -> dict[str, str]:
    """The session cookie sent back as a browser would send it (over HTTPS) to any instance."""
    return {"Cookie": f"{COOKIE}={cookie}"}


def csrf_of(html: str) -> str:
    """The CSRF token a page put in its forms."""
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)

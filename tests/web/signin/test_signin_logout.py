"""Logging out of a hospital sign-in: RectoPlan's logout goes on to the provider's
(RP-initiated logout), and the provider's back-channel logout ends RectoPlan sessions."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select
from web_support import PASSWORD

from oidc_support import (
    CLIENT_ID,
    logout_claims,
    mint,
    sign_in,
    sign_out_at_provider,
    signing_key,
)
from rectoplan.registry.db import make_engine, session_factory
from rectoplan.registry.users import LoginSession, SessionEnd, User

pytestmark = pytest.mark.xdist_group("oidc")

ANA = "f3a1c2d4-ana"


def _csrf(http: httpx.Client, base: str) -> str:
    page = http.get(base + "/cases")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _live(http: httpx.Client, base: str) -> bool:
    answer = http.get(base + "/cases", follow_redirects=False)
    assert answer.status_code in (200, 303)
    return answer.status_code == 200


def _sessions_of(oidc, subject: str) -> list[LoginSession]:
    engine = make_engine(oidc.database_url)
    try:
        with session_factory(engine)() as db:
            user_id = db.scalar(select(User.id).where(User.oidc_subject == subject))
            query = select(LoginSession).where(LoginSession.user_id == user_id)
            return list(db.scalars(query.order_by(LoginSession.created_at)))
    finally:
        engine.dispose()


def test_logout_ends_the_session_and_signs_out_at_the_provider(oidc, browser_like):
    http = browser_like()
    sign_in(http, oidc.base, ANA)
    page = http.get(oidc.base + "/cases")
    policy = page.headers["content-security-policy"]
    assert f"form-action 'self' {oidc.idp.issuer};" in policy  # the logout may lead there
    answer = http.post(
        oidc.base + "/logout", data={"csrf_token": _csrf(http, oidc.base)}, follow_redirects=False
    )
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == oidc.idp.issuer + "/session/end"
    query = parse_qs(target.query)
    assert query == {
        "client_id": [CLIENT_ID],
        "post_logout_redirect_uri": [oidc.base + "/login"],
    }
    assert not _live(http, oidc.base)  # ended here before the provider was even asked
    back = sign_out_at_provider(http, answer.headers["location"])
    assert str(back.url).startswith(oidc.base + "/login")  # back at RectoPlan's login page
    # the provider's session is gone too: signing in again asks for the password again
    again = http.get(oidc.base + "/login/oidc", follow_redirects=True)
    assert (
        'name="login"' in again.text
        and urlsplit(str(again.url)).netloc != urlsplit(oidc.base).netloc
    )


def test_a_local_accounts_logout_stays_local(oidc, browser_like):
    http = browser_like()
    form = http.get(oidc.base + "/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', form.text).group(1)
    signed = http.post(
        oidc.base + "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    answer = http.post(
        oidc.base + "/logout", data={"csrf_token": _csrf(http, oidc.base)}, follow_redirects=False
    )
    assert answer.headers["location"] == "/login"


def test_back_channel_logout_ends_the_sessions_of_that_provider_session(oidc, browser_like):
    """Ana signs in on two computers (two provider sessions) and signs out at the provider on
    one: the provider tells RectoPlan, which ends that computer's session only."""
    ward, office = browser_like(), browser_like()
    sign_in(ward, oidc.base, ANA)
    sign_in(office, oidc.base, ANA)
    assert _live(ward, oidc.base) and _live(office, oidc.base)
    sign_out_at_provider(ward, oidc.idp.issuer + "/session/end")
    assert not _live(ward, oidc.base)
    assert _live(office, oidc.base)
    ward_session, office_session = _sessions_of(oidc, ANA)[-2:]
    assert ward_session.ended_because is SessionEnd.provider_logout
    assert office_session.ended_at is None


def _post_logout_token(oidc, token: str) -> httpx.Response:
    return httpx.post(oidc.base + "/api/oidc/backchannel-logout", data={"logout_token": token})


def test_a_logout_token_naming_the_user_ends_all_their_sessions(oidc, browser_like):
    ward, office = browser_like(), browser_like()
    sign_in(ward, oidc.base, ANA)
    sign_in(office, oidc.base, ANA)
    answer = _post_logout_token(oidc, mint(oidc.idp.key, logout_claims(oidc.idp.issuer, sub=ANA)))
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert not _live(ward, oidc.base) and not _live(office, oidc.base)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "another-app"}, f"it is not meant for {CLIENT_ID}"),
        ({"iss": "https://idp.evil.example"}, "it was not issued by"),
        ({"nonce": "n-0S6_WzA2Mj"}, "it carries a nonce"),
        ({"events": None}, "it lacks the 'events' claim"),
        ({"events": {"urn:other": {}}}, "holds no back-channel logout event"),
        ({"sub": None}, "names neither a session (sid) nor a user (sub)"),
        ({"iat": 1_000_000_000, "exp": None}, "it was issued too long ago"),
        ({"exp": 1_000_000_000}, "it has expired"),
    ],
)
def test_a_logout_token_failing_a_check_is_refused_and_ends_nothing(
    oidc, browser_like, changes, reason
):
    http = browser_like()
    sign_in(http, oidc.base, ANA)
    claims = logout_claims(oidc.idp.issuer, **{"sub": ANA, **changes})
    answer = _post_logout_token(oidc, mint(oidc.idp.key, claims))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert reason in answer.json()["error_description"]
    assert _live(http, oidc.base)


def test_a_logout_token_signed_by_another_key_is_refused(oidc, browser_like):
    http = browser_like()
    sign_in(http, oidc.base, ANA)
    forged = mint(signing_key("forged"), logout_claims(oidc.idp.issuer, sub=ANA))
    answer = _post_logout_token(oidc, forged)
    assert answer.status_code == 400
    assert "which the provider does not publish" in answer.json()["error_description"]
    assert _live(http, oidc.base)

"""The API beside hospital sign-in: the provider's JWT access tokens (a machine client's,
from the client-credentials grant) are accepted for RectoPlan's audience, RectoPlan's own
bearer tokens keep working, and everything else is refused with a reason."""

from __future__ import annotations

import time

import httpx
import pytest
from web_support import bearer

from oidc_support import API_AUDIENCE, CLIENT_ID, mint, sign_in
from rectoplan.registry.users import Role
from rectoplan.web.oidc.provider import Provider, TokenRefused

pytestmark = pytest.mark.xdist_group("oidc")

ANA = "f3a1c2d4-ana"


def _get(oidc, path: str, token: str) -> httpx.Response:
    return httpx.get(oidc.base + path, headers={"Authorization": f"Bearer {token}"})


def test_a_machine_clients_provider_token_is_accepted_with_its_mapped_role(oidc):
    token = oidc.idp.robot_token()
    me = _get(oidc, "/api/me", token)
    assert me.status_code == 200
    # the robot's groups claim holds rectoplan-clinicians (tests/oidc/provider.mjs)
    assert me.json() == {"name": "client:rectoplan-robot", "role": "clinician"}
    assert _get(oidc, "/api/cases", token).status_code == 200
    users = _get(oidc, "/api/users", token)
    assert users.status_code == 403 and "needs the admin role" in users.json()["detail"]


def test_a_provider_token_of_a_linked_user_acts_as_that_user(oidc, browser_like):
    sign_in(browser_like(), oidc.base, ANA)
    now = int(time.time())
    claims = {
        "iss": oidc.idp.issuer,
        "sub": ANA,
        "aud": API_AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "groups": ["rectoplan-viewers"],
    }
    me = _get(oidc, "/api/me", mint(oidc.idp.key, claims, typ="at+jwt"))
    assert me.json() == {"name": "ana.costa", "role": "viewer"}  # the token's own role


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": CLIENT_ID}, f"it is not meant for {API_AUDIENCE}"),  # an ID token
        ({"exp": 1_000_000_000, "iat": 999_999_000}, "it has expired"),
        ({"iss": "https://idp.evil.example"}, "it was not issued by"),
        ({"groups": ["staff"]}, "its 'groups' claim grants no RectoPlan role"),
    ],
)
def test_a_provider_token_failing_a_check_is_refused_with_the_reason(oidc, changes, reason):
    now = int(time.time())
    claims = {
        "iss": oidc.idp.issuer,
        "sub": "rectoplan-robot",
        "aud": API_AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "groups": ["rectoplan-clinicians"],
        **changes,
    }
    answer = _get(oidc, "/api/me", mint(oidc.idp.key, claims))
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert reason in answer.json()["detail"]


def test_rectoplans_own_tokens_still_work_beside_the_providers(oidc):
    answer = httpx.get(oidc.base + "/api/me", headers=bearer(Role.coordinator))
    assert answer.json() == {"name": "coordinator", "role": "coordinator"}


def test_unknown_key_ids_refetch_the_keys_at_most_once_per_interval(oidc):
    """A stream of forged key ids costs the provider one JWKS fetch per interval, not one each;
    a genuine key is still found without another fetch."""
    client = Provider(oidc.idp.settings(jwks_min_refresh_seconds=3600))
    now = int(time.time())
    claims = {"iss": oidc.idp.issuer, "aud": API_AUDIENCE, "sub": "x", "exp": now + 60}
    for n in range(5):
        forged = mint({**oidc.idp.key, "kid": f"forged-{n}"}, claims)
        with pytest.raises(TokenRefused, match="which the provider does not publish"):
            client.verify(forged, audience=API_AUDIENCE)
    assert client.jwks_fetches == 1
    assert client.verify(mint(oidc.idp.key, claims), audience=API_AUDIENCE)["sub"] == "x"
    assert client.jwks_fetches == 1

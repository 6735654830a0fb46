"""Hospital sign-in through a real OpenID Connect provider (``oidc-provider`` on loopback):
the first sign-in creates the user from the claims, later ones follow the provider's groups,
and every ID token check refuses what it should, driven through the real callback."""

from __future__ import annotations

import html
import re
import time

import jwt
import pytest
from sqlalchemy import select

from oidc_support import CLIENT_ID, USERS, TokenAnswerTamper, mint, sign_in, signing_key
from rectoplan.registry import users
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.models import AuditLog
from rectoplan.registry.users import LoginSession, Role, SessionEnd, Specialty, User

pytestmark = pytest.mark.xdist_group("oidc")

ANA, LI, SAM = "f3a1c2d4-ana", "9b7e5f01-li", "0c11e7aa-sam"


def _registry(stack):
    engine = make_engine(stack.database_url)
    return engine, session_factory(engine)()


def _user(stack, subject: str) -> User | None:
    engine, db = _registry(stack)
    try:
        return db.scalar(
            select(User).where(User.oidc_issuer == stack.idp.issuer, User.oidc_subject == subject)
        )
    finally:
        db.close()
        engine.dispose()


def _sessions(stack, user_id: int) -> list[LoginSession]:
    engine, db = _registry(stack)
    try:
        query = select(LoginSession).where(LoginSession.user_id == user_id)
        return list(db.scalars(query.order_by(LoginSession.created_at)))
    finally:
        db.close()
        engine.dispose()


def _notice(page) -> str:
    found = re.search(r'<p class="notice warn" role="status">(.*?)</p>', page.text, re.S)
    return html.unescape(found.group(1)) if found else ""


def test_the_first_sign_in_creates_the_user_from_the_claims(oidc, browser_like):
    answer = sign_in(browser_like(), oidc.base, ANA)
    assert answer.status_code == 200 and answer.url.path == "/cases"
    user = _user(oidc, ANA)
    claims = USERS[ANA]
    assert user.name == claims["preferred_username"]
    assert user.full_name == claims["name"]
    assert user.specialty is Specialty.colorectal_surgeon  # "Consultant colorectal surgeon"
    # clinicians and coordinators both map; the higher role wins
    assert user.role is Role.coordinator
    assert f'{user.name} <span class="role">(coordinator)</span>' in answer.text
    (session,) = _sessions(oidc, user.id)
    assert session.provider_sid  # the provider's sid, for its back-channel logout
    engine, db = _registry(oidc)
    try:
        actors = db.scalars(
            select(AuditLog.actor).where(AuditLog.entity == "users", AuditLog.entity_id == user.id)
        ).all()
    finally:
        db.close()
        engine.dispose()
    assert "hospital sign-in" in actors


def test_a_role_removed_at_the_provider_is_gone_at_the_next_sign_in(oidc, browser_like):
    first = browser_like()
    sign_in(first, oidc.base, LI)
    assert _user(oidc, LI).role is Role.viewer
    oidc.idp.set_groups(LI, ["staff", "rectoplan-clinicians"])
    second = browser_like()
    sign_in(second, oidc.base, LI)
    assert _user(oidc, LI).role is Role.clinician
    # the role change ended the older session, as any role change does
    assert first.get(oidc.base + "/cases", follow_redirects=False).status_code == 303
    assert second.get(oidc.base + "/cases", follow_redirects=False).status_code == 200

    oidc.idp.set_groups(LI, ["staff"])  # every RectoPlan group withdrawn
    refused = sign_in(browser_like(), oidc.base, LI)
    assert refused.status_code == 403
    assert "Your hospital account has no RectoPlan role" in _notice(refused)
    assert "rectoplan-viewers" in _notice(refused)  # says which groups would do
    # and the session still open from before the withdrawal ends with it
    assert second.get(oidc.base + "/cases", follow_redirects=False).status_code == 303
    sessions = _sessions(oidc, _user(oidc, LI).id)
    assert all(s.ended_at is not None for s in sessions)
    assert sessions[-1].ended_because is SessionEnd.role_changed


def test_no_mapped_group_is_refused_with_a_clear_page_and_no_user(oidc, browser_like):
    answer = sign_in(browser_like(), oidc.base, SAM)
    assert answer.status_code == 403
    assert "'groups' claim (staff) holds none of rectoplan-admins" in _notice(answer)
    assert "rectoplan_session" not in answer.headers.get("set-cookie", "")
    assert _user(oidc, SAM) is None


def test_a_callback_whose_state_is_not_this_browsers_is_refused(oidc, browser_like):
    victim, attacker = browser_like(), browser_like()
    start = attacker.get(oidc.base + "/login/oidc")
    state = re.search(r"state=([^&]+)", start.headers["location"]).group(1)
    # the attacker's state (and any code) in the victim's browser: no sign-in (login CSRF)
    answer = victim.get(f"{oidc.base}/login/oidc/callback?code=abc&state={state}")
    assert answer.status_code == 403
    assert "did not start in this browser" in _notice(answer)
    assert "rectoplan_session" not in victim.cookies


def test_a_callback_works_once(oidc, browser_like):
    http = browser_like()
    done = sign_in(http, oidc.base, ANA)
    callback = next(r for r in done.history if r.url.path == "/login/oidc/callback")
    http.cookies.delete("rectoplan_session")
    again = http.get(str(callback.url))
    assert again.status_code == 403  # the pending sign-in (state, nonce, verifier) is gone


def _claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _refused_with(oidc, browser_like, rewrite) -> str:
    """Sign Ana in with the token endpoint's ID token rewritten; the refusal notice."""
    users_before = _user(oidc, ANA)
    oidc.client.adapter = TokenAnswerTamper(rewrite)
    answer = sign_in(browser_like(), oidc.base, ANA)
    assert answer.status_code == 401, answer.text[:300]
    assert "rectoplan_session" not in answer.headers.get("set-cookie", "")
    assert (_user(oidc, ANA) is None) == (users_before is None)
    return _notice(answer)


def _reminted(oidc, **changes):
    """Rewrite: the genuine ID token's claims with ``changes``, signed with the provider's
    own key (so only the changed claim can be what is refused)."""

    def rewrite(answer: dict) -> dict:
        claims = {**_claims_of(answer["id_token"]), **changes}
        return {**answer, "id_token": mint(oidc.idp.key, claims)}

    return rewrite


def test_a_reminted_id_token_with_nothing_changed_is_accepted(oidc, browser_like):
    """The control for the refusals below: the re-signing itself is not what they refuse."""
    oidc.client.adapter = TokenAnswerTamper(_reminted(oidc))
    answer = sign_in(browser_like(), oidc.base, ANA)
    assert answer.status_code == 200 and answer.url.path == "/cases"


def test_an_id_token_from_another_issuer_is_refused(oidc, browser_like):
    notice = _refused_with(oidc, browser_like, _reminted(oidc, iss="https://idp.evil.example"))
    assert f"it was not issued by {oidc.idp.issuer}" in notice


def test_an_id_token_for_another_client_is_refused(oidc, browser_like):
    notice = _refused_with(oidc, browser_like, _reminted(oidc, aud="some-other-app"))
    assert f"it is not meant for {CLIENT_ID}" in notice


def test_an_expired_id_token_is_refused(oidc, browser_like):
    now = int(time.time())
    notice = _refused_with(oidc, browser_like, _reminted(oidc, iat=now - 7200, exp=now - 3600))
    assert "it has expired" in notice


def test_a_replayed_id_token_is_refused_by_its_nonce(oidc, browser_like):
    """A genuine, unexpired token from an earlier sign-in, handed to a new one."""
    recorder = TokenAnswerTamper(lambda answer: answer)
    oidc.client.adapter = recorder
    sign_in(browser_like(), oidc.base, ANA)
    (earlier,) = recorder.seen
    notice = _refused_with(oidc, browser_like, lambda answer: {**answer, "id_token": earlier})
    assert "its nonce is not this sign-in's (a replayed token)" in notice


def test_an_id_token_signed_by_an_unknown_key_is_refused_after_one_key_refetch(oidc, browser_like):
    forger = signing_key("forged-key")

    def rewrite(answer: dict) -> dict:
        return {**answer, "id_token": mint(forger, _claims_of(answer["id_token"]))}

    fetches = oidc.client.jwks_fetches
    notice = _refused_with(oidc, browser_like, rewrite)
    assert "signed with key 'forged-key', which the provider does not publish" in notice
    assert oidc.client.jwks_fetches == fetches + 1  # looked for a rotated key once


def test_a_forged_token_under_the_providers_key_id_fails_its_signature(oidc, browser_like):
    forger = {**signing_key("forger"), "kid": oidc.idp.key["kid"]}

    def rewrite(answer: dict) -> dict:
        return {**answer, "id_token": mint(forger, _claims_of(answer["id_token"]))}

    notice = _refused_with(oidc, browser_like, rewrite)
    assert "its signature does not match the provider's key" in notice


def test_a_rotated_signing_key_is_fetched_and_accepted(oidc, browser_like):
    assert sign_in(browser_like(), oidc.base, ANA).url.path == "/cases"
    fetches = oidc.client.jwks_fetches
    new = oidc.idp.rotate_keys()
    answer = sign_in(browser_like(), oidc.base, ANA)
    assert answer.status_code == 200 and answer.url.path == "/cases"
    assert oidc.client.jwks_fetches == fetches + 1
    assert new["kid"] in oidc.client._keys and "key-1" not in oidc.client._keys


def test_an_account_deactivated_here_is_refused_although_the_provider_vouches(oidc, browser_like):
    sign_in(browser_like(), oidc.base, LI)
    engine = make_engine(oidc.database_url)
    try:
        factory = session_factory(engine)
        with transaction(factory, "admin") as db:
            user = users.get_user(db, "li.wei")
            users.update_user(db, "li.wei", expected_version=user.version, active=False)
        refused = sign_in(browser_like(), oidc.base, LI)
        assert refused.status_code == 403
        assert "Your RectoPlan account has been deactivated" in _notice(refused)
        with transaction(factory, "admin") as db:
            user = users.get_user(db, "li.wei")
            users.update_user(db, "li.wei", expected_version=user.version, active=True)
    finally:
        engine.dispose()


def test_a_code_the_provider_does_not_know_is_refused_with_its_answer(oidc, browser_like):
    http = browser_like()
    start = http.get(oidc.base + "/login/oidc")
    state = re.search(r"state=([^&]+)", start.headers["location"]).group(1)
    answer = http.get(f"{oidc.base}/login/oidc/callback?code=made-up&state={state}")
    assert answer.status_code == 401
    assert "the provider refused the sign-in code (invalid_grant" in _notice(answer)

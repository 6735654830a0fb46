"""In a real browser, against a real identity provider: a clinician signs in through the
hospital's provider (``oidc-provider`` on loopback, its own login page), lands on the case list
with the role their groups map to, and logs out of RectoPlan and of the provider.

RectoPlan runs as ``rectoplan serve`` with ``RECTOPLAN_OIDC_*`` from the environment, exactly
as a hospital would configure it; screenshots go to test-artifacts/screenshots/signin-*.png.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from browser_support import screenshot
from playwright.sync_api import expect

from oidc_support import USERS, IdentityProvider, free_port
from rectoplan.registry.db import make_engine, session_factory
from rectoplan.registry.identities import find_linked
from rectoplan.web.bootstrap import prepare
from rectoplan.web.settings import Settings

pytestmark = pytest.mark.xdist_group("browser")

SECRET = "browser-sign-in-signing-key-" + "0123456789abcdef" * 2
ANA = "f3a1c2d4-ana"


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rectoplan serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer at {url}")


@pytest.fixture(scope="module")
def hospital(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, IdentityProvider, str]]:
    """The provider and ``rectoplan serve`` configured for it from the environment (a small
    demo registry, so the case list has cases); yields RectoPlan's base URL, the provider and
    the registry's URL."""
    folder = tmp_path_factory.mktemp("browser-sign-in")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    idp = IdentityProvider(folder, base)
    idp.start()
    url = f"sqlite:///{folder / 'registry.sqlite3'}"
    env = {
        **os.environ,
        **idp.environment(),
        "RECTOPLAN_DATABASE_URL": url,
        "RECTOPLAN_SECRET_KEY": SECRET,
        "RECTOPLAN_ADMIN_PASSWORD": "browser sign-in tests only",
    }
    prepare(Settings.from_env(env), demo=30)
    log = (folder / "server.log").open("w")
    command = [sys.executable, "-m", "rectoplan", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    try:
        _wait_for(base + "/healthz", process)
        yield base, idp, url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        idp.stop()


def test_a_clinician_signs_in_through_the_provider_and_logs_out_of_both(browser, hospital):
    base, idp, url = hospital
    context = browser.new_context(base_url=base, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto("/cases")
        expect(page).to_have_url(re.compile(r"/login\?next="))
        button = page.get_by_role("link", name="Sign in with St Elsewhere NHS account")
        expect(button).to_be_visible()
        expect(page.get_by_label("Password")).to_be_hidden()  # local accounts folded away
        screenshot(page, "signin-01-rectoplan-login")

        button.click()
        expect(page).to_have_url(re.compile(re.escape(idp.issuer) + r"/interaction/"))
        page.locator('input[name="login"]').fill(ANA)
        page.locator('input[name="password"]').fill("the hospital checks this, not RectoPlan")
        screenshot(page, "signin-02-provider-login")
        page.locator('button[type="submit"]').click()

        page.wait_for_url(re.compile(re.escape(base) + r"/cases"))
        who = page.locator("header .who")
        expect(who).to_contain_text("ana.costa")
        expect(who).to_contain_text("(coordinator)")  # groups: clinicians + coordinators
        expect(page.locator("#case-table tbody tr").first).to_be_visible()
        screenshot(page, "signin-03-case-list")
        engine = make_engine(url)
        try:
            with session_factory(engine)() as db:
                user = find_linked(db, idp.issuer, ANA)
                assert (user.full_name, user.role) == (USERS[ANA]["name"], "coordinator")
        finally:
            engine.dispose()

        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile(re.escape(idp.issuer) + r"/session/end"))
        expect(page.get_by_role("heading")).to_contain_text("Do you want to sign-out")
        screenshot(page, "signin-04-provider-logout")
        page.get_by_role("button", name="Yes, sign me out").click()

        page.wait_for_url(re.compile(re.escape(base) + r"/login"))
        expect(page.get_by_role("heading", name="Log in to RectoPlan")).to_be_visible()
        screenshot(page, "signin-05-signed-out-of-both")
        page.goto("/cases")
        expect(page).to_have_url(re.compile(r"/login\?next="))  # RectoPlan's session ended
        page.get_by_role("link", name="Sign in with St Elsewhere NHS account").click()
        expect(page.locator('input[name="login"]')).to_be_visible()  # and the provider's too
        screenshot(page, "signin-06-provider-asks-again")
    finally:
        context.close()


def test_a_hospital_account_without_a_rectoplan_group_is_told_why(browser, hospital):
    base, _idp, _url = hospital
    context = browser.new_context(base_url=base, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_role("link", name="Sign in with St Elsewhere NHS account").click()
        page.locator('input[name="login"]').fill("0c11e7aa-sam")  # groups: staff only
        page.locator('input[name="password"]').fill("any")
        page.locator('button[type="submit"]').click()
        page.wait_for_url(re.compile(re.escape(base) + r"/login/oidc/callback"))
        notice = page.get_by_role("status")
        expect(notice).to_contain_text("Your hospital account has no RectoPlan role")
        expect(notice).to_contain_text("Ask your RectoPlan administrator for access.")
        screenshot(page, "signin-07-no-rectoplan-role")
        page.goto("/cases")
        expect(page).to_have_url(re.compile(r"/login\?next="))  # not signed in
        page.goto("/login/oidc/callback?state=stale&code=x")
        expect(page.get_by_role("status")).to_contain_text("did not start in this browser")
    finally:
        context.close()

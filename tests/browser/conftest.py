"""Browser fixtures: the real server (``rectoplan serve`` on a prepared demo registry) and
Debian's chromium driven by Playwright.

The server is started as ``make run`` starts it, in a subprocess on a free loopback port, so
the browser sees exactly what a user sees (cookies, redirects, htmx, static files). Playwright
never downloads a browser here: it drives the system chromium through ``executable_path``
(``RECTOPLAN_CHROMIUM`` or ``chromium`` on the PATH; `.ci/run` and `make test` install it).
Without chromium the tests skip locally and fail on CI. Screenshots of every page go to
``test-artifacts/screenshots/`` (kept by CI as artefacts).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from browser_support import PASSWORD

from rectoplan.registry import users
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.users import Role
from rectoplan.web.bootstrap import prepare
from rectoplan.web.settings import Settings

SECRET = "browser-tests-signing-key-" + "0123456789abcdef" * 2
DEMO_EPISODES = 150
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # the machine's network is closed: no phoning home
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

pytestmark = pytest.mark.xdist_group("browser")


def chromium_path() -> str | None:
    return os.environ.get("RECTOPLAN_CHROMIUM") or shutil.which("chromium")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url} within {seconds} s")


@dataclass(frozen=True)
class Server:
    """A running server: where the browser goes, and the registry behind it (so a test can
    check what a click stored)."""

    base_url: str
    database_url: str


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A running ``rectoplan serve`` over a demo registry with one user per role (admin,
    coordinator, clinician, viewer; all with ``PASSWORD``)."""
    folder = tmp_path_factory.mktemp("browser-server")
    url = f"sqlite:///{folder / 'registry.sqlite3'}"
    env = {
        **os.environ,
        "RECTOPLAN_DATABASE_URL": url,
        "RECTOPLAN_SECRET_KEY": SECRET,
        "RECTOPLAN_ADMIN_PASSWORD": PASSWORD,
    }
    settings = Settings.from_env(env)
    prepare(settings, demo=DEMO_EPISODES)
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine), "browser-setup") as session:
            for role in (Role.viewer, Role.clinician, Role.coordinator):
                users.create_user(session, role.value, role, PASSWORD)
    finally:
        engine.dispose()
    port = _free_port()
    log = (folder / "server.log").open("w")
    command = [sys.executable, "-m", "rectoplan", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield Server(base, url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        reason = "chromium is not installed (apt-get install chromium; make test does it)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser context (no cookies) with a laptop-sized window and downloads on."""
    context = browser.new_context(
        base_url=server.base_url, viewport={"width": 1440, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(20_000)
    tab = context.new_page()
    yield tab
    context.close()

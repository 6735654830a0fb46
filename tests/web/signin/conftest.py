"""Fixtures of the hospital sign-in tests: the real identity provider (`oidc_support`) and
RectoPlan served by uvicorn on loopback in this process, so the provider can reach it (its
back-channel logout posts to RectoPlan) and a test can reach into the app (the registry,
the provider client's key cache, the transport its calls to the provider take).

The folder's own conftest, so these fixtures stay with the tests that use them.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from web_support import settings_for

from oidc_support import IdentityProvider, free_port
from rectoplan.web.app import create_app
from rectoplan.web.oidc.provider import Provider


@dataclass
class Stack:
    """The provider, RectoPlan at ``base`` over the registry at ``database_url``, and the
    app's client of the provider (``client``)."""

    base: str
    database_url: str
    idp: IdentityProvider
    app: FastAPI

    @property
    def client(self) -> Provider:
        return self.app.state.oidc


class ThreadServer:
    """uvicorn serving ``app`` on ``port`` in a background thread."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="module")
def stack(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The provider and RectoPlan wired to each other (keys refetched on any unknown key id
    at once, so a rotation needs no waiting; the rate limit has its own test)."""
    folder = tmp_path_factory.mktemp("oidc")
    path = folder / "registry.sqlite3"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    idp = IdentityProvider(folder, base)
    idp.start()
    try:
        app = create_app(settings_for(url, oidc=idp.settings(jwks_min_refresh_seconds=0)))
        with ThreadServer(app, port):
            yield Stack(base, url, idp, app)
    finally:
        idp.stop()


@pytest.fixture
def oidc(stack: Stack) -> Iterator[Stack]:
    """The stack with the provider's directory as `oidc_support.USERS` and the app's calls to
    the provider untouched, whatever the previous test did."""
    from oidc_support import USERS

    stack.idp.set_users(USERS)
    stack.client.adapter = None
    yield stack
    stack.client.adapter = None


@pytest.fixture
def browser_like() -> Iterator[Callable[[], httpx.Client]]:
    """New cookie jars, one per 'browser' (closed at the end)."""
    made: list[httpx.Client] = []

    def make() -> httpx.Client:
        made.append(httpx.Client(timeout=20))
        return made[-1]

    yield make
    for client in made:
        client.close()

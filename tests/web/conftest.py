"""Web fixtures: the app on a real registry, one user per role, tokens without logging in.

Each test gets its own registry prepared the way ``rectoplan serve`` prepares one
(`web_support.prepare_registry`): a copy of a migrated SQLite file, or a PostgreSQL database
created from a migrated template. As in ``tests/registry``, PostgreSQL is the server at
``RECTOPLAN_TEST_POSTGRES_URL`` (``make test`` starts one); without it the PostgreSQL cases are
skipped, except on CI (``CI`` set), where they fail. Tokens are signed directly
(`web_support.bearer`) so that only the login tests pay for Argon2.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_support import DEMO_EPISODES, bearer, client_for, example_case, prepare_registry

from pg_support import PostgresServer
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.demo import load_demo


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-template") / "template.sqlite3"
    prepare_registry(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The prepared registry plus the demo: the example cases and a small synthetic cohort."""
    path = tmp_path_factory.mktemp("web-demo") / "demo.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with transaction(session_factory(engine), "test-setup") as session:
            load_demo(session, DEMO_EPISODES)
    finally:
        engine.dispose()
    return path


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> Iterator[str]:
    """A PostgreSQL database prepared as ``rectoplan serve`` prepares one, to copy per test."""
    name = pg_server.create()
    prepare_registry(pg_server.url_of(name))
    yield name
    pg_server.drop(name)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "registry.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A prepared registry on SQLite, then on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    server: PostgresServer = request.getfixturevalue("pg_server")
    name = server.create(template=request.getfixturevalue("pg_template"))
    request.addfinalizer(lambda: server.drop(name))
    return server.url_of(name)


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with client_for(sqlite_url) as test_client:
        yield test_client


@pytest.fixture
def any_client(any_url: str) -> Iterator[TestClient]:
    with client_for(any_url) as test_client:
        yield test_client


@pytest.fixture
def auth() -> Callable[..., dict[str, str]]:
    return bearer


@pytest.fixture
def case() -> dict:
    """A fresh copy of the seed-001 diagnosis case."""
    return example_case()


@pytest.fixture
def demo_client(demo_url: str) -> Iterator[TestClient]:
    """The app over the demo registry (the example cases and a small synthetic cohort)."""
    with client_for(demo_url) as test_client:
        yield test_client

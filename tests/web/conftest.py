"""Web fixtures: the app on a real registry, one user per role, tokens without logging in.

Each test gets its own registry prepared the way ``rectoplan serve`` prepares one
(`web_support.prepare_registry`): a copy of a migrated SQLite file, or a PostgreSQL database
created from a migrated template. As in ``tests/registry``, PostgreSQL is the server at
``RECTOPLAN_TEST_POSTGRES_URL`` (``make test`` starts one); without it the PostgreSQL cases are
skipped, except on CI (``CI`` set), where they fail. Tokens are signed directly
(`web_support.bearer`) so that only the login tests pay for Argon2.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from web_support import DEMO_EPISODES, bearer, client_for, example_case, prepare_registry

from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.demo import load_demo

PG_ENV = "RECTOPLAN_TEST_POSTGRES_URL"
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


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
def pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        reason = f"{PG_ENV} is not set, so the PostgreSQL web tests cannot run"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; on CI they must (make test starts a server)", pytrace=False)
        pytest.skip(f"{reason} (use `make test`, or export {PG_ENV}=$(scripts/test-postgres.sh))")
    return url


def _pg(admin_url: str, statement: str) -> None:
    engine = create_engine(
        make_url(admin_url).set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _pg_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> Iterator[str]:
    name = f"rpweb_{WORKER}_{uuid.uuid4().hex[:10]}"
    _pg(pg_admin_url, f"CREATE DATABASE {name}")
    prepare_registry(_pg_url(pg_admin_url, name))
    yield name
    _pg(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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
    admin_url = request.getfixturevalue("pg_admin_url")
    template = request.getfixturevalue("pg_template")
    name = f"rpweb_{WORKER}_{uuid.uuid4().hex[:10]}"
    _pg(admin_url, f"CREATE DATABASE {name} TEMPLATE {template}")
    request.addfinalizer(lambda: _pg(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    return _pg_url(admin_url, name)


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

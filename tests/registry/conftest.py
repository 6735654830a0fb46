"""Registry fixtures: every test that takes ``registry_url`` runs on SQLite and on PostgreSQL.

Each test gets a fresh database already migrated to head: a copy of a migrated SQLite file, or
a PostgreSQL database created from a migrated template (fast, and a new name per test, so two
pytest-xdist workers never share one). PostgreSQL is the server at
``RECTOPLAN_TEST_POSTGRES_URL`` (``make test`` starts one); without it the PostgreSQL cases are
skipped, except on CI (``CI`` set), where a silent skip would hide the real-server tests, so
they fail instead.
"""

from __future__ import annotations

import copy
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from pg_support import PostgresServer
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.migrate import upgrade_to_head
from rectoplan.registry.synthetic import generate_cohort

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> Iterator[str]:
    name = pg_server.create()
    upgrade_to_head(pg_server.url_of(name))
    yield name
    pg_server.drop(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry-template") / "template.sqlite3"
    upgrade_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_name(request: pytest.FixtureRequest) -> str:
    return request.param


def _fresh(request: pytest.FixtureRequest, engine_name: str, tmp_path: Path, migrated: bool) -> str:
    if engine_name == "sqlite":
        path = tmp_path / ("registry.sqlite3" if migrated else "empty.sqlite3")
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template") if migrated else None
    name = server.create(template)
    request.addfinalizer(lambda: server.drop(name))
    return server.url_of(name)


@pytest.fixture
def registry_url(request: pytest.FixtureRequest, engine_name: str, tmp_path: Path) -> str:
    """A fresh registry at the newest schema, on the engine of this parametrization."""
    return _fresh(request, engine_name, tmp_path, migrated=True)


@pytest.fixture
def empty_url(request: pytest.FixtureRequest, engine_name: str, tmp_path: Path) -> str:
    """A fresh, empty database (no schema), on the engine of this parametrization."""
    return _fresh(request, engine_name, tmp_path, migrated=False)


@pytest.fixture
def another_registry(request: pytest.FixtureRequest, engine_name: str, tmp_path: Path) -> Callable:
    """``another_registry()``: the URL of one more fresh, migrated registry on the same engine."""

    def make() -> str:
        folder = tmp_path / uuid.uuid4().hex[:8]
        folder.mkdir()
        return _fresh(request, engine_name, folder, migrated=True)

    return make


@pytest.fixture
def factory(registry_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(registry_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def write(factory: sessionmaker[Session]) -> Callable:
    """``with write() as session:`` one committed transaction by the actor ``tester``."""
    return lambda actor="tester": transaction(factory, actor)


def synthetic(n: int, seed: int = 7) -> list[dict]:
    """Records of the demo generator, with ids unique to the seed (the generator numbers every
    cohort from 0, so two cohorts would otherwise share case ids and pseudonyms)."""
    records = list(generate_cohort(n, seed=seed))
    for record in records:
        record["case"]["case_id"] = f"s{seed}-{record['case']['case_id']}"
        record["patient"]["pseudonym"] = f"S{seed}-{record['patient']['pseudonym']}"
    return records


@pytest.fixture
def cohort() -> Callable[..., list[dict]]:
    """``cohort(n, seed=7)``: synthetic import records (see `synthetic`)."""
    return synthetic


def example_case(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


@pytest.fixture
def seed_record() -> Callable[..., dict]:
    """``seed_record(stage="seed001_3_after_eftr", case_id=..., pseudonym=...)``: a record
    around one of the seed-001 example cases, with no decisions or outcomes yet."""

    def make(
        stage: str = "seed001_1_diagnosis", case_id: str = "case-1", pseudonym: str = "P-1"
    ) -> dict:
        case = copy.deepcopy(example_case(stage))
        case["case_id"] = case_id
        return {
            "patient": {"pseudonym": pseudonym, "sex": "male", "birth_year": 1969},
            "case": case,
        }

    return make

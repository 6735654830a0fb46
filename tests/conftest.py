"""Shared fixtures: the example cases as dicts (each test mutates its own copy), and the
PostgreSQL test server (`pg_server`) that the registry and web tests create databases on.

PostgreSQL is the server at ``RECTOPLAN_TEST_POSTGRES_URL`` (``make test`` starts one); without
it the PostgreSQL cases are skipped, except on CI (``CI`` set), where a silent skip would hide
the real-server tests, so they fail instead.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from pg_support import PostgresServer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cases"
PG_ENV = "RECTOPLAN_TEST_POSTGRES_URL"


def load_example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


@pytest.fixture
def seed_diagnosis() -> dict:
    return copy.deepcopy(load_example("seed001_1_diagnosis.json"))


@pytest.fixture
def seed_restaging() -> dict:
    return copy.deepcopy(load_example("seed001_2_restaging.json"))


@pytest.fixture
def seed_after_eftr() -> dict:
    return copy.deepcopy(load_example("seed001_3_after_eftr.json"))


@pytest.fixture(scope="session")
def pg_server() -> PostgresServer:
    url = os.environ.get(PG_ENV)
    if not url:
        reason = f"{PG_ENV} is not set, so the PostgreSQL registry tests cannot run"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; on CI they must (make test starts a server)", pytrace=False)
        pytest.skip(f"{reason} (use `make test`, or export {PG_ENV}=$(scripts/test-postgres.sh))")
    return PostgresServer(make_url(url))

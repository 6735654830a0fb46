"""Shared fixtures: the example cases as dicts, so each test mutates its own copy."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cases"


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

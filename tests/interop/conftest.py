"""Interop fixtures: the CDS Hooks spec examples copied from shared/fixtures (see SOURCE.md)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

CDS_HOOKS = Path(__file__).resolve().parents[1] / "data" / "cds-hooks"


@cache
def _read(name: str) -> object:
    return json.loads((CDS_HOOKS / name).read_text(encoding="utf-8"))


@pytest.fixture
def cds_example() -> Callable[[str], object]:
    """Load ``tests/data/cds-hooks/<name>`` as a fresh copy the test may change."""
    return lambda name: copy.deepcopy(_read(name))

"""Hypothesis strategies for fuzzing: an example case with a few of its values mutated.

The CLI and API fuzz tests (issue 12) feed what these make to ``rectoplan assess`` and to the
case routes. A mutation replaces a value anywhere in the case (a leaf or a whole part) by any
JSON value, numbers near the edges of floating point most of all (``5e-324``, ``1e308``, NaN:
Python's JSON reader accepts NaN and Infinity), deletes a field, or adds an unknown one. Most
mutated cases are invalid, and the interfaces must say so; some are valid but extreme, and the
engine must assess them.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "cases"
CASES = {path.stem: json.loads(path.read_text()) for path in sorted(EXAMPLES.glob("*.json"))}

FUZZ_EXAMPLES = int(os.environ.get("RECTOPLAN_FUZZ_EXAMPLES", "40"))
"""Mutated cases per fuzz test: small for ``make test``; raise it to search longer."""

EDGE_NUMBERS = (0, -0.0, 5e-324, -5e-324, 1e-300, 0.1, 1, 2, 59.99, 60, 1e6, 1e308, -1e308)
edge_numbers = st.sampled_from(EDGE_NUMBERS) | st.floats() | st.integers(-(10**20), 10**20)
leaves = st.none() | st.booleans() | edge_numbers | st.text(max_size=12)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)

Path_ = tuple[str | int, ...]


def paths(value: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every place in ``value`` a mutation can touch (the root excluded)."""
    found: list[Path_] = []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in items:
        found.append((*prefix, key))
        found += paths(child, (*prefix, key))
    return found


def _parent(case: Any, path: Path_) -> Any:
    for key in path[:-1]:
        case = case[key]
    return case


@st.composite
def mutated_cases(draw, names: tuple[str, ...] | None = None) -> tuple[str, dict]:
    """(what was done, the mutated case) from one of the example cases."""
    name = draw(st.sampled_from(names or tuple(CASES)))
    case = copy.deepcopy(CASES[name])
    done = [name]
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(case)))
        parent, key = _parent(case, where), where[-1]
        old = parent[key]
        action = draw(st.sampled_from(("replace", "number", "delete", "add")))
        if action == "number" or (action == "replace" and isinstance(old, int | float)):
            parent[key] = draw(edge_numbers)
        elif action == "replace":
            parent[key] = draw(json_values)
        elif action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif isinstance(old, dict):
            old[draw(st.text(min_size=1, max_size=8))] = draw(json_values)
        else:
            parent[key] = draw(json_values)
        done.append(f"{action} {'.'.join(map(str, where))}")
        if not paths(case):
            break
    return "; ".join(done), case


def dumps(case: dict) -> str:
    """As a file or a request body holds it: NaN and Infinity written as Python writes them."""
    return json.dumps(case, allow_nan=True)

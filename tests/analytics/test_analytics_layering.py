"""One-way imports in `rectoplan.analytics`: the figure module imports none of the modules
that call it, at run time or lazily inside a function (type-only imports are allowed)."""

from __future__ import annotations

import ast
from pathlib import Path

import rectoplan.analytics

PACKAGE = Path(rectoplan.analytics.__file__).parent
CALLERS = {"benchmarks", "concordance", "survival", "proportions"}


def _runtime_imports(tree: ast.Module) -> set[str]:
    """Modules imported outside ``if TYPE_CHECKING:`` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_plots_imports_none_of_its_callers():
    imported = _runtime_imports(ast.parse((PACKAGE / "plots.py").read_text()))
    callers = {f"rectoplan.analytics.{name}" for name in CALLERS}
    assert "rectoplan.analytics.verdicts" in imported  # the walk sees the real imports
    assert not imported & callers, imported & callers

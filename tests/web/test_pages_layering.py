"""One write path (issue 11): the pages call the registry's service layer, never the API.

A page that called an API route function, or reached into the ORM models or the locking
helpers itself, would own a second copy of a rule the API route applies (or skip it), and the
two interfaces could drift apart. This scans the source of every module under
``rectoplan/web/pages/`` for such imports. An import inside ``if TYPE_CHECKING:`` is allowed:
it names an ORM class in an annotation and runs nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rectoplan.web.pages

PAGES = Path(rectoplan.web.pages.__file__).parent
FORBIDDEN = ("rectoplan.web.routes", "rectoplan.registry.models", "rectoplan.registry.locking")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """``(line, dotted name)`` of every module (and ``from`` member) imported outside an
    ``if TYPE_CHECKING:`` block."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def forbidden_imports(source: str) -> list[str]:
    """``"line N: name"`` for each import of the API routes, the ORM models or the locking
    helpers (also spelled ``from rectoplan.web import routes``)."""
    return [
        f"line {line}: {name}"
        for line, name in _runtime_imports(ast.parse(source))
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    ]


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("from rectoplan.web.routes.cases import case_out", True),
        ("from rectoplan.web import routes", True),
        ("from rectoplan.web.routes import users as user_routes", True),
        ("import rectoplan.registry.models", True),
        ("from rectoplan.registry import agenda, locking", True),
        ("def f():\n    from rectoplan.registry import models\n", True),
        ("if TYPE_CHECKING:\n    from rectoplan.registry import models\n", False),
        ("from rectoplan.registry import episodes, meetings", False),
        ("from rectoplan.web.routes_helper import x", False),
    ],
)
def test_the_scan_tells_a_forbidden_import_from_an_allowed_one(source: str, caught: bool) -> None:
    assert bool(forbidden_imports(source)) is caught


def test_no_page_imports_the_api_routes_the_models_or_locking() -> None:
    modules = sorted(PAGES.glob("*.py"))
    assert len(modules) >= 15  # the scan sees the pages package, not an empty folder
    offending = {
        path.name: hits
        for path in modules
        if (hits := forbidden_imports(path.read_text(encoding="utf-8")))
    }
    assert offending == {}

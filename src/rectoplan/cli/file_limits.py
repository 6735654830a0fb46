"""The limits of `rectoplan.limits` for the files the CLI reads: refused before reading.

A case file or a FHIR bundle is held to the web app's request-body limit and a bundle to its
entry limit, so a file the API would refuse is refused here too; a registry import file has
its own, far higher limit (it is a whole registry, not one request). Each refusal is an
`FieldError` (exit 2) naming the argument, the limit and the variable that raises it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rectoplan.errors import FieldError
from rectoplan.limits import Limits


def current() -> Limits:
    """The limits from the environment; a bad ``RECTOPLAN_MAX_*`` value is an `FieldError`."""
    try:
        return Limits.from_env()
    except ValueError as exc:
        variable, _, message = str(exc).partition(": ")
        raise FieldError(variable, message) from None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None  # the caller's read reports a missing or unreadable file


def check_file(path: Path, field: str) -> None:
    """Refuse a case or bundle file larger than the request-body limit."""
    size = _size(path)
    why = None if size is None else current().body_too_large(size, str(path))
    if why:
        raise FieldError(field, why)


def check_import_file(path: Path, field: str) -> None:
    """Refuse a registry import file larger than the import limit."""
    size = _size(path)
    why = None if size is None else current().import_file_too_large(size, str(path))
    if why:
        raise FieldError(field, why)


def check_entries(bundle: Any, field: str) -> None:
    """Refuse a parsed FHIR Bundle with more entries than the limit."""
    why = current().too_many_entries(bundle)
    if why:
        raise FieldError(field, why)

"""How the command line reports failures: one line per problem, and an exit code to act on.

Every command runs inside `guarded`, so a user never sees a traceback:

==== ========================================================================================
exit meaning
==== ========================================================================================
0    done
2    bad input: every `rectoplan.errors.FieldError` on its own line, naming the field (the
     option, or the field path in a file with its row and file) and the rule it broke
3    the database or the disk failed (`rectoplan.errors.InfrastructureError`, a database that
     cannot be reached, a full or read-only disk); the message says what was not changed
4    the write collided with another writer's (`rectoplan.errors.ConflictError`): nothing
     was changed; run it again
1    a bug in RectoPlan: nothing a user types or feeds should give it (set
     ``RECTOPLAN_DEBUG=1`` to see the traceback while developing)
==== ========================================================================================

This is the command line's one translation of errors; commands raise `FieldError` (or let the
layers below raise it) and never pick an exit code themselves.
"""

from __future__ import annotations

import errno
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from rectoplan.errors import (
    ConflictError,
    FieldError,
    InfrastructureError,
    InvalidRecordError,
    field_errors,
)

T = TypeVar("T")

EXIT_INPUT = 2
EXIT_INFRASTRUCTURE = 3
EXIT_CONFLICT = 4
EXIT_INTERNAL = 1

MAX_ERRORS_SHOWN = 50
"""Problems listed one per line before the rest are counted."""

_DISK_ERRORS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO})
"""Operating-system errors that mean the machine, not the input, failed."""

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(lines: list[str], code: int = EXIT_INPUT) -> None:
    """Print each line as an error and exit with ``code``."""
    for line in lines:
        err_console.print(f"[bold red]error[/]: {escape(line)}", markup=True)
    raise typer.Exit(code)


def problem_lines(exc: InvalidRecordError) -> list[str]:
    """The problems of ``exc``, one line each, at most `MAX_ERRORS_SHOWN`."""
    lines = [str(error) for error in exc.errors[:MAX_ERRORS_SHOWN]]
    if exc.total > len(lines):
        lines.append(f"... and {exc.total - len(lines)} more problems")
    return lines


def _database_failure(exc: Exception) -> bool:
    try:
        from sqlalchemy.exc import InterfaceError, OperationalError
    except ImportError:  # pragma: no cover - sqlalchemy is a dependency
        return False
    return isinstance(exc, OperationalError | InterfaceError)


def _infrastructure(exc: Exception) -> str | None:
    """What failed, when ``exc`` is the machine's fault rather than the input's."""
    if isinstance(exc, InfrastructureError):
        return str(exc)
    if _database_failure(exc):
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        return f"the database failed: {reason[0] if reason else type(exc).__name__}"
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRORS:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"the disk failed{where}: {exc.strerror or exc}"
    return None


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line in words, without the source file and line Python would add."""
    err_console.print(f"[yellow]warning[/]: {escape(str(message))}", markup=True)


@contextmanager
def guarded(unchanged: str | None = None) -> Iterator[None]:
    """Bad input exits 2 naming the field, a failed database or disk exits 3, anything else
    (a bug) exits 1 with one line. ``unchanged`` is what an infrastructure failure left as it
    was ("nothing was imported"), the last line of every failure's message."""
    after = [unchanged] if unchanged else []
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            yield
    except typer.Exit:
        raise
    except ValidationError as exc:
        fail([*problem_lines(InvalidRecordError(field_errors(exc))), *after])
    except InvalidRecordError as exc:
        fail([*problem_lines(exc), *after])
    except RecursionError:
        fail(["the input is nested too deeply to be read", *after])
    except ConflictError as exc:
        fail([str(exc), *after], code=EXIT_CONFLICT)
    except Exception as exc:  # last line of defence: no traceback reaches a user
        failure = _infrastructure(exc)
        if failure is not None:
            fail([failure, *after], code=EXIT_INFRASTRUCTURE)
        if os.environ.get("RECTOPLAN_DEBUG"):
            raise
        fail([f"internal error ({type(exc).__name__}): {exc}"], code=EXIT_INTERNAL)


def parse_number_list(text: str, field: str) -> list[float]:
    """``'0,1,2.5'`` -> ``[0.0, 1.0, 2.5]``; anything that is not a finite number is a
    `FieldError` naming ``field``."""
    values = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = float(part)
        except ValueError:
            raise FieldError(field, f"{part!r} is not a number") from None
        if not math.isfinite(value):
            raise FieldError(field, f"{part!r} is not a finite number")
        values.append(value)
    if not values:
        raise FieldError(field, "give at least one number, comma-separated")
    return values


def guard(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator form of `guarded` for Typer commands."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with guarded():
            return fn(*args, **kwargs)

    return wrapper


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()

"""How the command line reports bad input: one line per problem, the field named, exit code 2.

Every command runs inside `guarded`, so a user never sees a traceback: input errors exit 2 with
the field path and the rule it broke; anything unexpected exits 1 with a one-line message (set
``RECTOPLAN_DEBUG=1`` to see the traceback while developing).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

T = TypeVar("T")

EXIT_INPUT = 2
EXIT_INTERNAL = 1

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class InputError(ValueError):
    """Bad input from the user; ``field`` names where, the message names the rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _loc(loc: tuple) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(root)"


def validation_messages(exc: ValidationError) -> list[str]:
    """Pydantic errors as ``field.path: message`` lines, without pydantic's URLs."""
    lines = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "inconsistent":  # cross-field rules name their own field path
            lines.append(message)
        else:
            lines.append(f"{_loc(error['loc'])}: {message}")
    return lines


def fail(lines: list[str], code: int = EXIT_INPUT) -> None:
    """Print each line as an error and exit with ``code``."""
    for line in lines:
        err_console.print(f"[bold red]error[/]: {line}", markup=True)
    raise typer.Exit(code)


@contextmanager
def guarded() -> Iterator[None]:
    """Turn input errors into exit 2 and anything else into a one-line exit 1."""
    try:
        yield
    except typer.Exit:
        raise
    except ValidationError as exc:
        fail(validation_messages(exc))
    except InputError as exc:
        fail([str(exc)])
    except Exception as exc:  # last line of defence: no traceback reaches a user
        if os.environ.get("RECTOPLAN_DEBUG"):
            raise
        fail([f"internal error ({type(exc).__name__}): {exc}"], code=EXIT_INTERNAL)


def parse_number_list(text: str, field: str) -> list[float]:
    """``'0,1,2.5'`` -> ``[0.0, 1.0, 2.5]``; anything that is not a number is an `InputError`."""
    values = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            values.append(float(part))
        except ValueError:
            raise InputError(field, f"{part!r} is not a number") from None
    if not values:
        raise InputError(field, "give at least one number, comma-separated")
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

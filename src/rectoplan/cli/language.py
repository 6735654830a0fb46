"""``--lang`` / ``RECTOPLAN_LANG``: the language of a command's output.

The root command and the commands that print clinical text (assess, evidence, demo) take the
option, so ``rectoplan --lang zh-CN assess CASE`` and ``rectoplan assess CASE --lang zh-CN``
both work. The root callback runs first on every invocation and sets the language from the
option, the environment or English, so one run never inherits the previous run's language (the
test runner invokes the app many times in one process).
"""

from __future__ import annotations

import typer

from rectoplan.i18n import SUPPORTED_LOCALES, normalize
from rectoplan.i18n.context import set_locale

_SPELLINGS = ", ".join(tag.replace("_", "-") for tag in SUPPORTED_LOCALES)


def _check(value: str | None) -> None:
    if value is not None and normalize(value) is None:
        raise typer.BadParameter(f"{value!r} is not a supported language: use one of {_SPELLINGS}")


def choose_language(value: str | None) -> str | None:
    """Root callback: the run's language from the option or environment, else English."""
    _check(value)
    set_locale(value)
    return value


def override_language(value: str | None) -> str | None:
    """Command callback: a ``--lang`` given after the command overrides the root's choice."""
    _check(value)
    if value is not None:
        set_locale(value)
    return value


def lang_option(root: bool = False) -> str | None:
    """A fresh ``--lang`` option (Typer wants one instance per parameter)."""
    return typer.Option(
        None,
        "--lang",
        envvar="RECTOPLAN_LANG",
        callback=choose_language if root else override_language,
        help=f"Language of the output: {_SPELLINGS} (default en; env RECTOPLAN_LANG).",
        show_default=False,
    )

"""The locale of the work in hand, as a context variable.

A web request, a CLI command or a test sets it with ``use_locale``; everything called inside
(the engine, the pages, the PDF) reads it through ``current_locale`` or the gettext functions.
A context variable rather than a global so that concurrent requests never see each other's
language.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from rectoplan.i18n.locales import DEFAULT_LOCALE, normalize

_LOCALE: ContextVar[str] = ContextVar("rectoplan_locale", default=DEFAULT_LOCALE)


def current_locale() -> str:
    """The locale texts are produced in now (``en`` unless a caller chose another)."""
    return _LOCALE.get()


def set_locale(tag: str | None) -> str:
    """Make ``tag`` (any spelling ``normalize`` accepts) the current locale; unknown -> ``en``.

    For a whole process (the CLI) or a request handled in its own context; a block of code
    uses ``use_locale`` instead so the previous locale comes back.
    """
    locale = normalize(tag) or DEFAULT_LOCALE
    _LOCALE.set(locale)
    return locale


@contextmanager
def use_locale(tag: str | None) -> Iterator[str]:
    """Produce texts in ``tag``'s locale inside the block, then restore the previous one."""
    token = _LOCALE.set(normalize(tag) or DEFAULT_LOCALE)
    try:
        yield _LOCALE.get()
    finally:
        _LOCALE.reset(token)

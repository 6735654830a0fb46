"""``_``, ``ngettext`` and their lazy and marker forms, bound to the current locale.

Interpolated values use named placeholders so a translator can move them:
``_("circumferential extent {percent}%").format(percent=40)``. Texts declared at import time
(option titles) are marked with ``N_`` for extraction and translated where they are shown,
``_(option.title)``; ``lazy_gettext`` gives an object that translates each time it is printed
(for help texts built before the locale is known).
"""

from __future__ import annotations

from babel.support import LazyProxy

from rectoplan.i18n.catalogues import translations
from rectoplan.i18n.context import _LOCALE, current_locale

_CATALOGS: dict[str, dict] = {}
"""Locale -> its catalogue's message dictionary, filled on first use: the engine looks up
hundreds of texts per assessment, so a plain dict lookup is the whole cost of a translation."""


def _catalog(locale: str) -> dict:
    found = _CATALOGS.get(locale)
    if found is None:
        found = _CATALOGS[locale] = getattr(translations(locale), "_catalog", {})
    return found


def gettext(message: str) -> str:
    """``message`` in the current locale (itself when untranslated or in English).

    The same answer as ``GNUTranslations.gettext`` (a missing or empty translation gives the
    message id), read straight from the catalogue's dictionary.
    """
    catalog = _CATALOGS.get(_LOCALE.get())
    if catalog is None:
        catalog = _catalog(current_locale())
    return catalog.get(message) or message


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the current locale (Chinese has one form)."""
    return translations(current_locale()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (translated where shown)."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark ``message`` with its ``context`` for extraction; translated where shown with
    ``pgettext(context, message)``."""
    return message


def lazy_gettext(message: str) -> LazyProxy:
    """``message`` translated each time it is used as a string, in the locale of that moment."""
    return LazyProxy(gettext, message, enable_cache=False)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current locale, told apart from the same English text elsewhere."""
    return _catalog(current_locale()).get(f"{context}\x04{message}") or message


def join_items(items) -> str:
    """A list inside a sentence: ``a, b`` in English, ``a、b`` in Chinese."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


def join_clauses(items) -> str:
    """Clauses of one sentence: ``a; b`` in English, ``a；b`` in Chinese."""
    return pgettext("clause separator", "; ").join(str(item) for item in items)

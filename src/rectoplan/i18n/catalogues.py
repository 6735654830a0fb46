"""The compiled catalogues (``.mo``) shipped inside the package, loaded once per locale.

Both ``messages.po`` (what translators edit) and ``messages.mo`` (what is loaded) are committed,
so a clean clone installed with ``pip install -e .`` finds them without a build step; a test
checks that every ``.mo`` holds exactly its ``.po``'s messages, and ``python -m
rectoplan.i18n.compile`` rewrites the ``.mo`` files after an edit.
"""

from __future__ import annotations

from functools import cache
from gettext import NullTranslations
from pathlib import Path

from babel.support import Translations

from rectoplan.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


@cache
def translations(locale: str) -> NullTranslations:
    """The locale's translations; English (the message ids) needs none."""
    if locale == DEFAULT_LOCALE or locale not in SUPPORTED_LOCALES:
        return NullTranslations()
    with mo_path(locale).open("rb") as fp:
        return Translations(fp, domain=DOMAIN)

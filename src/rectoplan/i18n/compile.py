"""``python -m rectoplan.i18n.compile``: write every locale's ``.mo`` from its ``.po``.

Run after editing a catalogue; the test suite fails while a ``.mo`` disagrees with its ``.po``.
"""

from __future__ import annotations

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from rectoplan.i18n.catalogues import mo_path, po_path
from rectoplan.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES


def compile_catalogues() -> list[str]:
    """Compile each non-English catalogue; return the locales written."""
    written = []
    for locale in SUPPORTED_LOCALES:
        if locale == DEFAULT_LOCALE:
            continue
        with po_path(locale).open("rb") as fp:
            catalog = read_po(fp, locale=locale)
        with mo_path(locale).open("wb") as fp:
            write_mo(fp, catalog, use_fuzzy=False)
        written.append(locale)
    return written


if __name__ == "__main__":
    for name in compile_catalogues():
        print(f"compiled {mo_path(name)}")

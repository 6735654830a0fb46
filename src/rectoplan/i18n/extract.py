"""``python -m rectoplan.i18n.extract``: collect every marked message into ``messages.pot`` and
merge it into each locale's ``messages.po`` (new messages arrive untranslated, old ones go).

One implementation serves the command and the test that fails while the committed ``.pot`` is
out of date with the code. What is extracted (Python under ``src/rectoplan``, Jinja2 templates)
is also written down in ``babel.cfg`` for ``pybabel``; the keywords below are the ones ``_``,
``ngettext``, ``pgettext``, ``N_``, ``NP_`` and ``lazy_gettext`` are called by.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from rectoplan.i18n.catalogues import DOMAIN, LOCALE_DIR, po_path
from rectoplan.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES

PACKAGE_DIR = Path(__file__).resolve().parents[1]
POT_PATH = LOCALE_DIR / f"{DOMAIN}.pot"

METHOD_MAP = [
    ("**.py", "python"),
    ("web/templates/**.html", "jinja2.ext:babel_extract"),
]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "NP_": ((1, "c"), 2), "lazy_gettext": None}
OPTIONS = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extract_catalog() -> Catalog:
    """Every message marked in the package, with where it is used (paths relative to src)."""
    catalog = Catalog(project="RectoPlan", domain=DOMAIN, charset="utf-8")
    found = extract_from_dir(
        PACKAGE_DIR, METHOD_MAP, OPTIONS, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    )
    for filename, lineno, message, comments, context in found:
        location = (f"rectoplan/{Path(filename).as_posix()}", lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def write_template(catalog: Catalog, path: Path = POT_PATH) -> None:
    with path.open("wb") as fp:
        write_po(fp, catalog, width=100, sort_output=True, omit_header=False)


def update_catalogues(template: Catalog) -> None:
    """Merge the template into each translated catalogue, keeping existing translations.

    No fuzzy matching: a guessed translation of a changed message is worse than an empty one
    that the completeness test reports.
    """
    for locale in SUPPORTED_LOCALES:
        if locale == DEFAULT_LOCALE:
            continue
        path = po_path(locale)
        if path.exists():
            with path.open("rb") as fp:
                catalog = read_po(fp, locale=locale)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=locale, project="RectoPlan", domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as fp:
            write_po(fp, catalog, width=100, sort_output=True, ignore_obsolete=True)


if __name__ == "__main__":
    template = extract_catalog()
    write_template(template)
    update_catalogues(template)
    print(f"{len(template)} messages -> {POT_PATH}")

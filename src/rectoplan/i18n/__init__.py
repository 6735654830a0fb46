"""Translations: the locale of the work in hand, its gettext, and locale-aware dates and numbers.

Every displayed string goes through ``_()`` (or ``ngettext``); the English text is the message
id, and a catalogue per locale (``locale/<lang>/LC_MESSAGES/messages.po``, compiled to ``.mo``)
gives the other languages. The locale is a context variable, so one web request, one CLI run or
one ``use_locale`` block sees its own language without passing it through every function.

    from rectoplan.i18n import _, use_locale
    with use_locale("zh_CN"):
        _("Tumour height")          # -> "肿瘤高度"

The package sits at the bottom of the import order beside ``errors`` and ``evidence``: the
engine (``pathways``) marks its texts with it, and ``web`` and ``cli`` choose the locale.
"""

from rectoplan.i18n.context import current_locale, use_locale
from rectoplan.i18n.formatting import (
    format_date,
    format_number,
    parse_date,
    parse_number,
    roman,
)
from rectoplan.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES, negotiate, normalize
from rectoplan.i18n.messages import (
    N_,
    NP_,
    _,
    gettext,
    join_clauses,
    join_items,
    lazy_gettext,
    ngettext,
    pgettext,
)

__all__ = [
    "DEFAULT_LOCALE",
    "NP_",
    "N_",
    "SUPPORTED_LOCALES",
    "_",
    "current_locale",
    "format_date",
    "format_number",
    "gettext",
    "join_clauses",
    "join_items",
    "lazy_gettext",
    "negotiate",
    "ngettext",
    "normalize",
    "parse_date",
    "parse_number",
    "pgettext",
    "roman",
    "use_locale",
]

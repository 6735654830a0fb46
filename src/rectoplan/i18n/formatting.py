"""Dates and numbers shown in the locale's form, and read back from either form.

Display follows the locale (``2024-03-05`` in English, ``2024年3月5日`` in Chinese); input
accepts both forms (and full-width digits), so a date typed either way is read the same.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from babel.dates import format_date as _babel_format_date
from babel.numbers import NumberFormatError
from babel.numbers import format_decimal as _babel_format_decimal
from babel.numbers import parse_decimal as _babel_parse_decimal

from rectoplan.i18n.context import current_locale
from rectoplan.i18n.locales import babel_locale

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－／", "0123456789.,-/")
_CHINESE_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*$")
_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


_DEFAULT_DATE_FORMAT = {"en": "yyyy-MM-dd", "zh_CN": "long"}
"""English keeps the ISO form the engine always printed (an international MDT reads 03/05 two
ways); Chinese uses its own long form, ``2024年3月5日``, which has only one reading."""


def format_date(value: dt.date, format: str | None = None, locale: str | None = None) -> str:
    """``value`` in the locale's default form, or Babel's ``short``/``medium``/``long``/pattern."""
    name = locale or current_locale()
    pattern = format or _DEFAULT_DATE_FORMAT.get(name, "medium")
    return _babel_format_date(value, format=pattern, locale=babel_locale(name))


def format_number(value: float | int | Decimal, locale: str | None = None) -> str:
    """``value`` with the locale's decimal sign and grouping."""
    return _babel_format_decimal(value, locale=babel_locale(locale or current_locale()))


def parse_date(text: str) -> dt.date:
    """A date typed as ISO (``2024-03-05``, ``2024/3/5``, ``2024.3.5``) or in Chinese
    (``2024年3月5日``, full-width digits too); ValueError naming the text otherwise.

    Year-first forms only: day-first and month-first short forms (``05/03/2024``) read
    differently in different countries, and a wrong date in a record is worse than a refusal.
    """
    cleaned = text.strip().translate(_FULL_WIDTH)
    match = _CHINESE_DATE.match(cleaned) or _YEAR_FIRST.match(cleaned)
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ValueError(f"not a date: {text!r}")


def parse_number(text: str, locale: str | None = None) -> Decimal:
    """A number typed with the locale's signs, with ``.`` as decimal sign, or in full-width
    digits; ValueError (naming the text) when it is not a number."""
    cleaned = text.strip().translate(_FULL_WIDTH)
    try:
        return Decimal(cleaned)
    except ArithmeticError:
        pass
    try:
        return _babel_parse_decimal(cleaned, locale=babel_locale(locale or current_locale()))
    except NumberFormatError as exc:
        raise ValueError(f"not a number: {text!r}") from exc


_ROMAN = re.compile(r"^(IV|III|II|I)(?![IVX])")
_ROMAN_CHARACTERS = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ"}


def roman(code: str, locale: str | None = None) -> str:
    """A stage group or type code for reading: ``IIIB`` stays ASCII in English and in data, and
    is written ``ⅢB`` in Chinese, as the Chinese guidelines print it (glossary rule 5)."""
    if (locale or current_locale()) != "zh_CN":
        return code
    return _ROMAN.sub(lambda m: _ROMAN_CHARACTERS[m.group(1)], code)

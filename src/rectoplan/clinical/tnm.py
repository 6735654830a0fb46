"""TNM category vocabularies (AJCC 8, colon and rectum) and the parser for written categories.

Users write categories the way reports do: ``T3``, ``cT3``, ``ypT3``, ``N1a``, ``pN2b``, ``M1c``.
`parse_category` splits the prefix from the category so that the stage table only ever sees the
bare category, while the prefix (c, p, yc, yp, r, a) is kept for the record.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum

from rectoplan.errors import FieldError


class TCategory(StrEnum):
    TX = "TX"
    T0 = "T0"
    Tis = "Tis"
    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4a = "T4a"
    T4b = "T4b"


class NCategory(StrEnum):
    NX = "NX"
    N0 = "N0"
    N1 = "N1"
    N1a = "N1a"
    N1b = "N1b"
    N1c = "N1c"
    N2 = "N2"
    N2a = "N2a"
    N2b = "N2b"


class MCategory(StrEnum):
    M0 = "M0"
    M1 = "M1"
    M1a = "M1a"
    M1b = "M1b"
    M1c = "M1c"


class Prefix(StrEnum):
    """Classification prefix: clinical, pathological, post-therapy, recurrence, autopsy."""

    c = "c"
    p = "p"
    yc = "yc"
    yp = "yp"
    r = "r"
    a = "a"


_PATTERN = re.compile(r"^\s*(?P<prefix>yc|yp|c|p|r|a)?(?P<axis>[TNM])(?P<value>[0-9a-zA-Z]+)\s*$")
_BY_AXIS: dict[str, type[StrEnum]] = {"T": TCategory, "N": NCategory, "M": MCategory}


@functools.lru_cache(maxsize=1024)
def parse_category(text: str, axis: str) -> tuple[Prefix | None, StrEnum]:
    """Split ``'ypT3'`` into ``(Prefix.yp, TCategory.T3)``; ``axis`` is ``'T'``, ``'N'`` or ``'M'``.

    Case is forgiven in the value (``t4A`` -> ``T4a``, ``TIS`` -> ``Tis``) because reports vary;
    anything else that is not an AJCC 8 category raises a `FieldError` (field: the axis)
    naming what was expected. Cached (the answer is immutable, and few distinct texts exist):
    every assessment stages the case several times, and a registry import assesses each case
    up to three times.
    """
    enum = _BY_AXIS[axis]
    match = _PATTERN.match(str(text))
    if match and match["axis"] == axis:
        wanted = f"{axis}{match['value']}".lower()
        for member in enum:
            if member.value.lower() == wanted:
                prefix = Prefix(match["prefix"]) if match["prefix"] else None
                return prefix, member
    allowed = ", ".join(m.value for m in enum)
    raise FieldError(axis, f"{text!r} is not an AJCC 8 {axis} category (expected one of {allowed})")

"""What of the interface's own English is still on a page, a PDF or a CLI report shown in Chinese.

Issue 17's browser test: "no English words from a list of the interface's own English strings
appear". The list is the catalogue itself: every message id whose Chinese translation differs
from it (so ``CAPOX``, ``TME`` or ``mm``, kept in the original by glossary rule 3, are not on it),
cut at its placeholders into the literal pieces a reader would see. A piece counts when it holds a
word of three letters or more that is not an abbreviation in capitals.

Text the interface does not own is left out of the check, as the HTML standard marks it: any
element with ``translate="no"`` (what a user typed, codes, ids) or with a ``lang`` other than
Chinese (citations, trial names: ``<cite lang="en">``).
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from rectoplan.i18n.catalogues import po_path

_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([^)]*\)[sdifr]|%[sdif]")
_WORD = re.compile(r"[A-Za-z][a-z]{2,}")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
_SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


@cache
def interface_english(locale: str = "zh_CN") -> tuple[str, ...]:
    """The literal English pieces of every message the ``locale`` catalogue translates."""
    with po_path(locale).open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    pieces: set[str] = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, translated in zip(ids, strings, strict=False):
            if english == translated:
                continue
            for piece in _PLACEHOLDER.split(english):
                piece = piece.strip(" .,:;()·—–-/")
                if _WORD.search(piece):
                    pieces.add(piece)
    # longest first, so a report names "Baseline MRI date" rather than each of its words
    return tuple(sorted(pieces, key=len, reverse=True))


class _VisibleText(HTMLParser):
    """The text a reader sees (and the attributes a screen reader reads), minus the parts the
    interface does not own (``translate="no"``, a non-Chinese ``lang``, scripts and styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        lang = values.get("lang", "")
        skip = (
            self._skipping()
            or tag in ("script", "style")
            or values.get("translate") == "no"
            or (tag != "html" and lang != "" and not lang.lower().startswith("zh"))
        )
        if not skip:
            self.parts.extend(values[a] for a in _SHOWN_ATTRIBUTES if values.get(a))
            if tag == "input" and values.get("type") in ("submit", "button"):
                self.parts.append(values.get("value", ""))
        if tag not in _VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def english_left(text: str, locale: str = "zh_CN") -> list[str]:
    """The interface's English pieces found in ``text`` (already visible text, e.g. a PDF's or a
    CLI's output), as whole words; each text position is reported once, by its longest piece."""
    found: list[str] = []
    remaining = text
    for piece in interface_english(locale):
        pattern = re.compile(rf"(?<![A-Za-z]){re.escape(piece)}(?![A-Za-z])")
        if pattern.search(remaining):
            found.append(piece)
            remaining = pattern.sub(" ", remaining)
    return found


def english_left_in_page(html: str, locale: str = "zh_CN") -> list[str]:
    """`english_left` of what a reader sees of an HTML page."""
    return english_left(visible_text(html), locale)


KEPT_IN_ORIGINAL = frozenset(
    [
        "RectoPlan",
        "Clavien",
        "Dindo",
        "Rullier",
        "Mandard",
        "Dworak",
        "Royal",
        "Marsden",
        "MSKCC",
        "Leeds",
        "Mayo",
        "ECOG",
        "CAPOX",
        "FOLFOX",
        "mFOLFIRINOX",
        "FOLFOXIRI",
        "capecitabine",
        "dostarlimab",
        "RAPIDO",
        "OPRA",
        "PRODIGE",
        "PROSPECT",
        "GRECCAR",
        "CARTS",
        "TESAR",
        "ACOSOG",
        "MERCURY",
        "Gy",
        "mL",
        "min",
        "HL7",
        "FHIR",
        "Keycloak",
        "OpenID",
        "Connect",
        "Noto",
        "Sans",
        "CJK",
    ]
)
"""Words glossary rule 3 keeps in their original language (eponyms, trial, drug and regimen
names, units, product names); a Chinese page may show them."""


def latin_words(text: str) -> set[str]:
    """Words in Latin letters left in ``text`` (visible text), other than abbreviations in
    capitals (TME, cCR, ypT3), units and the names glossary rule 3 keeps: on a page shown in
    Chinese these are untranslated interface text, whether or not it was ever marked."""
    words = set(re.findall(r"(?<![A-Za-z0-9_])[A-Za-z][a-z]{2,}(?![A-Za-z0-9_])", text))
    return {w for w in words if w not in KEPT_IN_ORIGINAL}


def latin_words_in_page(html: str) -> set[str]:
    """`latin_words` of what a reader sees of an HTML page."""
    return latin_words(visible_text(html))

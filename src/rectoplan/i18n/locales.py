"""Which languages RectoPlan speaks, and how a request's wish is matched to one of them.

A third language is one more catalogue directory plus one entry here. Locale names follow
gettext/Babel (``zh_CN``); the web and the CLI also accept the BCP 47 spelling (``zh-CN``).
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale

DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "zh_CN")
"""English (the message ids themselves) and Simplified Chinese."""

LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}
"""Each language named in itself, for a language switch."""

_ALIASES = {"zh": "zh_CN", "zh_hans": "zh_CN", "zh_hans_cn": "zh_CN", "zh_sg": "zh_CN"}
"""Spellings a browser or a user sends for Simplified Chinese; Babel's negotiation does not
map a bare ``zh`` to ``zh_CN`` by itself."""


def normalize(tag: str | None) -> str | None:
    """The supported locale ``tag`` names (``zh-CN``, ``zh_cn``, ``zh``, ``en-GB``), or None.

    A regional English falls back to ``en``; Traditional Chinese (``zh-TW``, ``zh-Hant``) is
    not Simplified Chinese and gets None, so negotiation moves on to the next choice.
    """
    if not tag:
        return None
    key = tag.strip().replace("-", "_").lower()
    key = _ALIASES.get(key, key).lower()
    for supported in SUPPORTED_LOCALES:
        if key == supported.lower():
            return supported
    language = key.split("_")[0]
    if language == "zh":
        return None
    return next((s for s in SUPPORTED_LOCALES if s.split("_")[0] == language), None)


def parse_accept_language(header: str | None) -> list[str]:
    """The tags of an Accept-Language header, best first (``q`` weights, ``q=0`` dropped)."""
    if not header:
        return []
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(header: str | None) -> str:
    """The supported locale an Accept-Language header prefers most; English if none fits.

    Babel's ``negotiate_locale`` matches exact tags and language-only aliases; a bare ``zh``
    or ``zh-Hans`` (what many browsers send) is mapped to ``zh_CN`` first.
    """
    preferred = [normalize(tag) or tag.replace("-", "_") for tag in parse_accept_language(header)]
    return negotiate_locale(preferred, SUPPORTED_LOCALES, sep="_") or DEFAULT_LOCALE


def babel_locale(name: str) -> Locale:
    """The Babel Locale for a supported locale name (for dates and numbers)."""
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)

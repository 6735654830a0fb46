"""The fonts that draw each locale's script, found through fontconfig.

DejaVu (the project's Latin font) has no Chinese glyphs, so Chinese text in a figure or a PDF
needs a CJK font: Debian's ``fonts-noto-cjk`` (installed by scripts/system-packages.sh). The
font is looked up by family with fontconfig (``fc-match``), as WeasyPrint/Pango look it up, so
no path is written into the code and another distribution's location works too.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

from rectoplan.i18n.context import current_locale

CJK_FAMILY = "Noto Sans CJK SC"
"""Simplified-Chinese face of Noto Sans CJK (the ``SC`` face picks the mainland glyph forms)."""


@cache
def cjk_font_file(style: str = "") -> str | None:
    """The file fontconfig gives for `CJK_FAMILY` (``style="bold"`` for the bold face), or None
    when it is not installed (fontconfig would fall back to another family, which is refused
    here rather than used silently)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    pattern = f"{CJK_FAMILY}:lang=zh-cn" + (f":{style}" if style else "")
    done = subprocess.run(
        [fc_match, "-f", "%{family}\n%{file}", pattern],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) < 2 or CJK_FAMILY not in lines[0].split(","):
        return None
    return lines[1]


@cache
def _registered_cjk_family() -> str | None:
    """Register the CJK font with matplotlib once (regular and bold, every face of each
    collection) and name its family."""
    path = cjk_font_file()
    if path is None:
        return None
    from matplotlib import font_manager

    for face in dict.fromkeys((path, cjk_font_file("bold"))):
        if face is not None:
            font_manager.fontManager.addfont(face)
    return CJK_FAMILY


def matplotlib_font_settings(locale: str | None = None) -> dict[str, object]:
    """``rcParams`` for drawing the locale's text: for Chinese, Noto Sans CJK SC first and
    DejaVu Sans after it (Latin letters and digits stay as in the English figures); nothing
    for English. Empty also when the CJK font is missing, so figures still draw (the text
    then shows as boxes, which `scripts/system-packages.sh` prevents)."""
    if not (locale or current_locale()).startswith("zh"):
        return {}
    family = _registered_cjk_family()
    if family is None:
        return {}
    return {"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"]}

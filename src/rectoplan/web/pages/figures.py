"""Matplotlib figures as something a page (or a PDF) can show without a second request.

A figure is embedded as a PNG ``data:`` URI: one request renders the page with its plots, and
the PDF writer (WeasyPrint) reads the same markup. Pages pass a function that *builds* the
figure, so that building and saving happen together under `rectoplan.reports.drawing`'s lock
(matplotlib cannot lay out two figures at once in one process).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from matplotlib.figure import Figure

from rectoplan.reports.drawing import rendered

DPI = 110
"""Sharp on a projector at the pages' width, small enough to keep a page under a megabyte."""


def png_data_uri(build: Callable[[], Figure], dpi: int = DPI) -> str:
    """``data:image/png;base64,...`` of the figure ``build()`` makes."""
    png = rendered(build, "png", dpi, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")

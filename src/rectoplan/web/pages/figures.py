"""Matplotlib figures as something a page (or a PDF) can show without a second request.

A figure is embedded as a PNG ``data:`` URI: one request renders the page with its plots, the
PDF writer (WeasyPrint) reads the same markup, and nothing is written to disk. The figure is
closed here, so a long-running server does not accumulate pyplot state.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")  # no display on a server

from matplotlib.figure import Figure

DPI = 110
"""Sharp on a projector at the pages' width, small enough to keep a page under a megabyte."""


def png_data_uri(figure: Figure, dpi: int = DPI) -> str:
    """``data:image/png;base64,...`` of ``figure``, which is closed afterwards."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

"""Drawing a figure inside a multi-threaded server: one figure at a time.

Matplotlib's text layout is not thread-safe: its mathtext parser (log-axis tick labels such
as 10^2) is one shared object, so two requests drawing at once in the server's thread pool
corrupt each other (matplotlib issue #26289; `benchmarks/pages.py` met it as 500s from the
stenosis planner with 8 clients). Building *and* saving must both happen under the lock,
because layout (``tight_layout``, constrained layout) parses the labels before ``savefig``.
A figure takes 0.1-0.3 s, so serialising them costs little next to a wrong answer.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")  # no display on a server

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

DRAWING = threading.Lock()


def rendered(build: Callable[[], Figure], format: str = "png", dpi: int = 150, **save) -> bytes:
    """The bytes of the figure ``build()`` makes, drawn and saved under the process-wide lock;
    the figure is closed afterwards so a long-running server keeps no pyplot state."""
    buffer = io.BytesIO()
    with DRAWING:
        figure = build()
        try:
            figure.savefig(buffer, format=format, dpi=dpi, **save)
        finally:
            plt.close(figure)
    return buffer.getvalue()

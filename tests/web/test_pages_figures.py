"""Figures drawn by several server threads at once come out whole.

Matplotlib's mathtext parser (log-axis tick labels) is shared by the process; before the
drawing lock, 8 threads rendering the stenosis planner's figures failed about 20 times in 32
(`benchmarks/pages.py` saw them as 500s). The lock in `rectoplan.reports.drawing` must keep
every one of these renders intact.
"""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

from rectoplan.web.pages.planners import DEFAULTS, _results

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _render_once(_: int) -> tuple[str, str]:
    result, errors = _results(dict(DEFAULTS))
    assert not errors, errors
    return result["force_png"], result["pressure_png"]


def test_the_planners_figures_survive_eight_threads():
    with ThreadPoolExecutor(max_workers=8) as pool:
        renders = list(pool.map(_render_once, range(16)))
    assert len(renders) == 16
    for force, pressure in renders:
        for uri in (force, pressure):
            png = base64.b64decode(uri.removeprefix("data:image/png;base64,"))
            assert png.startswith(PNG_MAGIC)
    # the same inputs draw the same picture, whichever thread drew it
    assert len({force for force, _ in renders}) == 1

"""The stenosis planner's charts drawn by several server threads at once come out whole.

The planner once drew matplotlib PNGs, whose shared mathtext parser broke under 8 threads
(`benchmarks/pages.py` saw 500s); it now draws SVG itself and caches results per input, so
what must hold is that concurrent renders, cached or not, are complete and identical.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from rectoplan.web.pages.planners import DEFAULTS, _results


def _render_once(_: int) -> tuple[str, str]:
    result, errors = _results(dict(DEFAULTS))
    assert not errors, errors
    return result["force_svg"], result["pressure_svg"]


def test_the_planners_charts_survive_eight_threads():
    with ThreadPoolExecutor(max_workers=8) as pool:
        renders = list(pool.map(_render_once, range(16)))
    assert len(renders) == 16
    for force, pressure in renders:
        for svg in (force, pressure):
            assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
    # the same inputs draw the same picture, whichever thread drew it
    assert len({force for force, _ in renders}) == 1
    assert len({pressure for _, pressure in renders}) == 1

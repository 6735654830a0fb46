"""The costliest stenosis assessments issue 12 found, against the searches they replaced.

A generated case once took 8.7 s to assess (a schemathesis time-out). Two searches inside the
engine grow with the input: the ring-design sweep with the delivery limits (the widest the case
accepts, 60 mm across, 40 mm high, no bore, is a million geometries on the 0.5 mm grid) and the
direct-placement range of a planned pair (each misaligned pull is a quadrature pose, a tenth of
a second or more near contact). Peers: the fine grid the engine used before `bounded_grid`,
and the walk over the whole search grid before `_direct_range` bounded it by the coaxial pull.
Each figure is CPU seconds of one call (``time.process_time``, all threads; steadier than the
wall clock on a shared machine), the wall time beside it. Not a timed test: nothing asserts.

Measured 2026-12-07 on the shared 2-core machine (load average ~10): the widest limits' design
search 0.92 s CPU on the 1.5 mm grid (39,442 geometries) against 27.5 s on the 0.5 mm grid
(1,061,049): 0.033x; this was the multi-second case. The direct range near contact: 0.4-1.0 s
CPU, 0.8-1.05x its peer (the near-contact poses it must still compute dominate; it saves the
most for pairs too weak to couple directly, which now cost no pose). The borderline check's
exact shortcuts took whole assess_coupling calls from 1.7 s CPU to 0.85-1.45 s (the same three
pairs, the previous commit's code run alternately).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rectoplan.mct.design import (
    CouplingSettings,
    DeliveryLimits,
    DesignGrid,
    _direct_range,
    _largest_gap_above,
    _misaligned_pull,
    _search_grid,
    assess_coupling,
    bounded_grid,
    design_rings,
    grid_size,
)
from rectoplan.mct.magnets import RingMagnet

MM = 1e-3
WIDEST = DeliveryLimits(60 * MM, 0.0, 40 * MM)
NEAR_CONTACT = [  # (ring in mm and grade, planned gap in mm): the slowest of 150 generated cases
    ((5, 0.89, 1, "N35"), 0.1),
    ((22.3, 11.2, 1, "N35"), 1.0),
    ((60, 17.7, 1.7, "N52"), 0.001),
]


def timed(call: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    call()
    return time.process_time() - cpu, time.perf_counter() - wall


def _line(label: str, mine: tuple[float, float], peer: tuple[float, float]) -> str:
    return (
        f"{label:<44} {mine[0]:7.2f} s CPU ({mine[1]:6.2f} s wall)   peer {peer[0]:7.2f} s CPU "
        f"({peer[1]:6.2f} s wall): {mine[0] / peer[0]:.3f}x"
    )


def main() -> None:
    settings = CouplingSettings()
    design_rings(DeliveryLimits(10 * MM, 2 * MM, 3 * MM))  # warm-up: imports, thread pool
    fine, coarse = DesignGrid(), bounded_grid(WIDEST)
    print(
        f"widest delivery limits: {grid_size(WIDEST, fine):,} geometries at "
        f"{fine.step_m / MM:g} mm, {grid_size(WIDEST, coarse):,} at {coarse.step_m / MM:g} mm"
    )
    mine = timed(lambda: design_rings(WIDEST, planned_gap_m=30 * MM, grid=coarse))
    peer = timed(lambda: design_rings(WIDEST, planned_gap_m=30 * MM, grid=fine))
    print(_line("design search, widest limits", mine, peer))
    for (od, bore, height, grade), gap_mm in NEAR_CONTACT:
        ring = RingMagnet.from_mm(od, bore, height, grade)
        label = f"OD {od:g} / ID {bore:g} / h {height:g} {grade} at {gap_mm:g} mm"
        mine = timed(lambda ring=ring: _direct_range(ring, ring, settings))
        peer = timed(
            lambda ring=ring: _largest_gap_above(
                lambda g: _misaligned_pull(ring, ring, g, settings)[0],
                settings.direct_force_n,
                _search_grid(settings, 16),
            )
        )
        print(_line(f"direct range, {label}", mine, peer))
        cpu, wall = timed(lambda ring=ring, gap_mm=gap_mm: assess_coupling(ring, ring, gap_mm * MM))
        print(f"{'  whole assess_coupling':<44} {cpu:7.2f} s CPU ({wall:6.2f} s wall)")


if __name__ == "__main__":
    main()

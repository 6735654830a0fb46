"""Ring-magnet force: rectoplan's closed form against magpylib ``getFT``, measured in one run.

Prints, for the reference ring pairs of `rectoplan.mct.reference` on the same gaps:

* evaluations per second of `rectoplan.mct.force.axial_force` and of magpylib ``getFT``
  (meshing 1000, the whole gap sweep as one path per pair: magpylib's fastest use), and their
  ratio;
* both errors against a 40-digit mpmath evaluation of the published closed form;
* the time of a ring-design sweep of >= 100,000 candidate pairs x 30 gaps (`design_rings`
  end to end, and the bare closed form on >= 100,000 distinct geometries) and its peak memory.

Timings are printed, never asserted (this is not a test). Run: ``make bench`` or
``.venv/bin/python benchmarks/mct_force.py``.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
import tracemalloc

import numpy as np

from rectoplan.mct.design import (
    DeliveryLimits,
    DesignGrid,
    design_rings,
    sweep_unit_forces,
)
from rectoplan.mct.force import axial_force, ring_pair_force
from rectoplan.mct.reference import REFERENCE_PAIRS, closed_form_force_mp

ERROR_GAPS_MM = np.array([0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0])
SWEEP_GAPS_M = np.unique(np.concatenate([ERROR_GAPS_MM, np.geomspace(0.1, 30, 92)])) * 1e-3
MESHING = 1000


def _best_of(repeats: int, work) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def _magpylib_sweep(magpylib, lower, upper, gaps):
    """Attractive force at every gap with one getFT call (the target moves along a path)."""

    def ring(magnet, z):
        return magpylib.magnet.CylinderSegment(
            position=z,
            dimension=(magnet.inner_radius_m, magnet.outer_radius_m, magnet.height_m, 0, 360),
            polarization=(0, 0, magnet.polarization_t),
        )

    source = ring(lower, (0, 0, -0.5 * lower.height_m))
    path = np.column_stack([np.zeros_like(gaps), np.zeros_like(gaps), gaps + 0.5 * upper.height_m])
    target = ring(upper, path)
    force, _ = magpylib.getFT(source, target, meshing=MESHING)
    return -np.asarray(force)[..., 2].reshape(len(gaps))


def _one_kernel_call(pairs):
    """Every pair at every gap in one broadcast call of the array kernel."""
    columns = [
        np.array([getattr(ring, attribute) for ring in rings])[:, None]
        for rings in zip(*pairs, strict=True)
        for attribute in ("inner_radius_m", "outer_radius_m", "height_m", "polarization_t")
    ]
    return ring_pair_force(*columns, SWEEP_GAPS_M[None, :])


def compare_with_magpylib() -> None:
    import magpylib

    names = list(REFERENCE_PAIRS)
    pairs = [REFERENCE_PAIRS[name] for name in names]
    n_evals = len(pairs) * len(SWEEP_GAPS_M)
    per_pair_time, ours = _best_of(
        5, lambda: [axial_force(lo, up, SWEEP_GAPS_M) for lo, up in pairs]
    )
    kernel_time, grid = _best_of(5, lambda: _one_kernel_call(pairs))
    theirs_time, theirs = _best_of(
        1, lambda: [_magpylib_sweep(magpylib, lo, up, SWEEP_GAPS_M) for lo, up in pairs]
    )
    agreement = np.max(np.abs(grid / np.array(ours) - 1))
    theirs_rate = n_evals / theirs_time
    print(f"== axial force vs magpylib getFT (meshing {MESHING}): same run, same poses ==")
    print(
        f"{len(pairs)} ring pairs ({', '.join(names)}) x {len(SWEEP_GAPS_M)} gaps, 0-30 mm "
        f"(rectoplan's two call styles agree to {agreement:.0e})"
    )
    for label, seconds in (
        ("rectoplan axial_force, one call per pair", per_pair_time),
        ("rectoplan ring_pair_force, one call for all", kernel_time),
        ("magpylib getFT, one call per pair (path)", theirs_time),
    ):
        rate = n_evals / seconds
        print(f"  {label:45s}: {rate:11,.0f} evaluations/s  ({rate / theirs_rate:7,.0f}x magpylib)")
    batch = np.tile(SWEEP_GAPS_M, 1000)
    lower, upper = REFERENCE_PAIRS["unequal"]
    batch_time, _ = _best_of(3, lambda: axial_force(lower, upper, batch))
    rate = batch.size / batch_time
    print(
        f"  {'rectoplan, one call of ' + f'{batch.size:,}' + ' gaps':45s}: {rate:11,.0f} "
        f"evaluations/s  ({rate / theirs_rate:7,.0f}x magpylib)"
    )

    index = np.searchsorted(SWEEP_GAPS_M, ERROR_GAPS_MM * 1e-3)
    ours_all, theirs_all, contact_all = [], [], []
    print(
        "relative errors against 40-digit mpmath at gaps "
        + ", ".join(f"{g:g}" for g in ERROR_GAPS_MM)
        + " mm (max per pair):"
    )
    for name, (lower, upper), mine, peer in zip(names, pairs, ours, theirs, strict=True):
        exact = np.array(
            [float(closed_form_force_mp(lower, upper, g)) for g in ERROR_GAPS_MM * 1e-3]
        )
        ours_err = np.abs(mine[index] / exact - 1)
        peer_err = np.abs(peer[index] / exact - 1)
        ours_all += list(ours_err)
        theirs_all += list(peer_err[1:])
        contact_all.append(peer[index][0] / exact[0] - 1)
        print(
            f"  {name:8s} rectoplan {ours_err.max():.1e}   magpylib {peer_err[1:].max():.1e} "
            f"(gaps > 0), {contact_all[-1]:+.1e} at contact"
        )
    ours_max, theirs_max = max(ours_all), max(theirs_all)
    print(
        f"  overall: rectoplan max {ours_max:.1e} (median {statistics.median(ours_all):.1e}); "
        f"magpylib max {theirs_max:.1e} (median {statistics.median(theirs_all):.1e}) at gaps > 0"
    )
    print(f"  error ratio: magpylib's max error is {theirs_max / ours_max:.0e} times rectoplan's")


def _peak_memory(work) -> float:
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def time_design_sweep() -> None:
    limits = DeliveryLimits(25e-3, 3e-3, 10e-3)
    grid = DesignGrid()
    design_rings(DeliveryLimits(10e-3, 2e-3, 3e-3))  # warm-up: imports, thread pool, caches
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = design_rings(limits, planned_gap_m=25e-3, grid=grid)
        times.append(time.perf_counter() - start)
    print("== design sweep ==")
    print(
        f"design_rings, OD <= 25, ID >= 3, h <= 10 mm, 0.5 mm grid, 8 grades: "
        f"{result.n_candidates:,} candidate pairs ({result.n_geometries:,} geometries x 8 "
        f"grades) x {grid.gap_count} gaps"
    )
    print(
        f"  time: median {statistics.median(times):.2f} s, best {min(times):.2f} s "
        f"(demag screen, range search, Pareto set of {len(result.designs)} included)"
    )
    memory = _peak_memory(lambda: design_rings(limits, planned_gap_m=25e-3, grid=grid))
    print(f"  peak traced memory: {memory:.0f} MiB")

    rng = np.random.default_rng(0)
    count = 100_000
    outer = rng.uniform(2.5e-3, 17.5e-3, count)
    inner = outer * rng.uniform(0.0, 0.85, count)
    height = rng.uniform(1e-3, 15e-3, count)
    gaps = result.gaps_m
    bare, _ = _best_of(3, lambda: sweep_unit_forces(inner, outer, height, gaps))
    memory = _peak_memory(lambda: sweep_unit_forces(inner, outer, height, gaps))
    print(
        f"bare closed form, {count:,} distinct identical-ring pairs x {gaps.size} gaps "
        f"({count * gaps.size:,} forces): {bare:.2f} s, {count * gaps.size / bare / 1e6:.1f} M "
        f"forces/s on {os.cpu_count()} cores, peak traced memory {memory:.0f} MiB"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (whole benchmark, incl. magpylib and mpmath): {rss:.0f} MiB")


if __name__ == "__main__":
    compare_with_magpylib()
    time_design_sweep()

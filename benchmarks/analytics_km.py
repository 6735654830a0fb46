"""Kaplan–Meier on 1,000,000 synthetic patients and a Cox fit on 100,000, against a numpy peer.

The issue asks for KM on 1e6 patients in under 5 s. `rectoplan.analytics.KaplanMeier` (lifelines
underneath, plus the interval bookkeeping) is timed beside a plain numpy product-limit
estimator with Greenwood log-log intervals written here, on the same seeded exponential times
with uniform censoring: once in whole days, as a registry stores them (few distinct times),
and once with exact times (a million distinct times, the worst case). The two curves are
checked to agree before any time is printed; the ratio says what the library and the result
object cost over the bare arithmetic. Peak memory is tracemalloc's peak for one fit (numpy
and pandas report their buffers to it), then the process's peak RSS.

Best of three runs, single thread; no assertions on time (``make bench`` prints, never fails on
speed).
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd
from scipy.stats import norm

from rectoplan.analytics import CoxPH, KaplanMeier

SEED = 20240601
PATIENTS = 1_000_000
COX_PATIENTS = 100_000
REPEATS = 3


def synthetic_cohort(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Exponential survival (median 5 y) censored by uniform follow-up of 30 d to 10 y."""
    death = rng.exponential(5 * 365.25 / np.log(2), n)
    follow_up = rng.uniform(30, 10 * 365.25, n)
    return np.minimum(death, follow_up), death <= follow_up


def numpy_kaplan_meier(durations: np.ndarray, events: np.ndarray, alpha: float = 0.05):
    """The peer: product-limit estimate with Greenwood log-log intervals in plain numpy."""
    order = np.argsort(durations, kind="stable")
    times, starts = np.unique(durations[order], return_index=True)
    deaths = np.add.reduceat(events[order].astype(np.int64), starts)
    at_risk = durations.size - starts  # sorted: the first index of t counts those before t
    survival = np.cumprod(1.0 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(np.where(deaths > 0, deaths / (at_risk * (at_risk - deaths)), 0))
        log_s = np.log(survival)
        spread = norm.ppf(1 - alpha / 2) * np.sqrt(greenwood) / log_s
        lower = np.exp(-np.exp(np.log(-log_s) - spread))
        upper = np.exp(-np.exp(np.log(-log_s) + spread))
    # the interval of a certain survival (S = 1 before any death) or certain death is a point
    for bound in (lower, upper):
        bound[survival == 1] = 1.0
        bound[survival == 0] = 0.0
    return times, at_risk, survival, lower, upper


def best_of(function, repeats: int = REPEATS) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def traced_peak(function) -> float:
    """Peak traced allocation of one call, in MiB."""
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def km_scenario(label: str, durations: np.ndarray, events: np.ndarray) -> bool:
    """Time both estimators on one data set, after checking that they give the same curve."""
    print(
        f"Kaplan–Meier, {durations.size:,} patients, {label} ({events.mean():.0%} events, "
        f"{np.unique(durations).size:,} distinct times), best of {REPEATS}"
    )
    ours_s, curve = best_of(lambda: KaplanMeier().fit(durations, events))
    peer_s, peer = best_of(lambda: numpy_kaplan_meier(durations, events))
    times, at_risk, survival, lower, upper = peer
    rows = np.searchsorted(curve.times, times)
    agree = (
        np.array_equal(curve.times[rows], times)
        and np.array_equal(curve.at_risk[rows], at_risk)
        and np.allclose(curve.survival[rows], survival, rtol=1e-9, atol=1e-12)
        and np.allclose(curve.lower[rows], lower, rtol=1e-7, atol=1e-9)
        and np.allclose(curve.upper[rows], upper, rtol=1e-7, atol=1e-9)
    )
    if not agree:
        print("ERROR: rectoplan and the numpy peer disagree", file=sys.stderr)
        return False
    median = curve.median
    km_peak = traced_peak(lambda: KaplanMeier().fit(durations, events))
    peer_peak = traced_peak(lambda: numpy_kaplan_meier(durations, events))
    print(f"  rectoplan.analytics.KaplanMeier  {ours_s:7.3f} s  (aim < 5 s)")
    print(f"  numpy product-limit peer         {peer_s:7.3f} s")
    print(f"  ratio rectoplan / numpy          {ours_s / peer_s:7.1f} x")
    print(
        f"  curves agree (S, log-log CI, at risk); median {median.time:,.1f} d "
        f"(95% CI {median.lower:,.1f}-{median.upper:,.1f})"
    )
    print(f"  peak traced memory: rectoplan {km_peak:,.0f} MiB, numpy peer {peer_peak:,.0f} MiB\n")
    return True


def main() -> int:
    durations, events = synthetic_cohort(PATIENTS, np.random.default_rng(SEED))
    # a registry stores whole days (ties, as in real data); exact times are the worst case
    if not km_scenario("whole days", np.ceil(durations), events):
        return 1
    if not km_scenario("exact times", durations, events):
        return 1

    cox_rng = np.random.default_rng(SEED + 1)
    arm = cox_rng.integers(0, 3, COX_PATIENTS)
    hazard = np.array([1.0, 0.97, 0.69])[arm]  # the Moertel arms' hazard ratios
    death = cox_rng.exponential(5 * 365.25 / np.log(2) / hazard)
    follow_up = cox_rng.uniform(30, 10 * 365.25, COX_PATIENTS)
    frame = pd.DataFrame(
        {
            "duration_days": np.ceil(np.minimum(death, follow_up)),
            "event": death <= follow_up,
            "arm": np.array(["Obs", "Lev", "Lev+5FU"])[arm],
            "age": cox_rng.normal(60, 12, COX_PATIENTS),
        }
    )
    fit = lambda: CoxPH().fit(frame, categorical={"arm": "Obs"}, numeric=["age"])  # noqa: E731
    cox_s, result = best_of(fit, repeats=1)
    print(f"Cox (Efron), {COX_PATIENTS:,} rows, 3 covariates (arm vs Obs, age)")
    print(f"  rectoplan.analytics.CoxPH        {cox_s:7.3f} s")
    print(
        f"  HR Lev+5FU vs Obs {result['arm=Lev+5FU'].hazard_ratio:.3f} (simulated 0.690), "
        f"Lev {result['arm=Lev'].hazard_ratio:.3f} (simulated 0.970)"
    )
    print(f"  peak traced memory: {traced_peak(fit):,.0f} MiB")

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak RSS {rss:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

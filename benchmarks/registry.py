"""Registry throughput: import rate, Kaplan-Meier on 1e6 patients, the re-assessment audit.

Run by `make bench` (not a test; no assertions on time). Targets from the issue: import
>= 10,000 cases per minute on SQLite, Kaplan-Meier on 1,000,000 synthetic patients < 5 s, and a
registry-wide concordance audit that re-assesses 100,000 stored cases (cases per second and
peak memory). The peer for the audit is the engine alone on the same cases in memory, so the
ratio shows what reading and validating from the database costs.

    python benchmarks/registry.py [--n 100000] [--km 1000000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from rectoplan.analytics.survival import KaplanMeier
from rectoplan.clinical.case import Case
from rectoplan.pathways import assess
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.importing import import_records
from rectoplan.registry.migrate import upgrade_to_head
from rectoplan.registry.reassess import reassess_registry
from rectoplan.registry.synthetic import generate_cohort


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_import(url: str, records: list) -> float:
    factory = session_factory(make_engine(url))
    start = time.perf_counter()
    with transaction(factory, "benchmark") as session:
        import_records(session, records)
    elapsed = time.perf_counter() - start
    rate = len(records) / elapsed * 60
    print(
        f"import   {len(records):>9,} cases in {elapsed:6.1f} s = {rate:>10,.0f} cases/min "
        f"(target 10,000/min: {rate / 10_000:.1f}x)"
    )
    return rate


def bench_km(n: int) -> None:
    rng = np.random.default_rng(1)
    durations = np.minimum(rng.exponential(1500, n), rng.uniform(30, 3650, n)).round()
    events = rng.uniform(size=n) < 0.6
    start = time.perf_counter()
    curve = KaplanMeier().fit(durations, events)
    elapsed = time.perf_counter() - start
    print(
        f"KM       {n:>9,} patients in {elapsed:6.2f} s (target < 5 s: "
        f"{5 / elapsed:.0f}x under); median {curve.median.time:.0f} days"
    )


def bench_audit(url: str, records: list) -> None:
    factory = session_factory(make_engine(url))
    before = _peak_rss_mib()
    start = time.perf_counter()
    with factory() as session:
        audit = reassess_registry(session)
    elapsed = time.perf_counter() - start
    rate = audit.cases / elapsed
    cases = [Case.model_validate(r["case"]) for _, r in records[:20_000]]
    start = time.perf_counter()
    for case in cases:
        assess(case)
    peer = len(cases) / (time.perf_counter() - start)
    print(
        f"audit    {audit.cases:>9,} cases in {elapsed:6.1f} s = {rate:>10,.0f} cases/s; "
        f"engine alone {peer:,.0f}/s (ratio {rate / peer:.2f}); peak RSS "
        f"{_peak_rss_mib():.0f} MiB (was {before:.0f} before the audit); "
        f"concordance now {audit.concordance_now:.3f}, "
        f"drifted {audit.drifted}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="cases to import and audit")
    parser.add_argument("--km", type=int, default=1_000_000, help="patients for Kaplan-Meier")
    args = parser.parse_args()
    start = time.perf_counter()
    records = list(enumerate(generate_cohort(args.n, seed=2026), start=1))
    print(f"generated {args.n:,} synthetic cases in {time.perf_counter() - start:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade_to_head(url)
        bench_import(url, records)
        bench_km(args.km)
        bench_audit(url, records)
    print(f"process peak RSS {_peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()

"""Outcomes per procedure: what happened after each kind of operation or endoscopic treatment.

The seeds report results by procedure (R0 and survival after laparoscopic sacrectomy, organ
preservation after local excision, ring passage and patency after magnetic compression), so
the registry reports the same, each figure with its interval and its n:

* Clavien–Dindo III or worse within 30 and 90 days of the procedure (Wilson), counting
  complications recorded against it with a date in the window; a procedure whose window has
  an undated complication is counted on its grade, as the complication belongs to it;
* the CCI within 30 and 90 days (median, with the distribution-free interval for a median from
  binomial order statistics);
* R0 of the specimen the procedure produced (Wilson);
* organ preservation of restaged episodes treated with it, and TME-free survival from it, for
  the organ-sparing procedures (local excision, ESD, EFTR);
* restenosis-free survival from the first stenosis treatment, by that treatment, at 1 and 2
  years (Kaplan–Meier, log-log interval);
* the day the magnetic rings passed (median, interval as above).

Stoma-free survival is not reported: the registry records whether an operation made a stoma,
but not when a stoma was closed, so there is no event to count (named in `NOT_RECORDED`).

Pure pandas over the registry's episode frame (`populations.EPISODE_COLUMNS`) and survival
frames; the registry reads nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from rectoplan.analytics.proportions import wilson
from rectoplan.analytics.survival import KaplanMeier
from rectoplan.analytics.time_units import DAYS_PER_YEAR
from rectoplan.clinical.complications import (
    MAJOR_GRADES,
    comprehensive_complication_index,
    parse_clavien_dindo,
)

WINDOWS = (30, 90)
SURVIVAL_YEARS = (1, 2)
STENOSIS = ("balloon_dilatation", "electroincision", "stent", "magnetic_compression")
ORGAN_SPARING = ("local_excision", "esd", "eftr")
"""Procedures that leave the rectum in place: organ preservation and TME-free survival are
reported for these only (after a TME both are trivially 0 and would read as a result)."""
NOT_RECORDED = {
    "stoma_free_survival": "the registry records whether an operation made a stoma, not when "
    "it was closed: stoma-free survival cannot be counted yet",
}


@dataclass(frozen=True, slots=True)
class Estimate:
    """One figure with its interval and the n it rests on (``value`` None when n is 0)."""

    value: float | None
    lower: float | None
    upper: float | None
    n: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "lower": self.lower,
            "upper": self.upper,
            "n": self.n,
            "method": self.method,
        }


@dataclass(frozen=True)
class ProcedureRow:
    procedure: str
    kind: str
    treatments: int
    figures: dict[str, Estimate] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "kind": self.kind,
            "treatments": self.treatments,
            **{name: figure.to_dict() for name, figure in self.figures.items()},
        }


def _major(grade: str) -> bool:
    """Clavien–Dindo III or worse (the exenteration benchmarks' "major complication")."""
    return parse_clavien_dindo(grade).grade in MAJOR_GRADES


def _proportion(flags: list[bool], alpha: float) -> Estimate:
    if not flags:
        return Estimate(None, None, None, 0, "Wilson")
    p = wilson(int(sum(flags)), len(flags), alpha=alpha)
    return Estimate(p.estimate, p.lower, p.upper, p.n, "Wilson")


def median_interval(values: list[float], alpha: float = 0.05) -> Estimate:
    """The median with its distribution-free interval: the order statistics whose ranks the
    binomial(n, 1/2) quantiles give (at least 1 - alpha coverage)."""
    if not values:
        return Estimate(None, None, None, 0, "median (order statistics)")
    data = np.sort(np.asarray(values, dtype=float))
    n = len(data)
    low_rank = int(binom.ppf(alpha / 2, n, 0.5))
    high_rank = int(binom.isf(alpha / 2, n, 0.5)) + 1
    lower = float(data[max(low_rank - 1, 0)]) if low_rank >= 1 else None
    upper = float(data[min(high_rank, n) - 1]) if high_rank <= n else None
    return Estimate(float(np.median(data)), lower, upper, n, "median (order statistics)")


def _within(complications, start: str | None, days: int) -> list[str]:
    """Grades of the complications dated within ``days`` of ``start`` (undated ones count)."""
    if start is None:
        return []
    begin = pd.Timestamp(start)
    end = begin + pd.Timedelta(days=days)
    return [grade for grade, on in complications if on is None or begin <= pd.Timestamp(on) <= end]


def _followed(op: dict, last_seen, died_on, days: int) -> bool:
    """Whether the window after the procedure is covered: seen (or died) at least ``days``
    after it, or a complication is recorded in it."""
    if op.get("on") is None:
        return False
    start = pd.Timestamp(op["on"])
    seen = [pd.Timestamp(d) for d in (last_seen, died_on) if d]
    return any(d - start >= pd.Timedelta(days=days) for d in seen) or bool(
        _within(op.get("complications") or (), op["on"], days)
    )


def _survival_at(rows: pd.DataFrame, alpha: float) -> dict[str, Estimate]:
    out = {}
    if rows.empty:
        return {f"{y}y": Estimate(None, None, None, 0, "Kaplan–Meier") for y in SURVIVAL_YEARS}
    curve = KaplanMeier(alpha=alpha).fit(rows["duration_days"], rows["event"])
    table = curve.survival_at([y * DAYS_PER_YEAR for y in SURVIVAL_YEARS])
    last = float(curve.times[-1])
    for years, row in zip(SURVIVAL_YEARS, table.itertuples(), strict=True):
        reached = years * DAYS_PER_YEAR <= last
        out[f"{years}y"] = Estimate(
            float(row.survival) if reached else None,
            float(row.lower) if reached else None,
            float(row.upper) if reached else None,
            int(row.at_risk),
            f"Kaplan–Meier ({curve.ci_method}), n at risk",
        )
    return out


def procedure_outcomes(
    episodes: pd.DataFrame,
    *,
    tme_free: pd.DataFrame | None = None,
    restenosis_free: pd.DataFrame | None = None,
    alpha: float = 0.05,
) -> list[ProcedureRow]:
    """One row per procedure found in ``episodes`` (operations first, then endoscopic
    treatments, each in a fixed clinical order)."""
    from rectoplan.analytics.populations import Population, survival_subset

    by_procedure: dict[tuple[str, str], list[tuple[pd.Series, dict]]] = {}
    for _, episode in episodes.iterrows():
        for op in episode["operations"] or ():
            if op.get("type"):
                by_procedure.setdefault((op["kind"], op["type"]), []).append((episode, op))
            if op.get("sacrectomy"):
                by_procedure.setdefault(("operation", "sacrectomy"), []).append((episode, op))
    rows = []
    for (kind, procedure), done in sorted(by_procedure.items(), key=_clinical_order):
        figures: dict[str, Estimate] = {}
        for days in WINDOWS:
            covered = [
                (e, op) for e, op in done if _followed(op, e["last_seen"], e["died_on"], days)
            ]
            grades = [_within(op.get("complications") or (), op["on"], days) for _, op in covered]
            figures[f"major_{days}d"] = _proportion(
                [any(_major(g) for g in gs) for gs in grades], alpha
            )
            figures[f"cci_{days}d"] = median_interval(
                [comprehensive_complication_index(gs) for gs in grades], alpha
            )
        figures["r0"] = _proportion(
            [op["r_status"] == "R0" for _, op in done if op.get("r_status")], alpha
        )
        preserved = {e["episode_id"]: e["organ_preserved"] for e, _ in done}
        if procedure in ORGAN_SPARING:
            figures["organ_preserved"] = _proportion(
                [bool(v) for v in preserved.values() if v is not None and not pd.isna(v)], alpha
            )
        population = Population(procedure, procedures=(procedure,), origin="operation")
        treated = population.select(episodes[episodes["episode_id"].isin(preserved)])
        if tme_free is not None and procedure in ORGAN_SPARING:
            for name, est in _survival_at(
                survival_subset(tme_free, treated, "operation"), alpha
            ).items():
                figures[f"tme_free_{name}"] = est
        if restenosis_free is not None and procedure in STENOSIS:
            first = {
                e["episode_id"]
                for e, op in done
                if _first_stenosis_treatment(e["operations"]) is op
            }
            rows_first = restenosis_free[restenosis_free["episode_id"].isin(first)]
            for name, est in _survival_at(rows_first, alpha).items():
                figures[f"restenosis_free_{name}"] = est
        if procedure == "magnetic_compression":
            days_ = [op["discharge_day"] for _, op in done if op.get("discharge_day") is not None]
            figures["ring_passage_day"] = median_interval(days_, alpha)
        rows.append(ProcedureRow(procedure, kind, len(done), figures))
    return rows


def _first_stenosis_treatment(operations) -> dict | None:
    stenosis = [op for op in operations or () if op.get("type") in STENOSIS and op.get("on")]
    return min(stenosis, key=lambda op: op["on"]) if stenosis else None


_ORDER = (
    "local_excision", "esd", "eftr", "lar", "coloanal", "isr_partial", "isr_subtotal",
    "isr_total", "apr", "hartmann", "exenteration", "sacrectomy",
    "balloon_dilatation", "electroincision", "stent", "magnetic_compression",
)  # fmt: skip


def _clinical_order(item) -> tuple[int, int, str]:
    (kind, procedure), _ = item
    rank = _ORDER.index(procedure) if procedure in _ORDER else len(_ORDER)
    return (0 if kind == "operation" else 1, rank, procedure)

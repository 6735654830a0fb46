"""Outcomes per procedure, on an episode frame whose numbers are counted by hand."""

from __future__ import annotations

from math import comb

import pandas as pd
import pytest

from rectoplan.analytics.populations import EPISODE_COLUMNS
from rectoplan.analytics.procedure_outcomes import NOT_RECORDED, median_interval, procedure_outcomes
from rectoplan.analytics.proportions import wilson

OPERATED = "2024-01-10"


def _episode(i: int, operations: list[dict], **extra) -> dict:
    row = {
        "episode_id": i,
        "diagnosis_date": pd.Timestamp("2023-12-01"),
        "setting": "primary",
        "compartments": (),
        "pathway": "primary",
        "risk_group": "intermediate",
        "neoadjuvant": "none",
        "operations": tuple(operations),
        "organ_preserved": None,
        "watch_and_wait": False,
        "died_on": None,
        "last_seen": "2025-06-01",
    }
    return {**row, **extra}


def _op(kind: str, type_: str, complications=(), r_status=None, **extra) -> dict:
    return {
        "treatment_id": None, "kind": kind, "type": type_, "approach": "laparoscopic",
        "sacrectomy": False, "on": OPERATED, "r_status": r_status, "major": False, "cci": 0.0,
        "complications": tuple(complications), "discharge_day": None, **extra,
    }  # fmt: skip


@pytest.fixture
def episodes() -> pd.DataFrame:
    rows = []
    for i in range(12):  # 12 anterior resections
        complications = []
        if i < 3:
            complications.append(("IIIb", "2024-01-20"))  # day 10: major within 30 days
        elif i == 3:
            complications.append(("IIIa", "2024-03-10"))  # day 60: major within 90 days only
        elif i == 4:
            complications.append(("II", "2024-01-15"))
        rows.append(_episode(i, [_op("operation", "lar", complications, "R0" if i < 10 else "R1")]))
    for j, day in enumerate([7, 9, 10, 12, 14, 8, 11, 13, 16]):  # 9 ring passages
        op = _op("endoscopic", "magnetic_compression", discharge_day=day)
        rows.append(_episode(100 + j, [op], pathway="stenosis"))
    frame = pd.DataFrame.from_records(rows, columns=list(EPISODE_COLUMNS))
    return frame


def test_complications_r0_and_ring_passage_are_counted_per_procedure(episodes):
    rows = {row.procedure: row for row in procedure_outcomes(episodes)}
    assert list(rows) == ["lar", "magnetic_compression"]  # operations first
    lar = rows["lar"].figures
    assert rows["lar"].treatments == 12
    major_30 = wilson(3, 12)
    assert (lar["major_30d"].value, lar["major_30d"].n) == (3 / 12, 12)
    assert lar["major_30d"].lower == pytest.approx(major_30.lower)
    assert lar["major_90d"].value == 4 / 12
    assert lar["r0"].value == 10 / 12 and lar["r0"].n == 12
    # CCI: 8 without a complication (0), one grade II (sqrt(500)/2), IIIb (sqrt(4550)/2)...
    assert lar["cci_30d"].value == 0.0 and lar["cci_30d"].n == 12
    ring = rows["magnetic_compression"].figures["ring_passage_day"]
    assert (ring.value, ring.n) == (11.0, 9)
    assert (ring.lower, ring.upper) == (8.0, 14.0)  # order statistics 2 and 8 of 9
    assert "organ_preserved" not in lar and "tme_free_1y" not in lar  # a TME removes the rectum
    assert "stoma_free_survival" in NOT_RECORDED


def _coverage(n: int, j: int, k: int) -> float:
    """P(x(j) <= median < x(k)) = P(j <= B < k), B ~ binomial(n, 1/2)."""
    return sum(comb(n, i) for i in range(j, k)) / 2**n


@pytest.mark.parametrize("n", [6, 9, 10, 20, 41])
def test_the_median_interval_is_the_narrowest_symmetric_one_with_95_percent_coverage(n):
    values = list(range(1, n + 1))  # x(i) = i
    estimate = median_interval(values)
    j, k = int(estimate.lower), int(estimate.upper)
    assert j + k == n + 1  # symmetric ranks
    assert _coverage(n, j, k) >= 0.95
    assert _coverage(n, j + 1, k - 1) < 0.95  # one rank narrower would undercover


def test_too_few_values_for_a_95_percent_median_interval_say_so():
    estimate = median_interval([7, 9, 10, 12, 14])  # n = 5: at most 93.75 % coverage
    assert estimate.value == 10 and (estimate.lower, estimate.upper) == (None, None)


def test_organ_sparing_procedures_report_preservation_and_tme_free_survival():
    rows = [_episode(i, [_op("endoscopic", "eftr")], organ_preserved=i >= 2) for i in range(10)]
    episodes = pd.DataFrame.from_records(rows, columns=list(EPISODE_COLUMNS))
    # clock from diagnosis (2023-12-01); the EFTR is 40 days later; two TMEs at day 140
    tme_free = pd.DataFrame(
        {
            "episode_id": range(10),
            "duration_days": [140.0, 140.0] + [40.0 + 800] * 8,
            "event": [True, True] + [False] * 8,
        }
    )
    (eftr,) = procedure_outcomes(episodes, tme_free=tme_free)
    figures = eftr.figures
    assert (figures["organ_preserved"].value, figures["organ_preserved"].n) == (0.8, 10)
    assert figures["tme_free_1y"].value == pytest.approx(0.8)  # 2 of 10 by day 100
    assert figures["tme_free_2y"].value == pytest.approx(0.8) and figures["tme_free_2y"].n == 8

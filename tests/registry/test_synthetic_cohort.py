"""The demo cohort generator: reproducible, valid, and drawn at the rates it names."""

from __future__ import annotations

import datetime as dt
import math

from rectoplan.clinical.case import Case
from rectoplan.registry.synthetic import DEFAULT_ASSUMPTIONS, generate_cohort

N = 1500
COHORT = list(generate_cohort(N, seed=7))


def _within(k: int, n: int, p: float, z: float = 4.0) -> bool:
    """k successes out of n are consistent with rate p (normal approximation, 4 sigma)."""
    return abs(k - n * p) <= z * math.sqrt(n * p * (1 - p))


def test_same_seed_same_cohort_and_episodes_are_independent_of_n():
    again = list(generate_cohort(10, seed=7))
    assert again == COHORT[:10]
    assert list(generate_cohort(10, seed=8)) != again


def test_every_case_validates_and_ids_are_unique():
    ids = {Case.model_validate(r["case"]).case_id for r in COHORT}
    assert len(ids) == N
    assert len({r["patient"]["pseudonym"] for r in COHORT}) == N


def test_events_follow_diagnosis_and_end_with_death_or_last_contact():
    for record in COHORT:
        case = record["case"]
        diagnosed = dt.date.fromisoformat(case["diagnosis_date"])
        days = [dt.date.fromisoformat(e["date"]) for e in case["follow_up"]]
        if case.get("recurrence"):
            days.append(dt.date.fromisoformat(case["recurrence"]["date"]))
        assert all(d >= diagnosed for d in days)
        kinds = [e["kind"] for e in case["follow_up"]]
        assert kinds.count("death") + kinds.count("last_contact") == 1
        assert all(d <= days[kinds.index("death")] for d in days) if "death" in kinds else True


def test_dmmr_rate_matches_the_named_assumption():
    k = sum(r["case"]["tumour"]["mmr_status"] == "dMMR" for r in COHORT)
    assert _within(k, N, DEFAULT_ASSUMPTIONS.dmmr_rate)


def test_deviations_carry_codes_and_follow_the_concordance_rate():
    decisions = [r["decisions"][0] for r in COHORT]
    deviations = [d for d in decisions if d["deviation_code"] is not None]
    assert all(d["deviation_code"] in dict(DEFAULT_ASSUMPTIONS.deviation_codes) for d in deviations)
    assert _within(N - len(deviations), N, DEFAULT_ASSUMPTIONS.concordance_rate, z=5.0)

"""Each published reference is compared with the registry episodes of its own population.

The registries are built through the import path: primary resections from the demo generator,
posterior recurrences resected by laparoscopic sacrectomy from the seed-002 case. The Wilson
interval is checked against the closed-form score interval computed with mpmath.
"""

from __future__ import annotations

import json
from pathlib import Path

import mpmath
import pytest

from rectoplan.analytics import Verdict
from rectoplan.analytics.benchmarks import REFERENCES
from rectoplan.registry import cohort as registry_cohort
from rectoplan.registry.importing import import_records
from rectoplan.reports.outcomes import registry_comparisons

SEED002 = Path(__file__).resolve().parents[2] / "examples/cases/seed002_posterior_recurrence.json"
RESECTED = "2022-09-01"


def recurrence_record(index: int, *, r0: bool, sacrectomy: bool = True) -> dict:
    """The seed-002 recurrence, resected by laparoscopic exenteration with a sacrectomy at S3
    (or without one), its specimen R0 (CRM 5 mm) or R1 (CRM 0.5 mm)."""
    case = json.loads(SEED002.read_text())
    case["case_id"] = f"rec-{index}"
    case["operations"].append(
        {"type": "exenteration", "date": RESECTED, "approach": "laparoscopic"}
    )
    case["pathology"] = {
        "specimen": "exenteration",
        "t": "pT3",
        "nodes_examined": 12,
        "nodes_positive": 0,
        "crm_distance_mm": 5.0 if r0 else 0.5,
        "distal_margin_mm": 20,
    }
    operation = {
        "kind": "operation",
        "started_on": RESECTED,
        "operation_type": "exenteration",
        "approach": "laparoscopic",
    }
    if sacrectomy:
        operation["sacrectomy_level"] = "S3"
    return {
        "patient": {"pseudonym": f"R-{index}", "sex": "male", "birth_year": 1955},
        "case": case,
        "treatments": [operation],
        "events": [{"kind": "last_contact", "occurred_on": "2025-01-01"}],
    }


def _load(write, records: list[dict]) -> None:
    with write() as session:
        summary = import_records(session, list(enumerate(records, start=1)))
    assert summary.episodes == len(records)


def _by_id(read) -> tuple[dict, dict]:
    with read() as session:
        summary, comparisons = registry_comparisons(session, 0.05, 10)
    return summary, {c.reference.id: c for c in comparisons}


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927) score interval, closed form, at 50 digits."""
    mpmath.mp.dps = 50
    p, z2 = mpmath.mpf(k) / n, mpmath.mpf(z) ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * mpmath.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return float(centre - half), float(centre + half)


@pytest.fixture
def read(factory):
    return factory


def test_posterior_recurrences_by_laparoscopic_sacrectomy_match_seed002(write, read):
    records = [recurrence_record(i, r0=i < 37) for i in range(43)]
    _load(write, records)
    _summary, found = _by_id(read)
    seed = found["seed002.r0"]
    assert (seed.k, seed.n, seed.subset_n) == (37, 43, 43)
    assert seed.verdict is Verdict.CONSISTENT
    assert f"{seed.estimate:.1%}" == "86.0%"
    assert (round(100 * seed.lower, 1), round(100 * seed.upper, 1)) == (72.7, 93.4)
    low, high = wilson_by_hand(37, 43)
    assert seed.lower == pytest.approx(low, abs=1e-12) and seed.upper == pytest.approx(high)
    assert any("laparoscopic" in c for c in seed.criteria)
    assert any("posterior" in c for c in seed.criteria)
    payload = seed.to_dict()["cohort"]
    assert payload["subset_n"] == 43 and payload["criteria"] == list(seed.criteria)
    # the primary-cancer references find no matching patient among recurrences
    assert found["pelvex_2019.larc_r0_high_volume"].subset_n == 0
    assert found["pelvex_2019.larc_r0_high_volume"].verdict is Verdict.TOO_FEW


def test_open_or_no_sacrectomy_is_not_the_seed002_population(write, read):
    records = [recurrence_record(i, r0=True, sacrectomy=False) for i in range(12)]
    _load(write, records)
    _summary, found = _by_id(read)
    assert found["seed002.r0"].subset_n == 0  # exenteration without a sacrectomy
    assert found["pelvex_2018.r0"].subset_n == 12  # but an LRRC exenteration


def test_primary_resections_are_never_set_against_recurrence_references(write, read, cohort):
    resected = [r for r in cohort(2400, seed=11) if "pathology" in r["case"]][:700]
    assert len(resected) == 700
    _load(write, [*resected, *(recurrence_record(i, r0=True) for i in range(3))])
    with read() as session:
        k, n = registry_cohort.proportion(session, "r0")
    assert n == 703 and k > 550  # the whole registry: hundreds of primary R0 resections
    _summary, found = _by_id(read)
    recurrence_refs = [r.id for r in REFERENCES if r.population.setting == "recurrence"]
    assert len(recurrence_refs) >= 8
    for ref_id in recurrence_refs:
        comparison = found[ref_id]
        assert comparison.verdict is Verdict.TOO_FEW, ref_id
        assert comparison.subset_n <= 3, ref_id
        assert not comparison.has_verdict
        assert "too few to compare" in comparison.explanation
        for word in ("better than", "worse than", "consistent with", "meets"):
            assert word not in comparison.explanation

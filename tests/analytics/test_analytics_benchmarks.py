"""Benchmark figures and the verdict logic.

The reference values are checked against the tables they were copied from
(surgical-modules.md §3.5 and §3.7, clinical-guidelines.md §3.4, ecosystem-and-data.md §5);
the difference interval against Newcombe's hybrid score formula (Stat Med 1998;17:873,
method 10) built here from two Wilson intervals.
"""

from __future__ import annotations

import math

import pytest

from rectoplan.analytics import REFERENCES, Verdict, compare, compare_estimate, wilson
from rectoplan.analytics.benchmarks import MIN_PATIENTS_FOR_VERDICT, reference, references_for
from rectoplan.errors import FieldError
from rectoplan.evidence import SOURCES

BROWN_2024 = {  # surgical-modules.md §3.7: (LARC, LRRC)
    "major_complications": (0.44, 0.53),
    "cci": (30.2, 34.1),
    "mortality_30d": (0.0, 0.0),
    "mortality_90d": (0.043, 0.06),
    "r0": (0.79, 0.77),
}


@pytest.mark.parametrize("measure", sorted(BROWN_2024))
def test_exenteration_benchmarks_match_the_2024_table(measure):
    larc, lrrc = BROWN_2024[measure]
    for disease, value in (("larc", larc), ("lrrc", lrrc)):
        ref = reference(f"exenteration_benchmarks_2024.{disease}.{measure}")
        assert ref.value == value
        assert ref.kind == "threshold"
        assert ref.better == ("higher" if measure == "r0" else "lower")


def test_cohort_figures_match_their_sources():
    assert (reference("seed002.r0").k, reference("seed002.r0").n) == (37, 43)
    assert reference("seed002.os_5y").value == 0.59
    pelvex = reference("pelvex_2018.r0")
    assert round(pelvex.value, 3) == 0.554
    assert pelvex.interval == pytest.approx((0.526, 0.582), abs=5e-4)  # §3.5, derived
    assert [reference(f"pelvex_2018.os_3y_{r}").value for r in ("r0", "r1", "r2")] == [
        0.481,
        0.339,
        0.15,
    ]
    opra = {ref.id: ref.value for ref in references_for("tme_free_survival")}
    assert opra == {
        "opra_2022.tme_free_3y_induction": 0.41,
        "opra_2022.tme_free_3y_consolidation": 0.53,
        "opra_2024.tme_free_5y_induction": 0.39,
        "opra_2024.tme_free_5y_consolidation": 0.54,
    }
    assert reference("iwwd_2018.regrowth_2y").value == 0.252
    assert round(reference("iknl_2022.concordance").value, 3) == 0.841
    assert reference("german_ccc_2023.adherence").interval == (0.90, 0.935)


def test_every_reference_cites_registered_sources_and_ids_are_unique():
    assert len({ref.id for ref in REFERENCES}) == len(REFERENCES)
    for ref in REFERENCES:
        assert ref.evidence and all(source in SOURCES for source in ref.evidence), ref.id


def test_subgroup_figures_are_only_listed_on_request():
    ids = {ref.id for ref in references_for("overall_survival")}
    assert "pelvex_2018.os_3y_r0" not in ids
    assert "seed002.os_5y" in ids
    assert "pelvex_2018.os_3y_r0" in {
        ref.id for ref in references_for("overall_survival", include_subgroups=True)
    }


def newcombe_hybrid(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Newcombe (1998) method 10: the difference interval from the two Wilson intervals."""
    a, b = wilson(k1, n1), wilson(k2, n2)
    d = a.estimate - b.estimate
    lower = d - math.sqrt((a.estimate - a.lower) ** 2 + (b.upper - b.estimate) ** 2)
    upper = d + math.sqrt((a.upper - a.estimate) ** 2 + (b.estimate - b.lower) ** 2)
    return lower, upper


@pytest.mark.parametrize(
    ("k", "verdict"),
    [(37, Verdict.BETTER), (20, Verdict.CONSISTENT), (12, Verdict.WORSE)],
)
def test_r0_against_pelvex_uses_the_newcombe_difference(k, verdict):
    result = compare(k, 43, "pelvex_2018.r0")
    assert result.verdict is verdict
    _, low, high = result.difference
    assert (low, high) == pytest.approx(newcombe_hybrid(k, 43, 656, 1184), abs=1e-9)
    assert "newcombe_1998_difference" in result.evidence


def test_seed_cohort_is_consistent_with_itself_despite_its_wide_interval():
    result = compare(37, 43, "seed002.r0")
    assert result.verdict is Verdict.CONSISTENT
    assert (result.lower, result.upper) == pytest.approx((0.727, 0.934), abs=5e-4)


@pytest.mark.parametrize(
    ("k", "n", "verdict"),
    [(5, 40, Verdict.BETTER), (13, 40, Verdict.CONSISTENT), (25, 40, Verdict.WORSE)],
)
def test_lower_is_better_against_a_fixed_value(k, n, verdict):
    # PelvEx 2018 major complications 32.1%, no counts: the cohort's Wilson interval decides
    assert compare(k, n, "pelvex_2018.major_complications").verdict is verdict


@pytest.mark.parametrize(
    ("reference_id", "k", "n", "verdict"),
    [
        ("exenteration_benchmarks_2024.lrrc.r0", 37, 43, Verdict.MEETS),
        ("exenteration_benchmarks_2024.lrrc.r0", 30, 43, Verdict.MISSES),
        ("exenteration_benchmarks_2024.lrrc.major_complications", 10, 43, Verdict.MEETS),
        ("exenteration_benchmarks_2024.lrrc.major_complications", 30, 43, Verdict.MISSES),
        ("exenteration_benchmarks_2024.larc.mortality_30d", 0, 20, Verdict.MEETS),
        ("exenteration_benchmarks_2024.larc.mortality_30d", 1, 20, Verdict.MISSES),
    ],
)
def test_thresholds_are_met_or_not_on_the_point_estimate(reference_id, k, n, verdict):
    assert compare(k, n, reference_id).verdict is verdict


def test_threshold_explanation_says_when_the_interval_crosses():
    assert "crosses" in compare(37, 43, "exenteration_benchmarks_2024.lrrc.r0").explanation
    assert "crosses" not in compare(10, 43, "pelvex_2018.r0").explanation


def test_too_few_patients_is_its_own_verdict_and_the_cut_off_is_a_setting():
    assert MIN_PATIENTS_FOR_VERDICT == 10
    assert compare(5, 5, "seed002.r0").verdict is Verdict.TOO_FEW
    assert compare(9, 9, "exenteration_benchmarks_2024.lrrc.r0").verdict is Verdict.TOO_FEW
    relaxed = compare(9, 9, "exenteration_benchmarks_2024.lrrc.r0", min_patients=5)
    assert relaxed.verdict is Verdict.MEETS


def test_scores_and_survival_go_through_compare_estimate():
    cci = compare_estimate(25.0, None, None, 40, "exenteration_benchmarks_2024.lrrc.cci")
    assert cci.verdict is Verdict.MEETS
    os5 = compare_estimate(0.62, 0.50, 0.72, 60, "seed002.os_5y")
    assert os5.verdict is Verdict.CONSISTENT
    with pytest.raises(FieldError, match="interval"):
        compare_estimate(0.62, None, None, 60, "seed002.os_5y")
    with pytest.raises(FieldError, match="score"):
        compare(3, 40, "exenteration_benchmarks_2024.lrrc.cci")


def test_unknown_reference_is_a_data_error():
    with pytest.raises(FieldError) as raised:
        compare(3, 40, "pelvex_2099.r0")
    assert raised.value.field == "reference"


def test_to_dict_carries_the_reference_interval_and_verdict():
    payload = compare(37, 43, "pelvex_2018.r0").to_dict()
    assert payload["verdict"] == "better than"
    assert payload["reference"]["interval"] == pytest.approx([0.526, 0.582], abs=5e-4)
    assert payload["cohort"]["method"] == "wilson"

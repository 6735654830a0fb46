"""BED and EQD2 checked against the computed table in the domain notes (§6).

The table's columns are alpha/beta 10, 5 and 3 Gy (its "5" column is 5.0, not Suwinski's 5.06:
25 Gy/5 fx gives BED 50.00 only at 5.0).
"""

from __future__ import annotations

import numpy as np
import pytest

from rectoplan.clinical.radiotherapy import (
    ALPHA_BETA_LATE_GY,
    ALPHA_BETA_RECTAL_SUWINSKI_GY,
    ALPHA_BETA_TUMOUR_GY,
    SCHEDULES,
    bed,
    course_bed,
    course_eqd2,
    eqd2,
)
from rectoplan.errors import FieldError
from rectoplan.evidence import SOURCES

# schedule: (total Gy, fractions, d, {alpha/beta: (BED, EQD2)}), transcribed from §6
DOMAIN_TABLE = {
    "scrt_5x5": (25.0, 5, 5.0, {10: (37.50, 31.25), 5: (50.00, 35.71), 3: (66.67, 40.00)}),
    "crt_45_25": (45.0, 25, 1.8, {10: (53.10, 44.25), 5: (61.20, 43.71), 3: (72.00, 43.20)}),
    "crt_50_25": (50.0, 25, 2.0, {10: (60.00, 50.00), 5: (70.00, 50.00), 3: (83.33, 50.00)}),
    "crt_50_4_28": (50.4, 28, 1.8, {10: (59.47, 49.56), 5: (68.54, 48.96), 3: (80.64, 48.38)}),
    "crt_54_30": (54.0, 30, 1.8, {10: (63.72, 53.10), 5: (73.44, 52.46), 3: (86.40, 51.84)}),
}
CASES = [
    (name, alpha_beta, *values)
    for name, (_, _, _, by_ab) in DOMAIN_TABLE.items()
    for alpha_beta, values in by_ab.items()
]


@pytest.mark.parametrize(("name", "alpha_beta", "bed_gy", "eqd2_gy"), CASES)
def test_schedules_match_the_domain_table(name, alpha_beta, bed_gy, eqd2_gy):
    total, fractions, per_fraction, _ = DOMAIN_TABLE[name]
    schedule = SCHEDULES[name]
    assert (schedule.total_dose_gy, schedule.fractions) == (total, fractions)
    assert schedule.dose_per_fraction_gy == pytest.approx(per_fraction)
    assert schedule.bed(alpha_beta) == pytest.approx(bed_gy, abs=0.01)
    assert schedule.eqd2(alpha_beta) == pytest.approx(eqd2_gy, abs=0.01)
    assert bed(total, fractions, alpha_beta) == pytest.approx(bed_gy, abs=0.01)
    assert eqd2(total, fractions, alpha_beta) == pytest.approx(eqd2_gy, abs=0.01)


def test_named_alpha_beta_values_are_the_cited_ones():
    assert (ALPHA_BETA_TUMOUR_GY, ALPHA_BETA_LATE_GY) == (10, 3)
    assert ALPHA_BETA_RECTAL_SUWINSKI_GY == 5.06
    assert "5.06" in (SOURCES["suwinski_2007"].note or "")


def test_every_schedule_cites_registered_sources():
    for schedule in SCHEDULES.values():
        assert schedule.evidence and all(source in SOURCES for source in schedule.evidence)


def test_two_gray_fractions_leave_eqd2_equal_to_physical_dose_for_any_alpha_beta():
    alpha_beta = np.array([1.0, 3.0, 5.06, 10.0, 20.0])
    np.testing.assert_allclose(eqd2(50.0, 25, alpha_beta), 50.0)


def test_arrays_broadcast():
    totals = np.array([25.0, 45.0, 50.0])
    fractions = np.array([5, 25, 25])
    result = bed(totals, fractions, ALPHA_BETA_TUMOUR_GY)
    assert isinstance(result, np.ndarray)
    np.testing.assert_allclose(result, [37.5, 53.1, 60.0])
    assert isinstance(bed(25, 5, 10), float)


def test_multi_phase_course_sums_phases():
    # 45 Gy/25 fx then a 5.4 Gy/3 fx boost, both 1.8 Gy per fraction: the same as 50.4 Gy/28 fx
    phases = [SCHEDULES["crt_45_25"], (5.4, 3)]
    assert course_bed(phases, 10) == pytest.approx(59.47, abs=0.01)
    assert course_eqd2(phases, 10) == pytest.approx(49.56, abs=0.01)
    # 25 Gy/5 fx then 50 Gy/25 fx: BEDs add (37.5 + 60 at alpha/beta 10)
    assert course_bed([(25.0, 5), (50.0, 25)], 10) == pytest.approx(97.5)
    with pytest.raises(FieldError, match="phases"):
        course_bed([], 10)


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        ((0, 5, 10), "total_dose_gy"),
        ((-25, 5, 10), "total_dose_gy"),
        ((float("nan"), 5, 10), "total_dose_gy"),
        (("x", 5, 10), "total_dose_gy"),
        ((25, 0, 10), "fractions"),
        ((25, 2.5, 10), "fractions"),
        ((25, 5, 0), "alpha_beta_gy"),
        ((25, 5, -3), "alpha_beta_gy"),
    ],
)
def test_bad_input_names_the_argument(args, argument):
    for function in (bed, eqd2):
        with pytest.raises(ValueError, match=argument) as raised:
            function(*args)
        assert raised.value.field == argument

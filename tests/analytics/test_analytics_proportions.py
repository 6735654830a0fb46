"""Wilson score intervals against published values and the closed-form formula.

Published: Newcombe, Stat Med 1998;17:857 (Table II, method 3) for 81/263, 15/148, 0/20 and
1/29. Derived in surgical-modules.md §3.5 / §4.4 for the registry's own figures: 37/43
(seed 002 R0), 656/1184 (PelvEx 2018 R0) and 5/5.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rectoplan.analytics import wilson
from rectoplan.errors import FieldError


@pytest.mark.parametrize(
    ("k", "n", "lower", "upper", "places"),
    [
        (81, 263, 0.2553, 0.3662, 4),
        (15, 148, 0.0624, 0.1605, 4),
        (0, 20, 0.0000, 0.1611, 4),
        (1, 29, 0.0061, 0.1718, 4),
        (37, 43, 0.727, 0.934, 3),
        (656, 1184, 0.526, 0.582, 3),
        (5, 5, 0.566, 1.0, 3),
    ],
)
def test_published_wilson_intervals(k, n, lower, upper, places):
    result = wilson(k, n)
    tolerance = 0.5 * 10**-places
    assert (result.lower, result.upper) == pytest.approx((lower, upper), abs=tolerance)
    assert (result.k, result.n, result.method) == (k, n, "wilson")
    assert result.estimate == k / n


def closed_form_wilson(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson (1927): (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return (centre - half) / scale, (centre + half) / scale


@given(
    n=st.integers(min_value=1, max_value=5000),
    fraction=st.floats(min_value=0, max_value=1),
    alpha=st.sampled_from([0.01, 0.05, 0.1]),
)
def test_matches_the_closed_form_and_stays_in_the_unit_interval(n, fraction, alpha):
    from scipy.stats import norm

    k = round(fraction * n)
    result = wilson(k, n, alpha=alpha)
    expected = closed_form_wilson(k, n, float(norm.ppf(1 - alpha / 2)))
    assert (result.lower, result.upper) == pytest.approx(expected, abs=1e-9)
    assert 0.0 <= result.lower <= result.estimate <= result.upper <= 1.0


@pytest.mark.parametrize(
    ("k", "n", "field"),
    [(5, 0, "n"), (6, 5, "k"), (-1, 5, "k"), (2.5, 5, "k"), ("x", 5, "k"), (True, 5, "k")],
)
def test_impossible_counts_name_the_argument(k, n, field):
    with pytest.raises(FieldError) as raised:
        wilson(k, n)
    assert raised.value.field == field


def test_alpha_outside_zero_one_is_refused():
    with pytest.raises(FieldError, match="alpha"):
        wilson(3, 10, alpha=1.5)


def test_text_form_reads_as_a_report_line():
    assert str(wilson(37, 43)) == "37/43 = 86.0% (95% CI 72.7%-93.4%, wilson)"

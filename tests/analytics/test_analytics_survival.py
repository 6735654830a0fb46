"""Kaplan–Meier details on a six-patient example worked by hand, and the input checks.

Product-limit (Kaplan & Meier 1958): at each death time S is multiplied by (n - d) / n. The
Greenwood variance of log S is the running sum of d / (n (n - d)); R's "log" interval is
S·exp(±z·sqrt(V)) capped at 1, the "log-log" interval exp(-exp(log(-log S) ± z·sqrt(V) / log S)).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rectoplan.analytics import CoxPH, KaplanMeier, logrank
from rectoplan.errors import FieldError

Z = 1.959963984540054
TIMES = [1, 2, 2, 3, 4, 5]
EVENTS = [1, 1, 0, 1, 0, 1]


def test_product_limit_by_hand():
    curve = KaplanMeier().fit(TIMES, EVENTS)
    at = curve.survival_at([0, 1, 2, 3, 4, 5, 9])
    expected = [1, 5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3, 5 / 6 * 4 / 5 * 2 / 3, 0, 0]
    assert at["survival"].tolist() == pytest.approx(expected)
    assert at["at_risk"].tolist() == [6, 6, 5, 3, 2, 1, 0]
    assert at["events"].tolist() == [0, 1, 2, 3, 3, 4, 4]
    assert at["censored"].tolist() == [0, 0, 1, 1, 2, 2, 2]
    assert (curve.n, curve.events) == (6, 4)


def test_log_and_log_log_intervals_by_hand():
    variance = 1 / (6 * 5) + 1 / (5 * 4)  # Greenwood after the deaths at t=1 and t=2
    s = 4 / 6
    spread = math.exp(Z * math.sqrt(variance))
    log_band = (s / spread, min(1.0, s * spread))  # R caps the "log" interval at 1
    loglog = [
        math.exp(-math.exp(math.log(-math.log(s)) + sign * Z * math.sqrt(variance) / math.log(s)))
        for sign in (-1, 1)
    ]
    for method, band in (("log", log_band), ("log-log", loglog)):
        row = KaplanMeier(ci_method=method).fit(TIMES, EVENTS).survival_at([2.5]).iloc[0]
        assert (row["lower"], row["upper"]) == pytest.approx(band, rel=1e-9), method


def test_interval_of_a_curve_that_reaches_zero_is_zero():
    for method in ("log", "log-log"):
        row = KaplanMeier(ci_method=method).fit(TIMES, EVENTS).survival_at([5]).iloc[0]
        assert (row["survival"], row["lower"], row["upper"]) == (0, 0, 0)


def test_median_is_the_first_time_at_or_below_one_half():
    median = KaplanMeier().fit(TIMES, EVENTS).median
    assert median.time == 3  # S drops from 0.667 to 0.444 at t=3


def test_number_at_risk_counts_patients_still_followed():
    rng = np.random.default_rng(7)
    durations = rng.exponential(100, 500).round()
    events = rng.random(500) < 0.6
    curve = KaplanMeier().fit(durations, events)
    times = [0, 10, 50.5, 100, 250, 10_000]
    assert curve.number_at_risk(times).tolist() == [int((durations >= t).sum()) for t in times]


def test_to_dict_is_json_and_quotes_whole_years_by_default():
    days = [100, 400, 800, 1200]
    payload = json.loads(json.dumps(KaplanMeier().fit(days, [1, 0, 1, 0]).to_dict()))
    assert [row["time"] for row in payload["at_times"]] == [0, 365.25, 730.5, 1095.75]
    assert payload["ci_method"] == "log-log"
    assert payload["evidence"] == ["kaplan_meier_1958"]


@pytest.mark.parametrize(
    ("durations", "events", "field", "text"),
    [
        ([1, -2], [1, 1], "durations", "row 2"),
        ([1, float("nan")], [1, 1], "durations", "row 2"),
        ([1, 2], [1, 2], "events", "row 2"),
        ([1, 2], ["yes", "maybe"], "events", "row 2"),
        ([1, 2], [1], "events", "equal"),
        ([], [], "durations", "at least one"),
    ],
)
def test_bad_survival_input_names_the_field_and_row(durations, events, field, text):
    with pytest.raises(FieldError) as raised:
        KaplanMeier().fit(durations, events)
    assert raised.value.field == field
    assert text in raised.value.message


def test_unknown_interval_method_is_refused():
    with pytest.raises(FieldError, match="ci_method"):
        KaplanMeier(ci_method="plain")


def test_logrank_needs_two_groups_and_no_blank_group():
    with pytest.raises(FieldError, match="two groups"):
        logrank(TIMES, EVENTS, ["a"] * 6)
    with pytest.raises(FieldError, match="row 3"):
        logrank(TIMES, EVENTS, ["a", "b", None, "a", "b", "a"])


def test_cox_needs_a_covariate_and_an_event():
    import pandas as pd

    frame = pd.DataFrame({"duration_days": TIMES, "event": EVENTS, "arm": list("ababab")})
    with pytest.raises(FieldError, match="covariate"):
        CoxPH().fit(frame)
    with pytest.raises(FieldError, match="no events"):
        CoxPH().fit(frame.assign(event=0), categorical={"arm": "a"})


@pytest.mark.parametrize("reference", ["a", "b"])
def test_cox_refuses_a_level_without_events(reference):
    import pandas as pd

    # complete separation: every death is in arm a, so arm b's hazard ratio runs to zero
    frame = pd.DataFrame(
        {"duration_days": TIMES, "event": [1, 1, 0, 1, 0, 0], "arm": list("aababb")}
    )
    with pytest.raises(FieldError, match="'b' has no events"):
        CoxPH().fit(frame, categorical={"arm": reference})

"""The figures the outcomes dashboard adds: the at-risk times a page prints beside the KM
figure, concordance with an interval bar per period, and the deviation-reasons bar chart.

Each test reads the numbers back off the drawn figure, so a figure that disagreed with the
table printed beside it would fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rectoplan.analytics import KaplanMeier, concordance, plots
from rectoplan.analytics.survival import DAYS_PER_YEAR
from rectoplan.errors import FieldError


@pytest.fixture(scope="module")
def curves():
    rng = np.random.default_rng(7)
    arm = np.repeat(["A", "B"], 80)
    days = np.round(rng.exponential(np.where(arm == "A", 1400, 800)))
    follow_up = np.round(rng.uniform(100, 2200, arm.size))
    return KaplanMeier().fit_groups(np.minimum(days, follow_up), days <= follow_up, arm)


@pytest.fixture(scope="module")
def decisions() -> pd.DataFrame:
    dates = pd.date_range("2024-01-05", periods=30, freq="17D", tz="UTC")
    followed = [i % 4 != 0 for i in range(30)]
    codes = [
        None if f else ("patient-refuses" if i % 8 == 0 else None) for i, f in enumerate(followed)
    ]
    codes[4] = "prefers-alternative"
    return pd.DataFrame(
        {"decided_at": dates, "followed_preferred": followed, "deviation_code": codes}
    )


@pytest.mark.parametrize("unit", ["days", "months", "years"])
def test_at_risk_times_are_the_columns_the_figure_prints(curves, unit):
    times = plots.at_risk_times(curves, unit)
    assert times[0] == 0 and np.all(np.diff(times) > 0)
    assert times[-1] <= max(c.times[-1] for c in curves.values())
    figure = plots.survival_figure(curves, time_unit=unit)
    printed = [t.get_text() for t in figure.axes[1].texts]
    expected = [f"{n:,}" for c in curves.values() for n in c.number_at_risk(times)]
    assert printed == expected
    positions = [t.get_position()[0] for t in figure.axes[1].texts[: len(times)]]
    assert np.allclose(positions, times / plots.DAYS_PER_UNIT[unit])


def test_at_risk_times_step_by_whole_years_in_years(curves):
    times = plots.at_risk_times(curves, "years")
    assert np.allclose(times / DAYS_PER_YEAR, np.arange(len(times)))


def test_at_risk_times_refuse_an_unknown_unit(curves):
    with pytest.raises(FieldError) as caught:
        plots.at_risk_times(curves, "weeks")
    assert caught.value.field == "time_unit"


def test_concordance_with_interval_bars(decisions):
    report = concordance(decisions, period="quarter", min_per_period=1)
    figure = plots.concordance_figure(report, intervals="bars")
    ax = figure.axes[0]
    bars = ax.collections[0].get_segments()  # one vertical segment per period
    assert len(bars) == len(report.periods)
    for segment, period in zip(bars, report.periods, strict=True):
        assert segment[0][1] == pytest.approx(period.proportion.lower)
        assert segment[1][1] == pytest.approx(period.proportion.upper)
    with pytest.raises(FieldError):
        plots.concordance_figure(report, intervals="whiskers")


def test_periods_with_too_few_decisions_are_not_drawn(decisions):
    report = concordance(decisions, period="quarter", min_per_period=10**6)
    assert all(p.too_few for p in report.periods)
    figure = plots.concordance_figure(report, intervals="bars")
    ax = figure.axes[0]
    assert all(len(segment) == 0 for segment in ax.collections[0].get_segments())  # no bar
    drawn = ax.lines[0].get_ydata()
    assert all(value != value for value in drawn)  # every share is NaN: no point, no line
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("too few") == len(report.periods)


def test_deviation_reasons_bars_are_the_counts(decisions):
    report = concordance(decisions)
    figure = plots.deviation_reasons_figure(report.reasons)
    ax = figure.axes[0]
    widths = [patch.get_width() for patch in ax.patches]
    assert widths == [r.count for r in report.reasons] == sorted(widths, reverse=True)
    assert sum(widths) == report.deviations
    labels = [label.get_text() for label in ax.get_yticklabels()][::-1]
    assert "(patient-refuses)" in " ".join(labels)
    assert any(label == "not recorded" for label in labels)


def test_deviation_reasons_need_a_deviation():
    with pytest.raises(FieldError) as caught:
        plots.deviation_reasons_figure(())
    assert caught.value.field == "reasons"

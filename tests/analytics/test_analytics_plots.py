"""Every figure writes a non-empty PNG and SVG, and a wrong extension is refused.

The figures' content was reviewed by eye (projector-sized type, at-risk table under the KM
axis); these tests guard the file contract and the numbers printed on the figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rectoplan.analytics import CoxPH, KaplanMeier, compare, concordance, logrank, plots
from rectoplan.analytics.benchmarks import comparisons_figure
from rectoplan.errors import FieldError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    arm = np.repeat(["TME", "watch-and-wait"], 60)
    days = rng.exponential(np.where(arm == "TME", 1500, 900))
    follow_up = rng.uniform(200, 2500, arm.size)
    return pd.DataFrame(
        {"duration_days": np.minimum(days, follow_up), "event": days <= follow_up, "group": arm}
    )


def assert_written(path) -> None:
    data = path.read_bytes()
    assert len(data) > 5_000
    if path.suffix == ".png":
        assert data.startswith(PNG_MAGIC)
    else:
        assert b"<svg" in data[:2_000]


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_km_figure_with_at_risk_table(cohort, tmp_path, suffix):
    curves = KaplanMeier().fit_groups(cohort["duration_days"], cohort["event"], cohort["group"])
    test = logrank(cohort["duration_days"], cohort["event"], cohort["group"])
    path = tmp_path / f"km{suffix}"
    figure = plots.survival_figure(curves, path=path, logrank=test, title="TME-free")
    assert_written(path)
    at_risk = [t.get_text() for t in figure.axes[1].texts]
    months = np.arange(0, 84, 12) * 365.25 / 12
    expected = curves["TME"].number_at_risk(months)
    assert [f"{n:,}" for n in expected] == at_risk[: len(expected)]


def test_single_curve_plot_method(cohort, tmp_path):
    curve = KaplanMeier(ci_method="log").fit(cohort["duration_days"], cohort["event"])
    curve.plot(tmp_path / "one.png", time_unit="years")
    assert_written(tmp_path / "one.png")


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_cox_forest_plot(cohort, tmp_path, suffix):
    result = CoxPH().fit(cohort, categorical={"group": "TME"})
    result.plot(tmp_path / f"cox{suffix}")
    assert_written(tmp_path / f"cox{suffix}")


def test_benchmark_forest_plot(tmp_path):
    rows = [compare(37, 43, "pelvex_2018.r0"), compare(37, 43, "seed002.r0")]
    comparisons_figure(rows, tmp_path / "bench.svg")
    assert_written(tmp_path / "bench.svg")


def test_concordance_over_time(tmp_path):
    frame = pd.DataFrame(
        {
            "decided_at": pd.date_range("2024-01-01", periods=40, freq="9D"),
            "followed_preferred": [True, True, False, True] * 10,
        }
    )
    concordance(frame).plot(tmp_path / "concordance.png", reference=0.841)
    assert_written(tmp_path / "concordance.png")


def test_unknown_extension_or_folder_is_refused(cohort, tmp_path):
    curve = KaplanMeier().fit(cohort["duration_days"], cohort["event"])
    with pytest.raises(FieldError, match=r"\.png or \.svg"):
        curve.plot(tmp_path / "km.pdf")
    with pytest.raises(FieldError, match="does not exist"):
        curve.plot(tmp_path / "missing" / "km.png")

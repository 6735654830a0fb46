"""In a real browser: a viewer narrows the outcomes dashboard to one procedure and a range of
diagnosis years, reads the 1/3/5-year rates and the benchmark subsets, and downloads the
patient-level rows behind the survival figure, which refit to the curves shown."""

from __future__ import annotations

import re

import pandas as pd
from browser_support import fits_the_window, images_loaded, log_in, screenshot
from lifelines import KaplanMeierFitter
from playwright.sync_api import expect

from rectoplan.registry.users import Role


def test_filter_by_procedure_and_period_then_download_the_km_rows(page):
    log_in(page, Role.viewer)
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    expect(page.locator("#counted")).to_contain_text("Counting every patient")
    everyone = page.locator("#medians tbody tr").first.get_attribute("data-group")
    assert everyone  # grouped by risk group by default

    page.get_by_label("Procedure").select_option("lar")
    page.get_by_label("Diagnosed from").select_option("2019")
    page.get_by_label("Diagnosed to").select_option("2023")
    page.get_by_label("Group by").select_option("")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"procedure=lar"))
    counted = page.locator("#counted")
    expect(counted).to_contain_text("procedure Anterior resection")
    expect(counted).to_contain_text("diagnosed 2019–2023")
    n = int(re.search(r"Counting ([\d,]+)", counted.inner_text()).group(1).replace(",", ""))
    assert n > 5
    assert images_loaded(page) >= 2
    rates = page.locator("#survival-rates tbody tr")
    expect(rates).to_have_count(1)
    one_year = rates.first.locator("td[data-years='1']")
    expect(one_year).to_contain_text("%")
    assert fits_the_window(page)
    screenshot(page, "14-outcomes-filtered")
    page.locator("#benchmarks-card").scroll_into_view_if_needed()
    screenshot(page, "15-outcomes-benchmarks")

    with page.expect_download() as download:
        page.get_by_role("link", name="Patient-level data behind this figure (CSV)").click()
    saved = download.value
    assert saved.suggested_filename == "rectoplan-km-patients.csv"
    rows = pd.read_csv(saved.path())
    assert list(rows.columns) == ["patient", "group", "duration_days", "event"]
    assert 0 < len(rows) <= n
    medians = page.locator("#medians tbody tr").first
    assert int(medians.locator("td").nth(0).get_attribute("data-value")) == len(rows)
    assert int(medians.locator("td").nth(1).get_attribute("data-value")) == rows["event"].sum()
    shown = one_year.get_attribute("data-survival")
    if shown:
        fitter = KaplanMeierFitter().fit(rows["duration_days"], rows["event"].astype(bool))
        refit = float(fitter.survival_function_at_times(365.25).iloc[0])
        assert abs(refit - float(shown)) < 1e-9

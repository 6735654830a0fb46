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

    page.get_by_label("Procedure", exact=True).select_option("lar")
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


def test_a_deviation_is_recorded_in_the_mdts_words(page):
    """The reason select speaks the MDT's language; "Other" needs its text; the decision
    shows its derived category and the HL7 code it is stored as."""
    log_in(page, Role.clinician)
    page.goto("/cases/seed001-restaging")
    page.get_by_label(re.compile("Deviate from the recommendations")).check()
    reason = page.get_by_label("Reason for deviating")
    labels = [o.strip() for o in reason.locator("option").all_inner_texts()]
    assert "Patient preference" in labels and "Other (say what in the note)" in labels
    assert not any("PC CDS" in label for label in labels)
    reason.select_option(label="Other (say what in the note)")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("#f-note-error")).to_contain_text("say what the other reason")
    screenshot(page, "16-decision-other-needs-text")
    page.get_by_label(re.compile("Deviate from the recommendations")).check()
    page.get_by_label("Note (optional)").fill("Enrolled in a local trial of short-course RT")
    # no meeting is running, so the decision says why it could not wait for one
    page.get_by_label(re.compile("Urgency reason")).fill("Trial slot closes before the next MDT")
    page.get_by_role("button", name="Record decision").click()
    expect(page).to_have_url(re.compile(r"recorded=\d+"))
    row = page.locator("table.decisions tbody tr").last
    expect(row).to_contain_text("Deviation")
    expect(row).to_contain_text("Other")
    expect(row).to_contain_text("cds-not-applicable")
    page.locator("#decisions").scroll_into_view_if_needed()
    screenshot(page, "17-decision-recorded")

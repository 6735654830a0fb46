"""In a real browser: the login page, the redirect that protects patient data, the case list."""

from __future__ import annotations

import re

from browser_support import log_in, screenshot
from playwright.sync_api import expect

from rectoplan.registry.users import Role


def test_the_site_opens_on_the_login_page_and_keeps_patient_data_behind_it(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    expect(page.get_by_role("heading", name="Log in to RectoPlan")).to_be_visible()
    page.goto("/cases?stage=III")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    screenshot(page, "01-login")


def test_a_wrong_password_is_named_beside_the_field_and_the_name_is_kept(page):
    page.goto("/login")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#f-password-error")).to_have_text("Wrong user name or password.")
    expect(page.get_by_label("User name")).to_have_value("clinician")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")


def test_the_case_list_filters_in_place(page):
    log_in(page, Role.viewer)
    caption = page.locator("#case-table caption")
    total = int(caption.inner_text().split()[0])
    assert total > 100
    page.get_by_label("Pathway").select_option("stenosis")
    expect(caption).not_to_have_text(re.compile(rf"^{total} "))
    expect(page).to_have_url(re.compile(r"pathway=stenosis"))
    stenosis = int(caption.inner_text().split()[0])
    assert 0 < stenosis < total
    rows = page.locator("#case-table tbody tr")
    for i in range(rows.count()):
        expect(rows.nth(i).locator("td").nth(2)).to_contain_text("stenosis")
    screenshot(page, "02-case-list")


def test_logging_out_ends_the_session(page):
    log_in(page, Role.viewer)
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/login\?next=/cases"))


def test_the_outcomes_dashboard_draws_its_plots(page):
    from browser_support import fits_the_window, images_loaded

    log_in(page, Role.viewer)
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    for section in ("Survival", "Benchmarks", "Guideline concordance over time"):
        expect(page.get_by_role("heading", name=section)).to_be_visible()
    assert images_loaded(page) >= 3
    assert fits_the_window(page)
    screenshot(page, "06-outcomes")

"""In a real browser: the stenosis planner and the sacrectomy plan, with their plots."""

from __future__ import annotations

import re

from browser_support import fits_the_window, images_loaded, log_in, screenshot
from playwright.sync_api import expect

from rectoplan.registry.users import Role


def _force(page) -> float:
    return float(page.locator("#plan-force-n").get_attribute("value"))


def test_the_stenosis_planner_plans_and_a_shorter_gap_pulls_harder(page):
    log_in(page, Role.viewer)
    page.get_by_role("link", name="Stenosis planner").click()
    expect(page.get_by_role("heading", name="Stenosis planner", exact=True)).to_be_visible()
    page.get_by_role("button", name="Plan").click()
    expect(page.locator("#plan-verdict")).to_be_visible()
    assert images_loaded(page) >= 2  # force-gap and pressure-gap
    expect(page.locator("#design-table tbody tr").first).to_be_visible()
    long_gap = _force(page)
    assert long_gap > 0
    assert fits_the_window(page)
    screenshot(page, "05-stenosis-planner")

    length = page.locator('[name="stenosis_length_mm"]')
    planned = float(length.input_value())
    length.fill(str(planned / 2))
    page.get_by_role("button", name="Plan").click()
    expect(page).to_have_url(re.compile(r"stenosis_length_mm="))
    assert _force(page) > long_gap  # the pull grows as the rings come closer

    length.fill("-4")
    page.get_by_role("button", name="Plan").click()
    expect(page.locator("#f-stenosis_length_mm-error")).to_be_visible()
    expect(length).to_have_value("-4")


def test_the_sacrectomy_plan_shows_the_level_tape_and_sagittal_figure(page):
    log_in(page, Role.viewer)
    page.goto("/cases?pathway=recurrence")
    page.locator("#case-table a", has_text="seed002").first.click()
    page.get_by_role("link", name="Sacrectomy plan").click()
    expect(page.get_by_role("heading", name="Sacrectomy plan", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("S3")
    expect(page.locator("main")).to_contain_text("56.7")
    assert images_loaded(page) >= 1
    screenshot(page, "07-sacrectomy-plan")

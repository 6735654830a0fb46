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
    # force-gap and pressure-gap, drawn as inline SVG that takes up room on the page
    for chart in ("#plot-force", "#plot-pressure"):
        box = page.locator(chart).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100
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


def test_the_planner_from_the_seed000_case_agrees_with_the_case_and_saves_the_plan(page):
    """Issue 13: the case page prefers the guide-wire rail with the designed OD20/ID3/h8 N50
    ring; the planner opened from the case shows that ring and verdict, saves it, and the
    case's timeline shows the planned magnetic compression."""
    log_in(page, Role.clinician)
    page.goto("/cases/seed000-stenosis")
    findings = page.locator("table", has_text="Key findings")
    expect(findings).to_contain_text("OD 20.0 / ID 3.0 / h 8.0 mm N50")
    expect(findings).to_contain_text("needs guidewire rail")  # in words
    screenshot(page, "06-seed000-case-before-plan")
    actions = page.get_by_role("navigation", name="Case actions")
    actions.get_by_role("link", name="Stenosis planner").click()
    expect(page.locator("#planner-case")).to_contain_text("designed for this case")
    expect(page.locator("#plan-verdict")).to_have_text("Needs a guide-wire rail")
    expect(page.locator("#f-lower-od_mm")).to_have_value("20")
    expect(page.locator("#f-lower-id_mm")).to_have_value("3")
    expect(page.locator("#f-lower-height_mm")).to_have_value("8")
    expect(page.locator("#f-lower-grade")).to_have_value("N50")
    assert abs(_force(page) - 1.56) < 0.005  # the case page's 1.56 N
    expect(page.locator("#design-table tbody tr")).to_have_count(10)
    screenshot(page, "07-seed000-planner-from-case")
    page.locator("#design-table thead a[data-sort='mass_g']").click()
    expect(page.locator("#design-table th[aria-sort='ascending']")).to_contain_text("Mass")
    page.locator("#designs-all").click()
    assert page.locator("#design-table tbody tr").count() > 10
    screenshot(page, "08-seed000-planner-all-designs-by-mass")
    page.get_by_role("button", name="Save plan to case").click()
    expect(page).to_have_url(re.compile(r"/cases/seed000-stenosis"))
    timeline = page.locator("section", has=page.locator("#h-timeline"))
    expect(timeline).to_contain_text("Planned magnetic compression")
    expect(timeline).to_contain_text("OD 20 / ID 3 / h 8 mm N50, both rings; across 30 mm")
    expect(page.locator("table", has_text="Key findings")).to_contain_text("needs guidewire rail")
    screenshot(page, "09-seed000-case-with-planned-compression")


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

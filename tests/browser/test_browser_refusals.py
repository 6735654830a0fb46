"""In a real browser, issue 12's 500s as a user meets them now: delivery limits no magnetic
ring can pass, typed into the case edit form and into the stenosis planner, are refused
beside the input with everything typed kept, and the stored case stays as it was."""

from __future__ import annotations

from browser_support import log_in, screenshot
from playwright.sync_api import expect

from rectoplan.registry.users import Role

CASE = "/cases/seed000-stenosis"


def test_a_passage_no_ring_fits_is_named_beside_the_stenosis_and_nothing_is_lost(page):
    log_in(page, Role.clinician)
    page.goto(f"{CASE}/record/stenosis")  # the case page's stenosis editor
    anus = page.locator('[name="stenosis.delivery_limits.max_od_anus_mm"]')
    stoma = page.locator('[name="stenosis.delivery_limits.max_od_stoma_mm"]')
    stored = (anus.input_value(), stoma.input_value())
    anus.fill("2")
    stoma.fill("2")
    page.get_by_role("button", name="Save", exact=True).click()

    message = page.locator("#f-stenosis-delivery_limits-max_od_anus_mm-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("no magnetic ring fits through an anus of 2 mm")
    expect(anus).to_have_value("2")  # what was typed is kept
    expect(stoma).to_have_value("2")
    expect(page.get_by_text("Traceback")).to_have_count(0)
    screenshot(page, "12-case-edit-no-ring-fits")

    page.goto(f"{CASE}/record/stenosis")  # the refused save changed nothing
    kept = page.locator('[name="stenosis.delivery_limits.max_od_anus_mm"]').input_value()
    assert (
        kept,
        page.locator('[name="stenosis.delivery_limits.max_od_stoma_mm"]').input_value(),
    ) == stored


def test_the_planner_names_a_bore_wider_than_the_passage(page):
    log_in(page, Role.viewer)
    page.goto("/planner/stenosis")
    page.get_by_role("button", name="Plan").click()
    expect(page.locator("#plan-verdict")).to_be_visible()
    passage = page.locator('[name="max_od_mm"]')
    passage.fill("2")
    page.get_by_role("button", name="Plan").click()
    message = page.locator("#f-min_id_mm-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("must be narrower than the widest ring the route passes")
    expect(passage).to_have_value("2")
    screenshot(page, "13-planner-bore-wider-than-passage")

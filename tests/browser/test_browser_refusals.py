"""In a real browser, issue 12's 500s as a user meets them now: delivery limits no magnetic
ring can pass, typed into the case edit form and into the stenosis planner, are refused
beside the input with everything typed kept, and the stored case stays as it was."""

from __future__ import annotations

import json

from browser_support import log_in, screenshot
from playwright.sync_api import expect

from rectoplan.registry.users import Role

CASE = "/cases/seed000-stenosis"


def test_a_passage_no_ring_fits_is_named_beside_the_stenosis_and_nothing_is_lost(page):
    log_in(page, Role.clinician)
    page.goto(f"{CASE}/edit")
    box = page.locator('textarea[name="stenosis"]')
    stenosis = json.loads(box.input_value())
    stored_limits = dict(stenosis["delivery_limits"])
    stenosis["delivery_limits"].update(max_od_anus_mm=2, max_od_stoma_mm=2)
    typed = json.dumps(stenosis, indent=2)
    box.fill(typed)
    page.get_by_role("button", name="Save case").click()

    message = page.locator("#f-stenosis-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("stenosis.delivery_limits.max_od_anus_mm")
    expect(message).to_contain_text("no magnetic ring fits through an anus of 2 mm")
    assert json.loads(box.input_value()) == json.loads(typed)
    expect(page.get_by_text("Traceback")).to_have_count(0)
    screenshot(page, "12-case-edit-no-ring-fits")

    page.goto(CASE)  # the refused save changed nothing
    page.goto(f"{CASE}/edit")
    kept = json.loads(page.locator('textarea[name="stenosis"]').input_value())
    assert kept["delivery_limits"] == stored_limits


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

"""In a real browser: a coordinator runs a tumour board (schedules it, builds the agenda,
records attendance), a clinician records the decision at that meeting, and the minutes and
the meeting's PDF follow from it."""

from __future__ import annotations

import re
import uuid

from browser_support import SCREENSHOTS, log_in, screenshot
from playwright.sync_api import expect

from rectoplan.registry.users import Role

CASES = ("seed001-restaging", "seed002-posterior-recurrence")


def test_a_tumour_board_from_agenda_to_minutes_and_pdf(page, browser, server):
    title = f"Colorectal MDT {uuid.uuid4().hex[:6]}"
    log_in(page, Role.coordinator)
    page.get_by_role("link", name="MDT meetings").click()
    page.get_by_label("Date").fill("2026-11-24")
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    meeting_url = page.url

    for case_id in CASES:
        page.get_by_label("Find a case").fill(case_id)
        page.get_by_role("button", name=f"Add {case_id}", exact=True).click()
        expect(page.locator("ol.agenda")).to_contain_text(case_id)
    page.get_by_label("Find a case").fill("no-such-case")
    expect(page.locator("#case-results")).to_contain_text("No case found")
    page.get_by_label("Find a case").press("Enter")  # the exact id, as without JavaScript
    expect(page.locator("#f-q-error")).to_be_visible()
    expect(page.get_by_label("Find a case")).to_have_value("no-such-case")

    page.get_by_text("Guests (not registry users)").click()
    page.get_by_label("Guests").fill("Dr A (surgeon)\nDr B (oncologist)\nDr A (surgeon)")
    page.get_by_role("button", name="Save guests").click()
    page.get_by_text("Guests (not registry users)").click()
    expect(page.get_by_label("Guests")).to_have_value("Dr A (surgeon)\nDr B (oncologist)")

    # a clinician decides the first case at this meeting
    clinician = browser.new_context(base_url=server.base_url).new_page()
    log_in(clinician, Role.clinician)
    clinician.goto(f"/cases/{CASES[0]}")
    clinician.get_by_label(re.compile("Accept the preferred option")).check()
    meeting = clinician.get_by_label("Meeting", exact=True)
    option = meeting.locator("option", has_text=title)
    meeting.select_option(option.get_attribute("value"))
    clinician.get_by_role("button", name="Record decision").click()
    expect(clinician).to_have_url(re.compile(r"recorded=\d+"))
    clinician.context.close()

    page.goto(meeting_url)
    minutes = page.locator("#minutes ol.minutes > li")
    expect(minutes.nth(0)).to_contain_text(f"{CASES[0]}: the MDT chose")
    expect(minutes.nth(1)).to_contain_text("No decision recorded")  # not decided yet
    screenshot(page, "08-meeting")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("PDF")).first.click()
    target = SCREENSHOTS.parent / "meeting-summary.pdf"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    download.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")

    page.goto(f"/cases?meeting={meeting_url.rsplit('/', 1)[1]}")
    rows = page.locator("#case-table tbody tr")
    expect(rows).to_have_count(len(CASES))

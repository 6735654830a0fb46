"""In a real browser, the MDT's main path: a clinician enters a case, sees its
recommendations, records the decision and downloads the printable summary; a viewer can read
but not decide. What each click stored is checked in the registry itself."""

from __future__ import annotations

import json
import re
import uuid

from browser_support import (
    PASSWORD,
    ROOT,
    SCREENSHOTS,
    fill_form,
    fits_the_window,
    log_in,
    screenshot,
)
from playwright.sync_api import expect
from sqlalchemy import select

from rectoplan.clinical.case import Case
from rectoplan.pathways.engine import assess
from rectoplan.registry import models
from rectoplan.registry.db import make_engine
from rectoplan.registry.users import Role
from rectoplan.web.pages.case_form import REFERRAL, referral_from_values, to_values

EXAMPLE = ROOT / "examples" / "cases" / "seed001_1_diagnosis.json"


def _example(case_id: str) -> Case:
    data = json.loads(EXAMPLE.read_text())
    data["case_id"] = case_id
    return Case.model_validate(data)


def _decisions(database_url: str, case_id: str) -> list[models.MdtDecision]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            episode = select(models.Episode.id).where(models.Episode.case_id == case_id)
            query = select(models.MdtDecision).where(
                models.MdtDecision.episode_id == episode.scalar_subquery()
            )
            return list(connection.execute(query))
    finally:
        engine.dispose()


def test_a_clinician_enters_a_case_decides_and_prints_it(page, server):
    case_id = f"browser-{uuid.uuid4().hex[:8]}"
    referral = referral_from_values(to_values(_example(case_id), sections=REFERRAL))
    case = referral.case  # what the referral holds of the seed case
    assert case is not None, referral.errors
    preferred = assess(case).preferred()
    assert preferred, "the seed-001 diagnosis referral has a preferred option"

    log_in(page, Role.clinician)
    page.get_by_role("link", name="New case").click()
    expect(page.get_by_role("heading", name="New case: referral")).to_be_visible()
    values = to_values(case, sections=REFERRAL)
    fill_form(page, values)

    # a bad value is named beside its field, and nothing typed is lost
    distance = page.locator('[name="tumour.distance_from_anal_verge_cm"]')
    distance.fill("-3")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#f-tumour-distance_from_anal_verge_cm-error")).to_be_visible()
    expect(distance).to_have_attribute("aria-invalid", "true")
    expect(page.locator('[name="case_id"]')).to_have_value(case_id)
    expect(page.locator('[name="tumour.longest_diameter_cm"]')).to_have_value(
        values["tumour.longest_diameter_cm"]
    )
    screenshot(page, "03-case-entry-error")

    distance.fill(values["tumour.distance_from_anal_verge_cm"])
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(case_id)

    recommendations = page.locator("#h-recommendations").locator("xpath=..")
    for option in preferred:
        expect(recommendations).to_contain_text(option.title)
    assert fits_the_window(page)
    screenshot(page, "04-case-page")

    page.get_by_label(re.compile("Accept the preferred option")).check()
    # no meeting yet: the decision needs the reason it could not wait for one
    page.get_by_label("Urgency reason (only without a meeting)").fill("Obstructing tumour")
    page.get_by_role("button", name="Record decision").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}\?recorded=\d+"))
    stored = _decisions(server.database_url, case_id)
    assert len(stored) == 1
    assert stored[0].followed_preferred is True
    assert stored[0].chosen_option_id == preferred[0].id
    assert stored[0].decided_by == "clinician"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = download.value
    assert pdf.suggested_filename.endswith(".pdf")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS.parent / f"summary-{case_id}.pdf"
    pdf.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")


def test_a_viewer_reads_the_case_but_cannot_decide(page, server):
    log_in(page, Role.viewer)
    page.goto("/cases/seed001-diagnosis")
    expect(page.get_by_role("heading", name="Recommendations")).to_be_visible()
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    expect(page.get_by_text("Viewers cannot record decisions")).to_be_visible()
    before = len(_decisions(server.database_url, "seed001-diagnosis"))
    # a hand-made post with the viewer's own session is refused by the server too
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    response = page.request.post(
        "/cases/seed001-diagnosis/decisions", form={"csrf_token": token, "mode": "accept"}
    )
    assert response.status == 403
    assert len(_decisions(server.database_url, "seed001-diagnosis")) == before


def test_the_keyboard_alone_logs_in_and_reaches_the_content(page):
    page.goto("/login")
    expect(page.get_by_label("User name")).to_be_focused()  # autofocus: type at once
    page.keyboard.type("viewer")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases$"))
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_case_page_fits_a_projector_and_a_small_laptop(browser, server):
    for width, height, name in ((1920, 1080, "projector"), (1280, 720, "laptop")):
        context = browser.new_context(
            base_url=server.base_url, viewport={"width": width, "height": height}
        )
        page = context.new_page()
        log_in(page, Role.viewer)
        page.goto("/cases/seed001-diagnosis")
        expect(page.get_by_role("heading", name="Recommendations")).to_be_visible()
        assert fits_the_window(page), name
        screenshot(page, f"case-page-{name}")
        context.close()

"""In a real browser, a tumour board end to end: the admin creates the chair and a radiologist on
the users page; the coordinator schedules the meeting, adds cases by search and from a case
page, and sees which case is not ready and why; the chair presents on a 1366×768 screen,
steps through by keyboard, records the decisions (one a deviation), minutes an action and a
dissent, signs the minutes off; an edit after sign-off becomes an amendment, kept in the audit.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from browser_support import PASSWORD, SCREENSHOTS, log_in, screenshot
from playwright.sync_api import expect
from sqlalchemy import select

from rectoplan.registry import audit, models
from rectoplan.registry.db import make_engine, session_factory
from rectoplan.registry.users import Role

DIAGNOSIS, STENOSIS = "seed001-diagnosis", "seed000-stenosis"
RECURRENCE = "seed002-posterior-recurrence"
PROJECTOR = {"width": 1366, "height": 768}


def _log_in_as(page, name: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/cases**")


def _create_user(page, name: str, full_name: str, specialty: str, password: str) -> None:
    page.get_by_label(re.compile("^Login name")).fill(name)
    page.get_by_label("Full name").fill(full_name)
    page.get_by_label("Specialty").select_option(label=specialty)
    page.locator("#create #f-role").select_option("clinician")
    page.get_by_label(re.compile("^Initial password")).fill(password)
    page.get_by_role("button", name="Create user").click()
    expect(page.locator(f'[id="user-{name}"]')).to_contain_text(full_name)


def _episode(server, case_id: str) -> int:
    engine = make_engine(server.database_url)
    try:
        with session_factory(engine)() as session:
            return session.scalar(
                select(models.Episode.id).where(models.Episode.case_id == case_id)
            )
    finally:
        engine.dispose()


def _viewport_shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _decide(page, mode: str, code: str | None = None, note: str | None = None) -> None:
    form = page.locator("form.decision-form")
    form.get_by_label(re.compile(mode)).check()
    if code:
        form.get_by_label("Reason for deviating").select_option(code)
    if note:
        form.get_by_label("Note (optional)").fill(note)
    form.get_by_role("button", name="Record decision").click()
    expect(page).to_have_url(re.compile(r"/present/\d+\?recorded=\d+"))
    expect(page.locator("#decision-recorded")).to_be_visible()


def test_a_tumour_board_runs_in_rectoplan(page, browser, server):
    tag = uuid.uuid4().hex[:6]
    chair, radiologist = f"chair.{tag}", f"rad.{tag}"
    chair_name = f"Dr Ann Chair {tag}"
    title = f"Colorectal MDT {tag}"

    # the admin creates the chair and a radiologist on the users page
    log_in(page, Role.admin)
    page.get_by_role("link", name="Users").click()
    _create_user(page, chair, chair_name, "Colorectal surgeon", PASSWORD)
    _create_user(page, radiologist, f"Dr Li Wei {tag}", "Radiologist", PASSWORD)
    screenshot(page, "tb-01-users")
    page.context.clear_cookies()

    # the coordinator schedules today's meeting with its chair, place and video link
    log_in(page, Role.coordinator)
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    page.get_by_role("link", name="MDT meetings").click()
    page.get_by_label("Date").fill(dt.date.today().isoformat())
    page.get_by_label("Title").fill(title)
    page.get_by_label("Start time").fill("14:30")
    page.get_by_label("Place").fill("Seminar room 4")
    page.get_by_label("Video link").fill("https://video.example.org/mdt")
    page.get_by_label("Chair").select_option(chair)
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(page.locator(".meeting-facts")).to_contain_text(
        f"Chair: {chair_name} (Colorectal surgeon)"
    )
    meeting_url = page.url
    meeting_id = int(meeting_url.rsplit("/", 1)[1])

    # members present, picked from users with their specialty; the quorum says who is missing
    page.get_by_label(f"{chair_name} (Colorectal surgeon)").check()
    page.get_by_label(f"Dr Li Wei {tag} (Radiologist)").check()
    page.get_by_role("button", name="Save members present").click()
    quorum = page.locator("#attendance .quorum")
    expect(quorum).to_contain_text("missing Medical oncologist, Radiation oncologist, Pathologist")

    # cases by search as you type
    for typed, case_id in (("seed001-diag", DIAGNOSIS), ("stenosis", STENOSIS)):
        page.get_by_label("Find a case").fill(typed)
        add = page.get_by_role("button", name=f"Add {case_id}", exact=True)
        expect(add).to_be_visible()
        if case_id == DIAGNOSIS:
            page.get_by_label("Clinical question (optional)").fill("TNT or organ preservation?")
            page.get_by_label("Referrer (optional)").fill("Dr Referrer, GI clinic")
        add.click()
        expect(page.locator("ol.agenda")).to_contain_text(case_id)

    # the referrer of a case is corrected after it was added
    page.get_by_text(f"Edit the question and referrer of {DIAGNOSIS}").click()
    page.get_by_label(f"Referrer of {DIAGNOSIS}").fill("Dr Referrer, colorectal clinic")
    page.get_by_role("button", name=f"Save the question of {DIAGNOSIS}").click()
    expect(page.locator("ol.agenda > li").nth(0)).to_contain_text(
        "TNT or organ preservation? (referred by Dr Referrer, colorectal clinic)"
    )
    page.get_by_text(f"Edit the question and referrer of {DIAGNOSIS}").click()
    screenshot(page, "tb-02a-question-edited")

    # ... and one from its case page
    page.goto(f"/cases/{RECURRENCE}")
    page.get_by_role("button", name=re.compile(f"Add to the next meeting .*{title}")).click()
    expect(page).to_have_url(re.compile(f"/cases/{RECURRENCE}"))
    page.goto(meeting_url)
    agenda = page.locator("ol.agenda > li")
    expect(agenda).to_have_count(3)
    expect(agenda.nth(0)).to_contain_text("TNT or organ preservation?")

    # readiness: the diagnosis case lacks the date of its MRI; the stenosis case is ready
    first = agenda.nth(0)
    expect(first.locator(".readiness.not-ready")).to_contain_text("Staging MRI")
    expect(first.locator(".readiness.not-ready")).to_contain_text("usually from the radiologist")
    expect(agenda.nth(1).locator(".readiness.ready")).to_have_text("Ready for the meeting")
    expect(agenda.nth(2).locator(".readiness.not-ready")).to_contain_text("days old")
    screenshot(page, "tb-02-agenda-readiness")

    page.get_by_role("button", name="Start the meeting and present").click()
    expect(page).to_have_url(re.compile(f"/meetings/{meeting_id}/present/1$"))
    page.context.clear_cookies()

    # the chair presents on a projector-sized screen and steps through by keyboard
    chair_page = browser.new_context(base_url=server.base_url, viewport=PROJECTOR).new_page()
    _log_in_as(chair_page, chair, PASSWORD)
    chair_page.goto(f"/meetings/{meeting_id}/present/1")
    expect(chair_page.locator("#present-place")).to_have_text("Case 1 of 3")
    expect(chair_page.get_by_label("Meeting", exact=True)).to_have_value(str(meeting_id))
    _viewport_shot(chair_page, "tb-03-present-1366x768")
    width = chair_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PROJECTOR["width"], "presentation mode scrolls sideways at 1366 px"
    chair_page.keyboard.press("ArrowRight")
    expect(chair_page).to_have_url(re.compile(r"/present/2$"))
    expect(chair_page.locator("#present-case")).to_contain_text(STENOSIS)
    chair_page.keyboard.press("ArrowLeft")
    expect(chair_page).to_have_url(re.compile(r"/present/1$"))

    _decide(chair_page, "Accept the preferred option")
    chair_page.keyboard.press("ArrowRight")
    expect(chair_page.locator("#present-case")).to_contain_text(STENOSIS)
    _decide(
        chair_page, "Deviate from the recommendations", "prefers-alternative", "Declines the rings"
    )
    expect(chair_page.locator("#decision-recorded")).to_contain_text("deviation")
    chair_page.keyboard.press("PageDown")
    expect(chair_page.locator("#present-case")).to_contain_text(RECURRENCE)
    _decide(chair_page, "Accept the preferred option")
    _viewport_shot(chair_page, "tb-04-present-decided")

    # minutes: a dissent and an action with its owner, then the chair signs off
    chair_page.goto(f"/meetings/{meeting_id}")
    chair_page.get_by_text(f"{STENOSIS}: rationale, dissent, actions").click()
    chair_page.get_by_label(f"Rationale for {STENOSIS}").fill("Patient's informed choice")
    chair_page.get_by_label(f"Dissent for {STENOSIS} (if any)").fill("Radiologist favours rings")
    chair_page.get_by_role("button", name=f"Save minutes of {STENOSIS}").click()
    chair_page.get_by_text(f"{STENOSIS}: rationale, dissent, actions").click()
    chair_page.get_by_label(f"Action for {STENOSIS}", exact=True).fill("Repeat the contrast enema")
    chair_page.get_by_label(f"Owner of the action for {STENOSIS}").select_option(radiologist)
    chair_page.get_by_role("button", name=f"Add action for {STENOSIS}").click()
    minutes = chair_page.locator("#minutes ol.minutes")
    expect(minutes).to_contain_text("Dissent: Radiologist favours rings")
    expect(minutes).to_contain_text(f"Repeat the contrast enema — Dr Li Wei {tag} (Radiologist)")
    expect(minutes).to_contain_text("Reason: Patient preference (Patient prefers an alternative")
    # without its quorum the meeting cannot sign off; the refusal says who is missing
    chair_page.get_by_role("button", name="Sign off the minutes").click()
    expect(chair_page.locator(".notice.error")).to_contain_text(
        "no Medical oncologist, Radiation oncologist, Pathologist among the members"
    )
    screenshot(chair_page, "tb-05a-no-quorum")
    # this board decides with a surgeon and a radiologist: the coordinator says so
    log_in(page, Role.coordinator)
    page.goto(meeting_url)
    quorum_choice = page.locator("#details .quorum-choice")
    for specialty in ("Medical oncologist", "Radiation oncologist", "Pathologist"):
        quorum_choice.get_by_label(specialty, exact=True).uncheck()
    page.get_by_role("button", name="Save details").click()
    expect(page.locator("#attendance .quorum")).not_to_contain_text("missing")
    chair_page.goto(f"/meetings/{meeting_id}")
    chair_page.get_by_role("button", name="Sign off the minutes").click()
    state = chair_page.locator("#meeting-state")
    expect(state).to_contain_text(f"Minutes signed off by {chair_name} (Colorectal surgeon)")
    screenshot(chair_page, "tb-05-signed-off")

    # an edit after sign-off is an amendment: refused without a reason, kept with one
    chair_page.get_by_text(f"{DIAGNOSIS}: rationale, dissent, actions").click()
    chair_page.get_by_label(f"Rationale for {DIAGNOSIS}").fill("Organ preservation wished for")
    chair_page.get_by_role("button", name=f"Save minutes of {DIAGNOSIS}").click()
    expect(
        chair_page.locator(f"#f-c{_episode(server, DIAGNOSIS)}-amendment_reason-error")
    ).to_contain_text("amendment")
    chair_page.get_by_label(f"Amendment reason for {DIAGNOSIS}").fill("Rationale left out")
    chair_page.get_by_role("button", name=f"Save minutes of {DIAGNOSIS}").click()
    expect(state).to_contain_text("amended (version 2)")
    expect(chair_page.locator("#minutes ol.minutes")).to_contain_text(
        "Rationale: Organ preservation wished for"
    )
    screenshot(chair_page, "tb-06-amended")
    chair_page.context.close()

    engine = make_engine(server.database_url)
    try:
        with session_factory(engine)() as session:
            meeting = session.get(models.MdtMeeting, meeting_id)
            assert meeting.minutes_version == 2 and meeting.last_amendment == "Rationale left out"
            history = audit.history(session, "mdt_meetings", meeting_id)
            versions = [row.after["minutes_version"] for row in history if row.after]
            assert versions[-2:] == [1, 2] and history[-1].actor == chair
            decided = session.scalars(
                select(models.MdtDecision).where(models.MdtDecision.meeting_id == meeting_id)
            ).all()
            assert sorted(d.followed_preferred for d in decided) == [False, True, True]
            assert {d.decided_by for d in decided} == {f"{chair_name} (Colorectal surgeon)"}
    finally:
        engine.dispose()

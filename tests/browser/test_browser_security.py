"""In a real browser: the pages run under their Content-Security-Policy without a violation,
and htmx still works under it.

Chromium reports every refused script, style or image as a console error ("Refused to ...
because it violates the following Content Security Policy directive"); the test first proves
it would see one (an inline style injected on purpose is refused and reported), then walks
the main pages and expects none.
"""

from __future__ import annotations

import re

from browser_support import log_in
from playwright.sync_api import expect

from rectoplan.registry.users import Role

CASE = "seed001-diagnosis"
RECURRENCE = "seed002-posterior-recurrence"
PAGES = (
    "/cases",
    "/cases?pathway=stenosis",
    "/cases/new",
    f"/cases/{CASE}",
    f"/cases/{CASE}/edit",
    f"/cases/{CASE}/summary",
    f"/cases/{RECURRENCE}/sacrectomy",
    "/evidence",
    "/planner/stenosis",
    "/meetings",
    "/outcomes",
    "/cases/no-such-case",
)


def _watch(page) -> list[str]:
    """Collect the CSP violations chromium reports on ``page``'s console."""
    seen: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", on_console)
    return seen


def test_the_policy_is_enforced_so_a_violation_would_be_seen(page):
    violations = _watch(page)
    page.goto("/login")
    page.evaluate(
        "() => { const s = document.createElement('style');"
        " s.textContent = 'body { background: red }'; document.head.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert any("style-src" in text for text in violations), violations
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 0, 0)"


def test_the_main_pages_load_without_a_csp_violation_and_htmx_still_filters(page):
    violations = _watch(page)
    page.goto("/login")
    log_in(page, Role.clinician)
    for url in PAGES:
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("() => typeof htmx") == "object" or url.endswith("/summary"), url
    meetings = page.goto("/meetings")
    assert meetings is not None
    link = page.locator('a[href^="/meetings/"]').first
    if link.count():
        link.click()
        page.wait_for_load_state("load")
    assert violations == [], violations

    # htmx under the policy: the case list filters in place (a fragment swap, no reload)
    page.goto("/cases")
    caption = page.locator("#case-table caption")
    total = int(caption.inner_text().split()[0])
    page.evaluate("() => { window.__sameDocument = true; }")
    page.get_by_label("Pathway").select_option("stenosis")
    expect(caption).not_to_have_text(re.compile(rf"^{total} "))
    expect(page).to_have_url(re.compile(r"pathway=stenosis"))
    assert page.evaluate("() => window.__sameDocument === true")  # swapped, not reloaded
    assert page.locator("head style").count() == 0  # htmx injected no inline style
    assert page.evaluate("() => localStorage.getItem('htmx-history-cache')") in (None, "[]")
    assert violations == [], violations


def test_the_print_and_back_buttons_work_without_inline_handlers(page):
    violations = _watch(page)
    log_in(page, Role.viewer)
    page.goto(f"/cases/{CASE}/summary")
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed++; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("() => window.__printed") == 1
    page.goto("/cases")
    page.goto("/cases/no-such-case")
    page.get_by_role("button", name="Go back").click()
    expect(page).to_have_url(re.compile(r"/cases$"))
    assert violations == [], violations

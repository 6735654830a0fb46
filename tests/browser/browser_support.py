"""What the browser tests share besides fixtures: the users' password, logging in, screenshots.

A uniquely named module (not ``conftest``) so test modules can import it unambiguously.
"""

from __future__ import annotations

from pathlib import Path

from rectoplan.registry.users import Role

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "browser tests only 1234"


def log_in(page, role: Role | str) -> None:
    """Log in through the form, as a user would."""
    page.goto("/login")
    page.get_by_label("User name").fill(Role(role).value if role != Role.admin else "admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/cases**")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot of what the browser shows now as a test artefact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def fill_form(page, values: dict) -> None:
    """Fill the case form's inputs from ``values`` (as `case_form.to_values` gives them), each
    by its ``name``, the way the input takes it (select, checkbox, text)."""
    from rectoplan.web.pages.case_form import FIELDS

    for name, value in values.items():
        kind = FIELDS[name].kind if name in FIELDS else "text"
        if kind in ("enum", "tristate"):
            page.locator(f'select[name="{name}"]').select_option(str(value))
        elif kind == "bool":
            page.locator(f'input[name="{name}"]').set_checked(value in ("true", "on"))
        elif kind == "choices":
            for option in value:
                page.locator(f'input[name="{name}"][value="{option}"]').check()
        else:
            page.locator(f'[name="{name}"]').fill(str(value))


def fits_the_window(page) -> bool:
    """No horizontal scrolling: the page's layout fits the viewport's width."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def images_loaded(page) -> int:
    """How many <img> in the main content have loaded with a non-zero width (fails on any
    broken image)."""
    widths = page.eval_on_selector_all("main img", "els => els.map(e => e.naturalWidth)")
    assert all(w > 0 for w in widths), widths
    return len(widths)

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

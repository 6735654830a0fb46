"""Where the web package keeps its files: templates and static assets (CSS, vendored htmx)."""

from pathlib import Path

WEB = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB / "templates"
STATIC = WEB / "static"

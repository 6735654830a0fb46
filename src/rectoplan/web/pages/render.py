"""Rendering a page: the Jinja2 environment, the context every template gets, form errors.

Every template extends ``base.html`` and receives ``user`` (or None), ``csrf`` (the session's
CSRF token, for forms and for HTMX's ``hx-headers``) and ``nav`` (the section it belongs to).
A request made by HTMX (``HX-Request``) may be answered with just a fragment: the routes pass
``partial`` templates for that case.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from rectoplan import __version__
from rectoplan.errors import field_errors
from rectoplan.i18n import format_date, format_number, gettext, ngettext, roman
from rectoplan.reports import labels
from rectoplan.web.app_paths import TEMPLATES_DIR
from rectoplan.web.deps import Principal
from rectoplan.web.locale import html_lang
from rectoplan.web.pages.session import CSRF_FIELD, CSRF_HEADER, csrf_token

TEMPLATES = Jinja2Templates(directory=TEMPLATES_DIR)
TEMPLATES.env.add_extension("jinja2.ext.i18n")
TEMPLATES.env.globals.update(
    version=__version__, csrf_field=CSRF_FIELD, csrf_header=CSRF_HEADER, html_lang=html_lang
)
TEMPLATES.env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
"""``{{ _("...") }}`` and ``{% trans %}`` in templates translate in the request's locale (the
callables read the context variable at render time); ``html_lang()`` gives ``<html lang>``."""
TEMPLATES.env.filters.update(
    label=labels.label,
    field_label=labels.field_label,
    listed=labels.listed,
    shown=labels.shown,
    date=lambda value: format_date(value) if value else "",
    number=format_number,
    roman=roman,
    clock=lambda value: value.strftime("%H:%M") if value else "",
)
"""Clinical words in every template (``{{ a.risk_group | label }}``), and dates and numbers in
the request's locale (``{{ meeting.held_on | date }}``: 2024-03-05 or 2024年3月5日; ``| clock``
gives a time of day as 14:30, the same in both languages)."""


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    user: Principal | None = None,
    status_code: int = 200,
    partial: str | None = None,
) -> HTMLResponse:
    """``template`` (or ``partial`` when HTMX asked for a fragment) with the common context."""
    name = partial if partial is not None and is_htmx(request) else template
    values = {"user": user, "csrf": csrf_token(request), **(context or {})}
    return TEMPLATES.TemplateResponse(request, name, values, status_code=status_code)


def messages_by_field(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """Pydantic's errors keyed by the dotted field path the form's inputs are named after
    (``mri.ct``, ``tumour.distance_from_anal_verge_cm``); the first message wins per field."""
    found: dict[str, str] = {}
    for error in field_errors(exc, prefix):
        found.setdefault(error.field, error.message)
    return found

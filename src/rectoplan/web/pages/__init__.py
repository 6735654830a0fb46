"""The MDT's web pages: server-rendered Jinja2 with HTMX, signed in by a session cookie.

One module per part of the work; each holds a router of pages (``include_in_schema=False``:
the OpenAPI document describes the API only). Pages call the same functions the API routes
do, so a page can never disagree with the API about a case. `session` holds the cookie, CSRF
and role guards; `render` the templates; `errors` turns failures into redirects and HTML;
`figures` and `pdf` embed plots and print summaries.

Order matters where paths overlap: ``/cases/new`` (entry) must come before ``/cases/{case_id}``.
"""

from rectoplan.web.pages import (
    admin,
    auth,
    case,
    cases,
    entry,
    meetings,
    oidc,
    outcome_exports,
    outcomes,
    planners,
    presentation,
)

PAGE_ROUTERS = (
    auth.router,
    oidc.router,
    cases.router,
    entry.router,
    case.router,
    planners.router,
    meetings.router,
    presentation.router,
    outcomes.router,
    outcome_exports.router,
    admin.router,
)

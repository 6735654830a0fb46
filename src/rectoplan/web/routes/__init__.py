"""One router per resource; `app.create_app` includes them all (`ROUTERS`)."""

from rectoplan.web.routes import (
    analytics,
    assess,
    assessments,
    auth,
    cases,
    cds_hooks,
    fhir,
    health,
    mct,
    meetings,
    oidc,
    outcomes,
    users,
)

ROUTERS = (
    health.router,
    auth.router,
    oidc.router,
    users.router,
    cases.router,
    assess.router,
    assessments.router,
    meetings.router,
    outcomes.router,
    analytics.router,
    mct.router,
    fhir.router,
    cds_hooks.router,
)

"""The FastAPI application: `create_app(settings)` wires the registry, the routers and the
error handlers together.

The app owns one engine and one session factory for its registry (sessions audit every
flush); nothing here creates tables or users, which is `rectoplan serve`'s job, so building
an app has no side effects on the database. Each route's OpenAPI description ends with the
least role it needs, read from its own dependencies, so the docs cannot disagree with the
checks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from rectoplan import __version__
from rectoplan.registry.db import make_engine, session_factory
from rectoplan.web import errors
from rectoplan.web.deps import required_role
from rectoplan.web.routes import ROUTERS
from rectoplan.web.settings import Settings

DESCRIPTION = """\
Decision support, surgical planning and an outcomes registry for the rectal-cancer MDT.

Log in with `POST /api/token` (OAuth2 password flow: form fields `username` and `password`)
and send the token as `Authorization: Bearer <token>`. Roles, least to most:
**viewer** (read), **clinician** (assess, write cases, decisions, treatments and outcomes),
**coordinator** (MDT meetings), **admin** (users).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url, pool_pre_ping=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="RectoPlan",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    _document_roles(app)
    return app


def _document_roles(app: FastAPI) -> None:
    for route in app.routes:
        if isinstance(route, APIRoute):
            role = required_role(route.dependant)
            note = "No authentication." if role is None else f"Role: **{role}** or higher."
            route.description = f"{route.description}\n\n{note}".strip()

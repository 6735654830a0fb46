"""The FastAPI application: `create_app(settings)` wires the registry, the routers and the
error handlers together.

The app owns one engine and one session factory for its registry (sessions audit every
flush); nothing here creates tables or users, which is `rectoplan serve`'s job, so building
an app has no side effects on the database. Each route's OpenAPI entry states the least role
it needs and the 401/403/404 that follow, read from its own dependencies, so the docs cannot
disagree with the checks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute

from rectoplan import __version__
from rectoplan.registry.db import make_engine, session_factory
from rectoplan.registry.users import Role
from rectoplan.web import errors
from rectoplan.web.app_paths import STATIC
from rectoplan.web.body_limit import BodySizeLimit
from rectoplan.web.deps import required_role
from rectoplan.web.locale import LocaleMiddleware
from rectoplan.web.oidc.config import origin
from rectoplan.web.oidc.provider import Provider
from rectoplan.web.pages import PAGE_ROUTERS
from rectoplan.web.pages import errors as page_errors
from rectoplan.web.routes import ROUTERS
from rectoplan.web.security import SecurityHeaders
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
    app.state.oidc = Provider(settings.oidc) if settings.oidc else None
    errors.install(app)
    page_errors.install(app)
    app.add_middleware(BodySizeLimit, limits=settings.limits)
    for router in (*ROUTERS, *PAGE_ROUTERS):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders, form_targets=_form_targets(settings))
    app.add_middleware(LocaleMiddleware)
    _document_access(app)
    return app


def _form_targets(settings: Settings) -> tuple[str, ...]:
    """Where a form's answer may lead besides this site: the identity provider's origin
    (the logout's RP-initiated logout), when hospital sign-in is on."""
    return (origin(settings.oidc.issuer),) if settings.oidc else ()


def endpoints(app: FastAPI, *, pages: bool = False) -> Iterator[tuple[str, str, BaseRoute]]:
    """Every ``(method, path, route)`` of the API (or, with ``pages``, of the web pages),
    routers included (HEAD left out). Pages are the routes left out of the OpenAPI schema."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        is_page = isinstance(route, APIRoute) and not route.include_in_schema
        if is_page != pages:
            continue
        for method in sorted(context.methods or ()):
            if method != "HEAD":
                yield method, context.path, route


_PROBLEM = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _document_access(app: FastAPI) -> None:
    """Complete each operation's OpenAPI entry from its own dependencies: the least role it
    needs (in the description) and the refusals that follow from it (401 without a valid
    token, 403 for a weaker role, 404 for an id that names nothing, 400 for a body that is
    not even text)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        for method, path, route in endpoints(app):
            operation = schema["paths"].get(path, {}).get(method.lower())
            if operation is None or not isinstance(route, APIRoute):
                continue
            role = required_role(route.dependant)
            note = "No authentication." if role is None else f"Role: **{role}** or higher."
            text = operation.get("description", "")
            if not text.endswith(note):
                operation["description"] = f"{text}\n\n{note}".strip()
            responses = operation.setdefault("responses", {})
            if role is not None:
                responses.setdefault(
                    "401", {"description": "No valid bearer token", "content": _PROBLEM}
                )
            if role is not None and role is not Role.viewer:
                responses.setdefault(
                    "403", {"description": f"Needs the {role} role", "content": _PROBLEM}
                )
            if "{" in path:
                responses.setdefault("404", {"description": "Not found", "content": _PROBLEM})
            if "requestBody" in operation:
                responses.setdefault(
                    "400", {"description": "The body cannot be read", "content": _PROBLEM}
                )
                responses.setdefault(
                    "413", {"description": "The body is over the size limit", "content": _PROBLEM}
                )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

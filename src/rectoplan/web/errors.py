"""How failures become HTTP answers: always a status a client can act on, never a traceback.

The errors of `rectoplan.errors` map one to one (a wrong id is 404, a stale or colliding
write 409, a bad record or a single `FieldError` from any layer 422 listing every bad field,
a failed database or disk 503); a 409 for a stale write carries the version now stored,
so a client can reload and retry. A unique key lost to a concurrent writer is a 409 too, and a
value the database itself refuses (PostgreSQL stores no NUL character) a 422. Request
validation keeps FastAPI's ``detail`` list and adds ``field``: the dotted path of the bad
field within the body (``case.mri.ct``) or the name of the query or path parameter. A
cross-field rule of the case model reports the field it names itself (``restaging.date``),
not the model that ran the rule.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError as DatabaseDataError
from sqlalchemy.exc import IntegrityError, OperationalError

from rectoplan.errors import (
    CROSS_FIELD_ERROR,
    NESTED_FIELD_ERROR,
    ConflictError,
    InfrastructureError,
    InvalidRecordError,
    NotFoundError,
    StaleWriteError,
    join_path,
    split_path,
)

log = logging.getLogger("rectoplan.web")

_PLACES = ("body", "query", "path", "header")


def _item(loc: list[Any], message: str, kind: str) -> dict[str, Any]:
    where = loc[1:] if loc and loc[0] in _PLACES else loc
    return {"loc": loc, "field": join_path("", where), "msg": message, "type": kind}


def _request_item(error: dict[str, Any]) -> dict[str, Any]:
    loc = list(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if error.get("type") == CROSS_FIELD_ERROR and "field" in ctx:
        # the rule names its field relative to the case; find where the case sits in ``loc``
        named = split_path(str(ctx["field"]))
        root = loc.index(named[0]) if named and named[0] in loc[1:] else len(loc)
        loc = loc[:root] + named
        message = str(ctx.get("message", message))
    elif error.get("type") == NESTED_FIELD_ERROR and "field" in ctx:
        loc = loc + split_path(str(ctx["field"]))
        message = str(ctx.get("message", message))
    return _item(loc, message, str(error.get("type", "value_error")))


def _place(request: Request, head: str | int | None) -> str:
    """Where in the request a field a route named sits: a path or query parameter of the
    route by that name, else the body."""
    if head in request.path_params:
        return "path"
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is not None and head in _query_names(dependant):
        return "query"
    return "body"


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route declares, in itself or in its dependencies."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names


def _unprocessable(items: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": items}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return _unprocessable([_request_item(error) for error in exc.errors()])


async def _invalid_record(request: Request, exc: InvalidRecordError) -> JSONResponse:
    """Every `FieldError`, wherever it was raised (a schema, the engine, the registry, a
    route), as one ``detail`` item naming its field."""
    items = []
    for error in exc.errors:
        parts = split_path(error.field)
        place = _place(request, parts[0] if parts else None)
        items.append(_item([place, *parts], error.message, "invalid_record"))
    return _unprocessable(items)


async def not_found(_request: Request, exc: NotFoundError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)


async def _conflict(_request: Request, exc: ConflictError) -> JSONResponse:
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, StaleWriteError):
        body |= {"expected_version": exc.expected, "current_version": exc.actual}
    return JSONResponse(body, status_code=status.HTTP_409_CONFLICT)


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).splitlines()[0]


async def _refused_value(_request: Request, exc: DatabaseDataError) -> JSONResponse:
    """A value the schema allowed but the database cannot store (PostgreSQL refuses a NUL
    character in text and JSONB); the transaction was rolled back."""
    item = _item(["body"], f"the database cannot store a value: {_reason(exc)}", "data_error")
    return _unprocessable([item])


async def _collision(_request: Request, exc: IntegrityError) -> JSONResponse:
    """A unique key taken by a concurrent writer between our check and our write."""
    log.info("write refused by a constraint: %s", _reason(exc))
    return JSONResponse(
        {"detail": "another writer stored a colliding record meanwhile; reload and retry"},
        status_code=status.HTTP_409_CONFLICT,
    )


async def _database_down(
    _request: Request, exc: OperationalError | InfrastructureError
) -> JSONResponse:
    log.error("registry unavailable: %s", str(exc).splitlines()[0])
    return JSONResponse(
        {"detail": "the registry database is unavailable or busy; try again shortly"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(InvalidRecordError, _invalid_record)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(DatabaseDataError, _refused_value)
    app.add_exception_handler(IntegrityError, _collision)
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(InfrastructureError, _database_down)

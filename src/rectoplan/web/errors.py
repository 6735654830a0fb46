"""How failures become HTTP answers: always a status a client can act on, never a traceback.

Registry errors map one to one (a wrong id is 404, a stale or colliding write 409, a bad
record 422 listing every bad field); a 409 for a stale write carries the version now stored,
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

from rectoplan.analytics import DataError
from rectoplan.errors import (
    NESTED_FIELD_ERROR,
    ConflictError,
    InvalidRecordError,
    NotFoundError,
    StaleWriteError,
)

log = logging.getLogger("rectoplan.web")

_CROSS_FIELD = "inconsistent"
"""The error type of the case model's cross-field rules (`rectoplan.clinical.case.base._error`)."""


class FieldProblem(ValueError):
    """Bad input found by a route (not by a schema): 422 naming ``field`` of the ``where``
    part of the request (``body``, ``query`` or ``path``)."""

    def __init__(self, field: str, message: str, where: str = "body") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.where = where


class Problems(ValueError):
    """Several problems found by a route, each already a ``detail`` item (``loc``, ``field``,
    ``msg``, ``type``): 422."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(item["msg"]) for item in items))
        self.items = items


def _dotted(parts: list[Any] | tuple[Any, ...]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(body)"


def _split(path: str) -> list[str | int]:
    """``decisions[0].deviation_code`` -> ``["decisions", 0, "deviation_code"]``."""
    parts: list[str | int] = []
    for piece in path.split("."):
        name, *indices = piece.split("[")
        if name:
            parts.append(name)
        parts += [int(i.rstrip("]")) for i in indices if i.rstrip("]").isdigit()]
    return parts


def _item(loc: list[Any], message: str, kind: str) -> dict[str, Any]:
    where = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
    return {"loc": loc, "field": _dotted(where), "msg": message, "type": kind}


def _request_item(error: dict[str, Any]) -> dict[str, Any]:
    loc = list(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if error.get("type") == _CROSS_FIELD and "field" in ctx:
        # the rule names its field relative to the case; find where the case sits in ``loc``
        named = _split(str(ctx["field"]))
        root = loc.index(named[0]) if named and named[0] in loc[1:] else len(loc)
        loc = loc[:root] + named
        message = str(ctx.get("message", message))
    elif error.get("type") == NESTED_FIELD_ERROR and "field" in ctx:
        loc = loc + _split(str(ctx["field"]))
        message = str(ctx.get("message", message))
    return _item(loc, message, str(error.get("type", "value_error")))


def _unprocessable(items: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": items}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return _unprocessable([_request_item(error) for error in exc.errors()])


async def _invalid_record(_request: Request, exc: InvalidRecordError) -> JSONResponse:
    items = [_item(["body", *_split(e.field)], e.message, "invalid_record") for e in exc.errors]
    return _unprocessable(items)


async def _field_problem(_request: Request, exc: FieldProblem) -> JSONResponse:
    return _unprocessable([_item([exc.where, *_split(exc.field)], exc.message, "value_error")])


async def _problems(_request: Request, exc: Problems) -> JSONResponse:
    return _unprocessable(exc.items)


async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
    return _unprocessable([_item(["query", exc.field], exc.message, "data_error")])


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


async def _database_down(_request: Request, exc: OperationalError) -> JSONResponse:
    log.error("registry unavailable: %s", str(exc).splitlines()[0])
    return JSONResponse(
        {"detail": "the registry database is unavailable or busy; try again shortly"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(InvalidRecordError, _invalid_record)
    app.add_exception_handler(FieldProblem, _field_problem)
    app.add_exception_handler(Problems, _problems)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(DatabaseDataError, _refused_value)
    app.add_exception_handler(IntegrityError, _collision)
    app.add_exception_handler(OperationalError, _database_down)

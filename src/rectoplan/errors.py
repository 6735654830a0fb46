"""RectoPlan's errors: one tree, at the bottom of the house, raised by every layer.

::

    RectoPlanError
    ├── InvalidRecordError    bad input: ``errors`` lists each `FieldError` (field path, message,
    │                         and the row and file it came from); CLI exit 2, HTTP 422, the
    │                         message beside its input on a page
    ├── NotFoundError         a wrong id; HTTP 404
    ├── ConflictError         the write collides with someone else's; HTTP 409
    │   └── StaleWriteError   optimistic locking: the record changed since it was read
    └── InfrastructureError   the database or the disk failed, not the input; CLI exit 3,
                              HTTP 503, and the message says what was not changed

A stale write is a conflict (someone else changed the record since it was read: reload and
retry), a bad record is the caller's input (each problem names the row and the field), and a
missing record is a wrong id. None of them is a crash, and each leaves the registry unchanged.
`field_errors` is the one translation of a pydantic ``ValidationError`` into `FieldError`s.
Each interface (CLI, API, pages) translates these errors in one place (httpx's
``_exceptions.py`` is the model: the tree is drawn here, context is attached as an error rises).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

NESTED_FIELD_ERROR = "registry_field"


class RectoPlanError(Exception):
    """Base class of every error RectoPlan raises on purpose."""


class InfrastructureError(RectoPlanError):
    """The database or the disk failed; nothing the user typed is wrong. The message says
    what was (not) changed."""


class NotFoundError(RectoPlanError):
    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"no {entity} {key!r} in the registry")
        self.entity = entity
        self.key = key


class ConflictError(RectoPlanError):
    """Someone else changed the registry in a way that collides with this write."""


class StaleWriteError(ConflictError):
    """Optimistic-locking conflict: the record changed since the writer read it."""

    def __init__(self, entity: str, entity_id: object, expected: int | None, actual: int | None):
        found = "it was deleted" if actual is None else f"it is now at version {actual}"
        super().__init__(
            f"{entity} {entity_id}: the change was based on version {expected} but {found}; "
            "reload it and apply the change again"
        )
        self.entity = entity
        self.entity_id = entity_id
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field; ``row`` is the record's row in its file, if it came from
    one, and ``source`` names that file when an import reads more than one."""

    field: str
    message: str
    row: int | None = None
    source: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.row is not None:
            where = f"{self.source} row {self.row}: " if self.source else f"row {self.row}: "
        return f"{where}{self.field}: {self.message}"

    def at_row(self, row: int, source: str | None = None) -> FieldError:
        return FieldError(self.field, self.message, row, source)

    def under(self, prefix: str) -> FieldError:
        """The same error with its field inside ``prefix`` (``deviation_code`` ->
        ``decisions[0].deviation_code``)."""
        return FieldError(_path(prefix, (self.field,)), self.message, self.row, self.source)


class InvalidRecordError(RectoPlanError):
    """One or more records failed validation; ``errors`` lists every problem found."""

    def __init__(self, errors: list[FieldError], total: int | None = None) -> None:
        self.errors = errors
        self.total = len(errors) if total is None else total
        super().__init__("; ".join(str(e) for e in errors[:5]) + (" ..." if self.total > 5 else ""))


def nested_field_error(field: str, message: str) -> PydanticCustomError:
    """Raise from a nested schema's validator to name a field of that schema: the error's path
    is where the schema sits plus ``field`` (``treatments[1].magnet_spec``)."""
    return PydanticCustomError(
        NESTED_FIELD_ERROR, "{field}: {message}", {"field": field, "message": message}
    )


def _path(prefix: str, loc: tuple) -> str:
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(root)"


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Pydantic's errors as `FieldError`s under ``prefix`` (``case`` -> ``case.mri.ct``).

    Cross-field rules of the case model name their own field relative to the case, whatever
    model raised them; the registry's schemas name a field relative to their own location
    (`nested_field_error`). Either way the named field replaces the validator's location.
    """
    errors = []
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx") or {}
        if error["type"] == "inconsistent" and "field" in ctx:
            errors.append(FieldError(_path(prefix, (ctx["field"],)), str(ctx["message"])))
        elif error["type"] == NESTED_FIELD_ERROR:
            path = _path(prefix, (*error["loc"], ctx["field"]))
            errors.append(FieldError(path, str(ctx["message"])))
        else:
            message = error["msg"].removeprefix("Value error, ")
            errors.append(FieldError(_path(prefix, tuple(error["loc"])), message))
    return errors

"""RectoPlan's errors: one tree, at the bottom of the house, raised by every layer.

::

    RectoPlanError
    ├── InvalidRecordError    bad input: ``errors`` lists every problem found, each a
    │   │                     `FieldError`; CLI exit 2, HTTP 422, the message beside its
    │   │                     input on a page
    │   └── FieldError        ONE problem: the field path (``stenosis.delivery_limits.
    │                         max_od_anus_mm``, ``--dose``, ``/feedback/0/outcomeTimestamp``),
    │                         the rule broken in clinical words, and the row and file it
    │                         came from; raisable on its own (its ``errors`` is itself)
    ├── NotFoundError         a wrong id; HTTP 404
    ├── ConflictError         the write collides with someone else's; HTTP 409
    │   ├── StaleWriteError   optimistic locking: the record changed since it was read
    │   └── SignedOffError    the meeting's minutes are signed off: only an amendment changes it
    └── InfrastructureError   the database or the disk failed, not the input; CLI exit 3,
                              HTTP 503, and the message says what was not changed

Why `FieldError` is itself an `InvalidRecordError`: a function that finds one bad value
(a dose of 0 Gy, an unknown magnet grade, a landmark list too short) raises
``FieldError(field, message)`` and is done; a function that checks a whole record collects
``FieldError``s and raises ``InvalidRecordError(errors)`` once. Every interface catches only
`InvalidRecordError` and reads ``exc.errors``, so it never cares which of the two it got.
Both are ``ValueError``s too, so a `FieldError` raised inside a pydantic validator becomes a
validation error of that field, and library code that guards with ``except ValueError`` keeps
working. No layer defines its own input-error class.

Context is attached as an error rises (as in httpx's ``_exceptions.py``, the model for this
module): a kernel names its own argument (``outer_diameter_m``); the caller that knows where
that argument came from re-raises it with `InvalidRecordError.under` (``stenosis.rings[0]``)
or `InvalidRecordError.at_row` (``row 3`` of ``episodes.csv``), or names the field outright.
`field_errors` is the one translation of a pydantic ``ValidationError`` into `FieldError`s;
`join_path` and `split_path` are the one way to write and read a field path.

A stale write is a conflict (someone else changed the record since it was read: reload and
retry), a bad record is the caller's input (each problem names the row and the field), and a
missing record is a wrong id. None of them is a crash, and each leaves the registry unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

NESTED_FIELD_ERROR = "registry_field"
"""The pydantic error type of `nested_field_error`."""

CROSS_FIELD_ERROR = "inconsistent"
"""The pydantic error type of the case model's cross-field rules, which name their own field
relative to the case (`rectoplan.clinical.case.base._error`)."""


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


class SignedOffError(ConflictError):
    """The meeting's minutes are signed off, which locks its agenda; its record changes only
    by an amendment (`rectoplan.registry.meetings.check_agenda_open`)."""


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


class InvalidRecordError(RectoPlanError, ValueError):
    """One or more values failed validation; ``errors`` lists every problem found (each a
    `FieldError`), ``total`` how many there were (a long file may list only the first)."""

    def __init__(self, errors: Iterable[FieldError], total: int | None = None) -> None:
        self.errors: list[FieldError] = list(errors)
        self.total = len(self.errors) if total is None else total
        shown = "; ".join(str(e) for e in self.errors[:5])
        super().__init__(shown + (" ..." if self.total > 5 else ""))

    def under(self, prefix: str) -> InvalidRecordError:
        """The same problems with each field inside ``prefix``: the caller knows where the
        value sat (``outer_diameter_m`` -> ``stenosis.rings[0].outer_diameter_m``)."""
        return InvalidRecordError([e.under(prefix) for e in self.errors], self.total)

    def at_row(self, row: int, source: str | None = None) -> InvalidRecordError:
        """The same problems, each from ``row`` of ``source``."""
        return InvalidRecordError([e.at_row(row, source) for e in self.errors], self.total)


class FieldError(InvalidRecordError):
    """One problem with one field: ``field`` is its path, ``message`` the rule it broke in
    clinical words; ``row`` is the record's row in its file, if it came from one, and
    ``source`` names that file when an import reads more than one.

    Raise it alone, or collect several into an `InvalidRecordError`. Two are equal when all
    four parts are.
    """

    def __init__(
        self, field: str, message: str, row: int | None = None, source: str | None = None
    ) -> None:
        self.field = field
        self.message = message
        self.row = row
        self.source = source
        self.errors = [self]
        self.total = 1
        ValueError.__init__(self, str(self))

    def __str__(self) -> str:
        where = ""
        if self.row is not None:
            where = f"{self.source} row {self.row}: " if self.source else f"row {self.row}: "
        return f"{where}{self.field}: {self.message}"

    def __repr__(self) -> str:
        return f"FieldError({self.field!r}, {self.message!r}, {self.row!r}, {self.source!r})"

    def __reduce__(self):
        return (FieldError, (self.field, self.message, self.row, self.source))

    def _key(self) -> tuple:
        return (self.field, self.message, self.row, self.source)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldError):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def at_row(self, row: int, source: str | None = None) -> FieldError:
        return FieldError(self.field, self.message, row, source)

    def under(self, prefix: str) -> FieldError:
        """The same error with its field inside ``prefix`` (``deviation_code`` ->
        ``decisions[0].deviation_code``)."""
        return FieldError(
            join_path(prefix, split_path(self.field)), self.message, self.row, self.source
        )

    def renamed(self, field: str) -> FieldError:
        """The same error under another name: an interface naming the option or input the
        value came from (``outer_diameter_m`` -> ``--od``)."""
        return FieldError(field, self.message, self.row, self.source)


def nested_field_error(field: str, message: str) -> PydanticCustomError:
    """Raise from a nested schema's validator to name a field of that schema: the error's path
    is where the schema sits plus ``field`` (``treatments[1].magnet_spec``)."""
    return PydanticCustomError(
        NESTED_FIELD_ERROR, "{field}: {message}", {"field": field, "message": message}
    )


def join_path(prefix: str, loc: Sequence[str | int]) -> str:
    """``("case", "rings", 0, "od_mm")`` -> ``case.rings[0].od_mm`` (after ``prefix``)."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(root)"


def split_path(path: str) -> list[str | int]:
    """``decisions[0].deviation_code`` -> ``["decisions", 0, "deviation_code"]`` (the inverse
    of `join_path`); a name that is not a dotted path (``/feedback/0``, ``--dose``) stays
    whole."""
    if path == "(root)":
        return []
    if path.startswith(("/", "-")):  # a JSON pointer or a command-line option
        return [path]
    parts: list[str | int] = []
    for piece in path.split("."):
        name, *indices = piece.split("[")
        if name:
            parts.append(name)
        for index in indices:
            index = index.rstrip("]")
            parts.append(int(index) if index.isdigit() else index)
    return parts


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Pydantic's errors as `FieldError`s under ``prefix`` (``case`` -> ``case.mri.ct``).

    Cross-field rules of the case model name their own field relative to the case, whatever
    model raised them; the registry's schemas name a field relative to their own location
    (`nested_field_error`). Either way the named field replaces the validator's location.
    A `FieldError` raised by a function a validator calls (``parse_category``) names that
    function's argument, so the validator's location replaces it and its message is kept.
    """
    errors = []
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx") or {}
        loc = tuple(error["loc"])
        if error["type"] == CROSS_FIELD_ERROR and "field" in ctx:
            errors.append(FieldError(join_path(prefix, (ctx["field"],)), str(ctx["message"])))
        elif error["type"] == NESTED_FIELD_ERROR:
            path = join_path(prefix, (*loc, ctx["field"]))
            errors.append(FieldError(path, str(ctx["message"])))
        elif isinstance(ctx.get("error"), FieldError):  # its field is the argument's name
            errors.append(FieldError(join_path(prefix, loc), ctx["error"].message))
        else:
            message = error["msg"].removeprefix("Value error, ")
            errors.append(FieldError(join_path(prefix, loc), message))
    return errors

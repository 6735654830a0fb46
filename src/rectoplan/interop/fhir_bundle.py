"""A Bundle's entries as JSON, indexed by reference, with element paths for messages.

Import and the mCODE rule checks both read bundles as plain JSON (after ``fhir.resources.R4B``
has checked the structure) because every message must name the element it is about, in the
form a FHIR reader knows: ``Bundle.entry[3].resource(Observation).valueCodeableConcept``.
This module is the one place that builds those paths and resolves references.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


def element_path(base: str, *parts: str | int) -> str:
    """``element_path("Bundle.entry[0].resource(Patient)", "name", 0)`` -> ``...name[0]``."""
    path = base
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


@dataclass(frozen=True, slots=True)
class Entry:
    """One bundle entry: its position, resource JSON and full URL."""

    index: int
    resource: Mapping[str, Any]
    full_url: str | None

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType", "?"))

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}].resource({self.type})"

    def at(self, *parts: str | int) -> str:
        """The element path of ``parts`` inside this entry's resource."""
        return element_path(self.path, *parts)


class BundleIndex:
    """The entries of a bundle and the references that resolve to them."""

    def __init__(self, bundle: Mapping[str, Any]) -> None:
        self.bundle = bundle
        self.entries: list[Entry] = []
        self._by_reference: dict[str, Entry] = {}
        for i, raw in enumerate(bundle.get("entry") or ()):
            resource = raw.get("resource")
            if not isinstance(resource, Mapping):
                continue
            entry = Entry(i, resource, raw.get("fullUrl"))
            self.entries.append(entry)
            if entry.full_url:
                self._by_reference[entry.full_url] = entry
            if resource.get("id"):
                self._by_reference.setdefault(f"{entry.type}/{resource['id']}", entry)

    def of_type(self, resource_type: str) -> list[Entry]:
        return [e for e in self.entries if e.type == resource_type]

    def resolve(self, reference: Mapping[str, Any] | str | None) -> Entry | None:
        """The entry a Reference (or reference string) points to, if it is in the bundle.

        Accepts the entry's ``fullUrl`` (``urn:uuid:...``), a relative ``Type/id`` and an
        absolute URL ending in ``Type/id`` (a ``/_history/n`` suffix is ignored).
        """
        if isinstance(reference, Mapping):
            reference = reference.get("reference")
        if not reference:
            return None
        if reference in self._by_reference:
            return self._by_reference[reference]
        parts = str(reference).split("/_history/")[0].rstrip("/").split("/")
        if len(parts) >= 2:
            return self._by_reference.get(f"{parts[-2]}/{parts[-1]}")
        return None


def walk(value: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """Every ``(element path, key, value)`` below a JSON value, depth first."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = element_path(path, key)
            yield child, key, item
            yield from walk(item, child)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{path}[{i}]")


# --- dates --------------------------------------------------------------------------------------

_DATE = re.compile(r"^(?P<y>\d{4})(-(?P<m>\d{2})(-(?P<d>\d{2})(T(?P<time>.+))?)?)?$")
_TIME = re.compile(
    r"^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$"
)


def date_problem(text: Any) -> str | None:
    """Why ``text`` is not a real FHIR date / dateTime / instant, or ``None`` if it is one.

    FHIR allows partial dates (``2025``, ``2025-03``); a day must exist in its month and a time
    needs a zone. Placeholders such as ``YYYY-MM-DD`` are named as such.
    """
    if not isinstance(text, str):
        return f"{text!r} is not a date string"
    match = _DATE.match(text)
    if not match:
        if re.search(r"[YMD]{2}", text):
            return f"{text!r} is a placeholder, not a date"
        return f"{text!r} is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)"
    try:
        dt.date(int(match["y"]), int(match["m"] or 1), int(match["d"] or 1))
    except ValueError as exc:
        return f"{text!r} is not a real date ({exc})"
    if match["time"] is not None and not _TIME.match(match["time"]):
        return f"{text!r} has no valid time with a time zone"
    return None


def full_date(text: str) -> dt.date | None:
    """The calendar date of a FHIR date or dateTime, or ``None`` for a partial date."""
    match = _DATE.match(text)
    if not match or match["d"] is None:
        return None
    return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))


DATE_KEYS = frozenset({"start", "end", "timestamp", "issued", "date", "lastUpdated", "authoredOn"})


def is_date_key(key: str) -> bool:
    """Whether a JSON key holds a date, dateTime or instant primitive in FHIR R4.

    ``start`` and ``end`` are Period members here; callers check string values only, because
    a few resources outside RectoPlan's scope use the same names for integers.
    """
    return key in DATE_KEYS or key.endswith(("Date", "DateTime", "Instant"))


# --- structure errors from fhir.resources -----------------------------------------------------


def load_json(payload: Mapping[str, Any] | str | bytes) -> Any:
    """The JSON value of a payload that may already be parsed; ``ValueError`` names the line."""
    if isinstance(payload, Mapping):
        return payload
    try:
        return json.loads(payload)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg}, line {exc.lineno})") from None


def structure_errors(raw: Mapping[str, Any], error: ValidationError) -> list[tuple[str, str]]:
    """``fhir.resources`` validation errors as ``(element path, message)`` pairs."""
    result = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        result.append((_loc_to_element(raw, item["loc"]), message))
    return result


def _loc_to_element(raw: Mapping[str, Any], loc: Sequence[Any]) -> str:
    path, node, parts = "Bundle", raw, list(loc)
    while parts:
        part = parts.pop(0)
        if part == "resource" and isinstance(node, Mapping):
            node = node.get("resource") or {}
            rtype = node.get("resourceType", "?")
            path += f".resource({rtype})"
            if parts and parts[0] == rtype:
                parts.pop(0)
            continue
        path = element_path(path, part)
        if isinstance(node, Mapping):
            node = node.get(part, {})
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = {}
    return path

"""JSON Schemas (draft 2020-12) for the CDS Hooks 2.0 bodies, and one validator for all of them.

The HL7 spec ships no JSON Schema (its FHIR logical models need the Java validator and FHIR
packages this project cannot download), so the shapes of spec §"Discovery", §"Calling a CDS
Service", §"CDS Service Response" and §"Feedback" are written down here as plain Python data.
They say what the spec says is REQUIRED and what it restricts (enums, the <140-character
summary, `selectionBehavior` when there are suggestions, `display` on override reasons,
`acceptedSuggestions` on accepted feedback); members the spec does not define are allowed,
because the spec lets both sides add `extension` members and newer versions add fields.

`validate` returns readable errors ("/cards/0: 'indicator' is a required property") instead of
raising, so the web layer can put all of them in one 400 answer and tests can assert on them.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

Kind = Literal["discovery", "request", "response", "card", "feedback"]

SUMMARY_MAX = 139
"""The spec's summary is "<140-character": at most 139 characters (code points)."""

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
ABSOLUTE_URL = r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$"
_RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
_FHIR_ID = r"^[A-Za-z0-9.-]{1,64}$"
_USER_REFERENCE = r"^(Practitioner|PractitionerRole|Patient|RelatedPerson)/[A-Za-z0-9.-]{1,64}$"
_SERVICE_ID = r"^[A-Za-z0-9._~-]+$"
_PATTERN_NAMES = {
    _UUID: "a UUID",
    ABSOLUTE_URL: "an absolute URL",
    _RFC3339: "an RFC 3339 date-time such as 2020-12-11T00:00:00Z",
    _FHIR_ID: "a FHIR id (1-64 letters, digits, '-' or '.')",
    _USER_REFERENCE: "a Practitioner/, PractitionerRole/, Patient/ or RelatedPerson/ reference",
    _SERVICE_ID: "a URL path segment",
}
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
_TEXT = {"type": "string", "minLength": 1}

_DEFS: dict[str, Any] = {
    "text": _TEXT,
    "url": {"type": "string", "pattern": ABSOLUTE_URL},
    "uuid": {"type": "string", "pattern": _UUID},
    "coding": {
        "type": "object",
        "required": ["code", "system"],
        "properties": {"code": _TEXT, "system": _TEXT, "display": {"type": "string"}},
    },
    "action": {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"enum": ["create", "update", "delete"]},
            "description": {"type": "string"},
            "resource": {"type": "object"},
            "resourceId": _TEXT,
        },
    },
    "suggestion": {
        "type": "object",
        "required": ["label"],
        "properties": {
            "label": _TEXT,
            "uuid": {"$ref": "#/$defs/uuid"},
            "isRecommended": {"type": "boolean"},
            "actions": {
                "type": "array",
                "items": {"$ref": "#/$defs/action", "required": ["description"]},
            },
            "actionSelectionBehavior": {"enum": ["all", "any", "at-most-one"]},
        },
    },
    "link": {
        "type": "object",
        "required": ["label", "url", "type"],
        "properties": {
            "label": _TEXT,
            "url": {"$ref": "#/$defs/url"},
            "type": {"enum": ["absolute", "smart"]},
            "appContext": {"type": "string"},
            "autolaunchable": {"type": "boolean"},
        },
        # "appContext ... is not valid for absolute links"
        "if": {"required": ["type"], "properties": {"type": {"const": "absolute"}}},
        "then": {"not": {"required": ["appContext"]}},
    },
    "source": {
        "type": "object",
        "required": ["label"],
        "properties": {
            "label": _TEXT,
            "url": {"$ref": "#/$defs/url"},
            "icon": {"$ref": "#/$defs/url"},
            "topic": {"$ref": "#/$defs/coding"},
        },
    },
    "card": {
        "type": "object",
        "required": ["summary", "indicator", "source"],
        "properties": {
            "uuid": {"$ref": "#/$defs/uuid"},
            "summary": {"type": "string", "minLength": 1, "maxLength": SUMMARY_MAX},
            "detail": {"type": "string"},
            "indicator": {"enum": ["info", "warning", "critical"]},
            "source": {"$ref": "#/$defs/source"},
            "suggestions": {"type": "array", "items": {"$ref": "#/$defs/suggestion"}},
            "selectionBehavior": {"enum": ["at-most-one", "any"]},
            "overrideReasons": {
                "type": "array",
                # "the CDS Service MUST populate a display value for each reason's Coding"
                "items": {"$ref": "#/$defs/coding", "required": ["display"]},
            },
            "links": {"type": "array", "items": {"$ref": "#/$defs/link"}},
        },
        "dependentRequired": {"suggestions": ["selectionBehavior"]},
    },
}

_ROOTS: dict[str, dict[str, Any]] = {
    "discovery": {
        "type": "object",
        "required": ["services"],
        "properties": {
            "services": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["hook", "description", "id"],
                    "properties": {
                        "hook": _TEXT,
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "id": {"type": "string", "pattern": _SERVICE_ID},
                        "prefetch": {
                            "type": "object",
                            "additionalProperties": {"type": "string", "minLength": 1},
                        },
                        "usageRequirements": {"type": "string"},
                    },
                },
            }
        },
    },
    "request": {
        "type": "object",
        "required": ["hook", "hookInstance", "context"],
        "properties": {
            "hook": _TEXT,
            "hookInstance": {"$ref": "#/$defs/uuid"},
            "fhirServer": {"$ref": "#/$defs/url"},
            "fhirAuthorization": {
                "type": "object",
                "required": ["access_token", "token_type", "expires_in", "scope", "subject"],
                "properties": {
                    "access_token": _TEXT,
                    "token_type": {"const": "Bearer"},
                    "expires_in": {"type": "integer", "minimum": 0},
                    "scope": _TEXT,
                    "subject": _TEXT,
                    "patient": _TEXT,
                },
            },
            "context": {"type": "object"},
            "prefetch": {
                "type": "object",
                "additionalProperties": {
                    "anyOf": [
                        {"type": "null"},
                        {"type": "object", "required": ["resourceType"]},
                    ]
                },
            },
        },
        "dependentRequired": {"fhirAuthorization": ["fhirServer"]},
        # the patient-view hook's context (CDS Hooks Library, patient-view 1.0)
        "if": {"required": ["hook"], "properties": {"hook": {"const": "patient-view"}}},
        "then": {
            "properties": {
                "context": {
                    "required": ["userId", "patientId"],
                    "properties": {
                        "userId": {"type": "string", "pattern": _USER_REFERENCE},
                        "patientId": {"type": "string", "pattern": _FHIR_ID},
                        "encounterId": {"type": "string", "pattern": _FHIR_ID},
                    },
                }
            }
        },
    },
    "response": {
        "type": "object",
        "required": ["cards"],
        "properties": {
            "cards": {"type": "array", "items": {"$ref": "#/$defs/card"}},
            "systemActions": {"type": "array", "items": {"$ref": "#/$defs/action"}},
        },
    },
    "card": {"$ref": "#/$defs/card"},
    "feedback": {
        "type": "object",
        "required": ["feedback"],
        "properties": {
            "feedback": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["card", "outcome", "outcomeTimestamp"],
                    "properties": {
                        "card": _TEXT,
                        "outcome": {"enum": ["accepted", "overridden"]},
                        "acceptedSuggestions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id"],
                                "properties": {"id": _TEXT},
                            },
                        },
                        "overrideReason": {
                            "type": "object",
                            "properties": {
                                "reason": {"$ref": "#/$defs/coding"},
                                "userComment": {"type": "string"},
                            },
                        },
                        "outcomeTimestamp": {"type": "string", "pattern": _RFC3339},
                    },
                    # "acceptedSuggestions ... Required for accepted outcomes"
                    "if": {
                        "required": ["outcome"],
                        "properties": {"outcome": {"const": "accepted"}},
                    },
                    "then": {
                        "required": ["acceptedSuggestions"],
                        "properties": {"acceptedSuggestions": {"minItems": 1}},
                    },
                },
            }
        },
    },
}

KINDS: tuple[str, ...] = tuple(_ROOTS)


def schema(kind: Kind) -> dict[str, Any]:
    """The full JSON Schema document for ``kind`` (a copy: callers may publish or change it)."""
    if kind not in _ROOTS:
        raise ValueError(f"unknown CDS Hooks schema {kind!r}; expected one of {', '.join(KINDS)}")
    return copy.deepcopy(
        {
            "$schema": _DIALECT,
            "$id": f"urn:rectoplan:cds-hooks:2.0:{kind}",
            "title": f"CDS Hooks 2.0 {kind}",
            **_ROOTS[kind],
            "$defs": _DEFS,
        }
    )


@cache
def _validator(kind: Kind) -> Draft202012Validator:
    document = schema(kind)
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def pointer(path: Any) -> str:
    """The JSON pointer (RFC 6901) of a path of keys and indices; "" (the root) shows as "/"."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else "/"


def _message(error: ValidationError) -> str:
    """jsonschema's message, except where it would echo a whole object or a regex at the
    reader: those say what was expected instead."""
    kind, instance, expected = error.validator, error.instance, error.validator_value
    if kind in ("maxLength", "minLength") and isinstance(instance, str):
        bound = "at most" if kind == "maxLength" else "at least"
        return f"has {len(instance)} characters; {bound} {expected} are allowed"
    if kind == "pattern":
        shown = repr(instance) if len(instance) <= 60 else "the value"
        return f"{shown} is not {_PATTERN_NAMES.get(expected, f'matching {expected!r}')}"
    if kind == "type":
        found = "null" if instance is None else _JSON_TYPES.get(type(instance), "a number")
        return f"is {found}; expected {'an' if expected in ('object', 'array') else 'a'} {expected}"
    if kind == "not" and set(expected) == {"required"}:
        return f"must not have {', '.join(map(repr, expected['required']))} here"
    return error.message


def _location(error: ValidationError) -> list[tuple[int, int | str]]:
    return [(0, p) if isinstance(p, int) else (1, p) for p in error.absolute_path]


def validate(kind: Kind, payload: Any) -> list[str]:
    """Every way ``payload`` breaks the ``kind`` schema, as "JSON pointer: message", ordered by
    location; an empty list means valid."""
    errors = sorted(_validator(kind).iter_errors(payload), key=_location)
    return [f"{pointer(e.absolute_path)}: {_message(e)}" for e in errors]

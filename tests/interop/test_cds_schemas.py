"""The CDS Hooks 2.0 JSON Schemas against the spec's own examples, valid and invalid, and against
small changes to valid examples that each break one rule of the spec."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from rectoplan.interop.cds_schemas import KINDS, SUMMARY_MAX, schema, validate

SPEC = "hl7-cds-hooks/"
VALID = [
    ("discovery-response.json", "discovery"),
    ("request-patient-view.json", "request"),
    ("request-order-sign-paginated-prefetch.json", "request"),
    ("response-empty-cards.json", "response"),
    ("response-system-actions.json", "response"),
    ("response-cards-links-override-reasons.json", "response"),
    ("feedback-accepted.json", "feedback"),
    ("feedback-overridden.json", "feedback"),
    ("feedback-overridden-with-reason.json", "feedback"),
]


@pytest.mark.parametrize("kind", KINDS)
def test_every_schema_is_valid_draft_2020_12(kind):
    document = schema(kind)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)


@pytest.mark.parametrize(("name", "kind"), VALID)
def test_spec_examples_validate(cds_example, name, kind):
    assert validate(kind, cds_example(SPEC + name)) == []


def test_each_spec_example_card_validates_on_its_own(cds_example):
    cards = cds_example(SPEC + "response-cards-links-override-reasons.json")["cards"]
    assert len(cards) == 2
    assert all(validate("card", card) == [] for card in cards)


def test_card_missing_indicator_is_invalid_and_named(cds_example):
    body = cds_example(SPEC + "response-card-autolaunchable-MISSING-indicator.json")
    assert validate("response", body) == ["/cards/0: 'indicator' is a required property"]
    assert validate("card", body["cards"][0]) == ["/: 'indicator' is a required property"]


def test_sandbox_discovery_validates_once_wrapped(cds_example):
    services = cds_example("sandbox-cds-services/service-definitions.json")
    assert validate("discovery", {"services": services}) == []
    assert validate("discovery", services) == ["/: is an array; expected an object"]


def test_prefetch_fragment_is_no_request_but_fits_one(cds_example):
    fragment = cds_example(SPEC + "request-prefetch-data-fragment.json")
    assert validate("request", fragment) == [
        "/: 'hook' is a required property",
        "/: 'hookInstance' is a required property",
        "/: 'context' is a required property",
    ]
    request = cds_example(SPEC + "request-patient-view.json")
    request["prefetch"] = fragment["prefetch"]
    assert validate("request", request) == []


def _set(path: str, value):
    """A change that puts ``value`` at the slash-separated ``path`` (None deletes it)."""

    def change(body):
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("/")]
        for key in parents:
            body = body[key]
        if value is None:
            del body[last]
        else:
            body[last] = value

    return change


LINKS = "response-cards-links-override-reasons.json"
BROKEN = [
    (LINKS, "response", "cards/0/summary", "x" * (SUMMARY_MAX + 1), "/cards/0/summary"),
    (LINKS, "response", "cards/0/summary", "", "/cards/0/summary"),
    (LINKS, "response", "cards/1/indicator", "urgent", "/cards/1/indicator"),
    (LINKS, "response", "cards/1/source/label", None, "/cards/1/source: 'label'"),
    (LINKS, "response", "cards/0/source", None, "/cards/0: 'source'"),
    (LINKS, "response", "cards/1/overrideReasons/0/display", None, "overrideReasons/0: 'display'"),
    (LINKS, "response", "cards/1/overrideReasons/0/system", None, "overrideReasons/0: 'system'"),
    (LINKS, "response", "cards/0/links/0/type", "relative", "/cards/0/links/0/type"),
    (LINKS, "response", "cards/0/links/1/url", "/relative/path", "/cards/0/links/1/url"),
    (LINKS, "response", "cards/0/links/0/appContext", "{}", "/cards/0/links/0: must not have"),
    (LINKS, "response", "cards/0/uuid", "card-1", "/cards/0/uuid: 'card-1' is not a UUID"),
    (LINKS, "response", "cards/0/suggestions", [{"label": "Do it"}], "'selectionBehavior'"),
    (LINKS, "response", "cards", None, "/: 'cards' is a required property"),
    ("response-system-actions.json", "response", "systemActions/0/type", "patch", "/type"),
    ("discovery-response.json", "discovery", "services/0/description", None, "'description'"),
    ("discovery-response.json", "discovery", "services/1/prefetch/patient", 7, "/prefetch"),
    ("request-patient-view.json", "request", "context/patientId", None, "'patientId'"),
    ("request-patient-view.json", "request", "context/patientId", "a/b", "/context/patientId"),
    ("request-patient-view.json", "request", "context/userId", "Doctor/1", "/context/userId"),
    ("request-patient-view.json", "request", "hookInstance", "42", "/hookInstance"),
    ("request-patient-view.json", "request", "fhirServer", None, "'fhirServer' is a dependency"),
    ("request-patient-view.json", "request", "fhirAuthorization/token_type", "MAC", "token_type"),
    ("feedback-accepted.json", "feedback", "feedback/0/acceptedSuggestions", None, "'acceptedSug"),
    ("feedback-accepted.json", "feedback", "feedback/0/acceptedSuggestions", [], "/acceptedSug"),
    ("feedback-overridden.json", "feedback", "feedback/0/outcome", "ignored", "/outcome"),
    ("feedback-overridden.json", "feedback", "feedback/0/outcomeTimestamp", "yesterday", "RFC"),
    ("feedback-overridden.json", "feedback", "feedback/0/card", None, "'card'"),
]


@pytest.mark.parametrize(("name", "kind", "path", "value", "expected"), BROKEN)
def test_each_rule_rejects_a_broken_example(cds_example, name, kind, path, value, expected):
    body = cds_example(SPEC + name)
    _set(path, value)(body)
    errors = validate(kind, body)
    assert errors, f"{name} with {path}={value!r} should be invalid"
    assert any(expected in e for e in errors), errors


def test_summary_of_139_characters_is_the_longest_allowed(cds_example):
    body = cds_example(SPEC + LINKS)
    body["cards"][0]["summary"] = "é" * SUMMARY_MAX  # characters, not UTF-8 bytes
    assert validate("response", body) == []


def test_errors_are_json_pointers_in_location_order(cds_example):
    body = cds_example(SPEC + LINKS)
    for card in body["cards"]:
        del card["indicator"]
    body["cards"][1]["overrideReasons"][0]["system"] = 3
    assert validate("response", body) == [
        "/cards/0: 'indicator' is a required property",
        "/cards/1: 'indicator' is a required property",
        "/cards/1/overrideReasons/0/system: is a number; expected a string",
    ]


def test_schema_hands_out_copies():
    schema("card")["$defs"]["card"]["required"].clear()
    assert validate("card", {}) != []


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown CDS Hooks schema 'cards'"):
        validate("cards", {})

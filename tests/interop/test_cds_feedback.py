"""CDS Hooks feedback: the spec's three examples, override reasons checked against the
non-adherence CodeSystem, and feedback on RectoPlan's own cards."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rectoplan.clinical.case import Case
from rectoplan.errors import InvalidRecordError
from rectoplan.interop.cds_hooks import (
    FeedbackEntry,
    parse_feedback,
    patient_view_cards,
)
from rectoplan.pathways import assess
from rectoplan.registry.codes import code_system

SPEC = "hl7-cds-hooks/"
NON_ADHERENCE = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"


def test_the_shipped_code_system_is_the_non_adherence_one():
    assert code_system()["url"] == NON_ADHERENCE


def test_accepted_feedback(cds_example):
    assert parse_feedback(cds_example(SPEC + "feedback-accepted.json")) == [
        FeedbackEntry(
            card="4e0a3a1e-3283-4575-ab82-028d55fe2719",
            outcome="accepted",
            outcome_timestamp=datetime(2021, 12, 11, 10, 5, 31, tzinfo=UTC),
            accepted_suggestions=("e56e1945-20b3-4393-8503-a1a20fd73152",),
        )
    ]


def test_overridden_without_a_reason(cds_example):
    (entry,) = parse_feedback(cds_example(SPEC + "feedback-overridden.json"))
    assert (entry.card, entry.outcome) == ("f6b95768-b1c8-40dc-8385-bf3504b82ffb", "overridden")
    assert entry.reason_code is entry.reason_display is entry.user_comment is None
    assert entry.accepted_suggestions == ()


def test_spec_reason_from_a_foreign_code_system_is_refused(cds_example):
    """The spec's example codes its reason in a made-up system; this service offers only the
    non-adherence codes, so such a reason cannot be one of its cards' reasons."""
    with pytest.raises(InvalidRecordError) as refused:
        parse_feedback(cds_example(SPEC + "feedback-overridden-with-reason.json"))
    (error,) = refused.value.errors
    assert str(error).startswith(
        "/feedback/0/overrideReason/reason/system: "
        "'https://example.com/cds-hooks/override-reason-system' is not " + NON_ADHERENCE
    )


def test_non_adherence_reason_gets_its_published_display(cds_example):
    body = cds_example(SPEC + "feedback-overridden-with-reason.json")
    body["feedback"][0]["overrideReason"]["reason"] = {
        "system": NON_ADHERENCE,
        "code": "patient-refuses",
    }
    (entry,) = parse_feedback(body)
    assert entry.reason_code == "patient-refuses"
    assert entry.reason_display == "Patient refuses/declines (no context given)*"
    assert entry.user_comment == "A comment entered by the clinician."
    assert entry.outcome_timestamp == datetime(2020, 12, 11, tzinfo=UTC)


def test_a_comment_without_a_coded_reason_is_kept(cds_example):
    body = cds_example(SPEC + "feedback-overridden.json")
    body["feedback"][0]["overrideReason"] = {"userComment": "MDT chose TNT instead"}
    (entry,) = parse_feedback(body)
    assert (entry.reason_code, entry.user_comment) == (None, "MDT chose TNT instead")


def test_every_problem_is_reported_at_once_naming_its_element(cds_example):
    body = cds_example(SPEC + "feedback-overridden.json")
    good = body["feedback"][0]
    body["feedback"] = [
        {**good, "overrideReason": {"reason": {"system": NON_ADHERENCE, "code": "too-busy"}}},
        good,
        {**good, "outcomeTimestamp": "2020-13-11T00:00:00Z"},
    ]
    with pytest.raises(InvalidRecordError) as refused:
        parse_feedback(body)
    errors = [str(e) for e in refused.value.errors]
    assert len(errors) == 2
    assert errors[0].startswith(
        "/feedback/0/overrideReason/reason/code: 'too-busy' is not a code of"
    )
    assert errors[1].startswith(
        "/feedback/2/outcomeTimestamp: '2020-13-11T00:00:00Z' is not a valid"
    )


def test_shape_errors_come_from_the_schema(cds_example):
    body = cds_example(SPEC + "feedback-accepted.json")
    del body["feedback"][0]["acceptedSuggestions"]
    with pytest.raises(
        InvalidRecordError, match=r"/feedback/0: 'acceptedSuggestions' is a required"
    ):
        parse_feedback(body)


def test_timestamps_with_an_offset_are_stored_in_utc(cds_example):
    body = cds_example(SPEC + "feedback-overridden.json")
    body["feedback"][0]["outcomeTimestamp"] = "2024-03-01t09:30:00.25+01:00"
    (entry,) = parse_feedback(body)
    assert entry.outcome_timestamp == datetime(2024, 3, 1, 8, 30, 0, 250000, tzinfo=UTC)
    assert entry.outcome_timestamp.tzinfo is UTC


def test_feedback_on_our_own_card_round_trips():
    case = Path(__file__).resolve().parents[2] / "examples" / "cases" / "seed001_2_restaging.json"
    assessment = assess(Case.model_validate(json.loads(case.read_text(encoding="utf-8"))))
    (card,) = patient_view_cards(assessment, case_url="https://rectoplan.example/cases/1")["cards"]
    reason = card["overrideReasons"][1]
    body = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
                "outcomeTimestamp": "2025-01-07T08:00:00Z",
            },
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": reason, "userComment": "wants organ preservation"},
                "outcomeTimestamp": "2025-01-07T08:05:00Z",
            },
        ]
    }
    accepted, overridden = parse_feedback(body)
    assert accepted.accepted_suggestions == (card["suggestions"][0]["uuid"],)
    assert overridden.card == card["uuid"]
    assert (overridden.reason_code, overridden.reason_display) == (
        reason["code"],
        reason["display"],
    )

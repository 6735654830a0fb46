"""MDT decisions are judged against the stored snapshot; deviations are coded from the CDS Hooks
non-adherence CodeSystem and nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from rectoplan.errors import InvalidRecordError
from rectoplan.registry import decisions, episodes, models
from rectoplan.registry.codes import code_system, deviation_reasons
from rectoplan.registry.schemas import DecisionIn

PREFERRED = "primary.organ_preservation.crt_local_excision"  # the engine's choice for seed 001
AT = "2025-03-10T15:00:00+00:00"

URGENT = "bleeding: decided before the next MDT"


def test_the_code_system_is_the_published_one():
    system = code_system()
    assert system["url"] == "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"
    reasons = deviation_reasons()
    categories = {r.code for r in reasons.values() if r.category == r.code}
    assert categories == {
        "cds-not-applicable",
        "cds-suboptimal-context",
        "recipient-disagrees-evidence",
        "recipient-concerns-outcomes",
        "does-not-align-preferences",
        "not-convenient-feasible",
    }
    assert len(reasons) - len(categories) == 29  # the domain notes count 29 reasons
    refuses = reasons["patient-refuses"]
    assert refuses.category == "does-not-align-preferences"
    assert refuses.display == "Patient refuses/declines (no context given)*"
    assert reasons["need-more-info"].category == "cds-suboptimal-context"


@pytest.fixture
def episode_id(write, seed_record) -> int:
    with write() as session:
        return episodes.create_episode(session, seed_record()).id


def test_followed_preferred_is_computed_from_the_snapshot(write, episode_id):
    with write() as session:
        snapshot = episodes.latest_assessment(session, episode_id)
        assert snapshot.preferred_ids == [PREFERRED]
        followed = decisions.record_decision(
            session,
            episode_id,
            {"decided_at": AT, "chosen_option_id": PREFERRED, "urgency_reason": URGENT},
        )
        deviated = decisions.record_decision(
            session,
            episode_id,
            {
                "decided_at": AT,
                "chosen_option_id": "primary.tnt.short_course",
                "deviation_code": "expert-contradicts",
                "deviation_note": "the surgeon advises against organ preservation",
                "urgency_reason": URGENT,
            },
        )
        assert (followed.followed_preferred, deviated.followed_preferred) == (True, False)
        # short-course TNT is listed ("consider") for seed 001: an alternative, not a deviation
        assert (followed.category, deviated.category) == ("concordant", "alternative")
        assert followed.assessment_id == deviated.assessment_id == snapshot.id
        corrected = decisions.update_decision(
            session,
            deviated.id,
            expected_version=1,
            chosen_option_id=PREFERRED,
            deviation_code=None,
        )
        assert corrected.followed_preferred is True and corrected.version == 2
        assert corrected.category == "concordant"


def test_the_category_follows_from_the_option_not_from_the_form(write, episode_id):
    """The same listed option is an alternative with or without a reason; declining, or an
    option the assessment did not list, is a deviation and needs a reason; "other" needs its
    text."""
    listed = "primary.surgery.coloanal"
    with write() as session:
        plain = decisions.record_decision(
            session,
            episode_id,
            {"decided_at": AT, "chosen_option_id": listed, "urgency_reason": URGENT},
        )
        reasoned = decisions.record_decision(
            session,
            episode_id,
            {
                "decided_at": AT,
                "chosen_option_id": listed,
                "deviation_code": "prefers-alternative",
                "urgency_reason": URGENT,
            },
        )
        declined = decisions.record_decision(
            session,
            episode_id,
            {"decided_at": AT, "deviation_code": "patient-refuses", "urgency_reason": URGENT},
        )
        unlisted = decisions.record_decision(
            session,
            episode_id,
            {
                "decided_at": AT,
                "chosen_option_id": "primary.surgery.apr",
                "deviation_code": "cds-not-applicable",
                "deviation_note": "in a trial of a new operation",
                "urgency_reason": URGENT,
            },
        )
        assert [d.category for d in (plain, reasoned, declined, unlisted)] == [
            "alternative",
            "alternative",
            "deviation",
            "deviation",
        ]
    for decision, field, message in (
        ({}, "deviation_code", "required when neither the preferred option"),
        ({"chosen_option_id": "primary.surgery.apr"}, "deviation_code", "required"),
        (
            {"chosen_option_id": "primary.surgery.apr", "deviation_code": "cds-not-applicable"},
            "deviation_note",
            "say what the other reason",
        ),
    ):
        with pytest.raises(InvalidRecordError) as refused, write() as session:
            decisions.record_decision(
                session, episode_id, {"decided_at": AT, "urgency_reason": URGENT, **decision}
            )
        [error] = refused.value.errors
        assert error.field == field and message in error.message


@pytest.mark.parametrize(
    ("decision", "field", "message"),
    [
        ({"chosen_option_id": "primary.surgery.apr"}, "deviation_code", "required"),
        (
            {"chosen_option_id": "primary.surgery.apr", "deviation_code": "too-busy"},
            "deviation_code",
            "is not a code of http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes",
        ),
        ({"chosen_option_id": "primary.magic"}, "chosen_option_id", "not an option the engine"),
    ],
)
def test_bad_decisions_are_refused(write, episode_id, decision, field, message):
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        decisions.record_decision(
            session, episode_id, {"decided_at": AT, "urgency_reason": URGENT, **decision}
        )
    [error] = refused.value.errors
    assert error.field == field and message in error.message


def test_the_database_refuses_a_followed_decision_with_a_deviation_code(write, episode_id):
    with pytest.raises(IntegrityError, match="no_deviation_when_followed"), write() as session:
        snapshot = episodes.latest_assessment(session, episode_id)
        session.add(
            models.MdtDecision(
                episode_id=episode_id,
                assessment_id=snapshot.id,
                chosen_option_id=PREFERRED,
                followed_preferred=True,
                category="concordant",
                deviation_code="patient-refuses",
                decided_at=snapshot.created_at,
            )
        )


def test_without_a_preferred_option_no_code_is_needed():
    decision = DecisionIn.model_validate(
        {"decided_at": AT, "chosen_option_id": PREFERRED, "urgency_reason": URGENT}
    )
    assert decision.category(()) == "deviation"  # nothing preferred, nothing to deviate from


def test_a_deviation_from_a_preferred_option_must_be_coded():
    decision = DecisionIn.model_validate(
        {"decided_at": AT, "chosen_option_id": PREFERRED, "urgency_reason": URGENT}
    )
    with pytest.raises(InvalidRecordError, match="required when neither the preferred option"):
        decision.category(("primary.tnt.short_course",))
    assert decision.category(("primary.tnt.short_course",), (PREFERRED,)) == "alternative"

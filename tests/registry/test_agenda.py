"""A meeting's agenda keeps its cases in places 1..n through adds, removals and moves, each
case once; attendance is replaced as a whole, cleaned, and under optimistic locking."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from rectoplan.errors import InvalidRecordError, NotFoundError, StaleWriteError
from rectoplan.registry import agenda, audit, decisions, episodes, models
from rectoplan.registry.schemas import MeetingIn

PREFERRED = "primary.organ_preservation.crt_local_excision"


@pytest.fixture
def meeting_id(write) -> int:
    with write() as session:
        meeting = decisions.get_or_create_meeting(
            session, MeetingIn(held_on=dt.date(2025, 3, 10), title="Colorectal MDT")
        )
        session.flush()
        return meeting.id


@pytest.fixture
def episode_ids(write, seed_record) -> list[int]:
    with write() as session:
        return [
            episodes.create_episode(session, seed_record(case_id=f"c{n}", pseudonym=f"P{n}")).id
            for n in range(4)
        ]


def _order(write, meeting_id: int) -> list[tuple[int, int]]:
    """(place, episode id) in running order, as read back in a new transaction."""
    with write() as session:
        return [(item.position, item.episode_id) for item in agenda.agenda(session, meeting_id)]


def _places_are_one_to_n(order: list[tuple[int, int]]) -> None:
    assert [place for place, _ in order] == list(range(1, len(order) + 1))
    assert len({episode for _, episode in order}) == len(order)


def test_cases_are_appended_in_the_order_they_are_added(write, meeting_id, episode_ids):
    a, b, c, _ = episode_ids
    for episode_id in (c, a, b):
        with write("coordinator") as session:
            row = agenda.add_to_agenda(session, meeting_id, episode_id)
            assert row.added_by == "coordinator" and row.version == 1
    order = _order(write, meeting_id)
    assert order == [(1, c), (2, a), (3, b)]


def test_a_case_is_on_an_agenda_once(write, meeting_id, episode_ids):
    with write() as session:
        agenda.add_to_agenda(session, meeting_id, episode_ids[0])
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        agenda.add_to_agenda(session, meeting_id, episode_ids[0])
    assert refused.value.errors[0].field == "episode_id"
    assert "already on the agenda" in refused.value.errors[0].message
    assert _order(write, meeting_id) == [(1, episode_ids[0])]


def test_unknown_meeting_or_case_is_not_found(write, meeting_id, episode_ids):
    with pytest.raises(NotFoundError), write() as session:
        agenda.add_to_agenda(session, meeting_id + 99, episode_ids[0])
    with pytest.raises(NotFoundError), write() as session:
        agenda.add_to_agenda(session, meeting_id, max(episode_ids) + 99)
    assert _order(write, meeting_id) == []


def test_removing_closes_the_gap(write, meeting_id, episode_ids):
    with write() as session:
        for episode_id in episode_ids:
            agenda.add_to_agenda(session, meeting_id, episode_id)
    with write() as session:
        agenda.remove_from_agenda(session, meeting_id, episode_ids[1])
    order = _order(write, meeting_id)
    _places_are_one_to_n(order)
    assert [e for _, e in order] == [episode_ids[0], episode_ids[2], episode_ids[3]]
    with pytest.raises(InvalidRecordError), write() as session:
        agenda.remove_from_agenda(session, meeting_id, episode_ids[1])


def test_moves_swap_neighbours_and_stop_at_the_ends(write, meeting_id, episode_ids):
    a, b, c, d = episode_ids
    with write() as session:
        for episode_id in episode_ids:
            agenda.add_to_agenda(session, meeting_id, episode_id)
    steps = [
        (agenda.move_up, c, [a, c, b, d]),
        (agenda.move_up, c, [c, a, b, d]),
        (agenda.move_up, c, [c, a, b, d]),  # already first
        (agenda.move_down, a, [c, b, a, d]),
        (agenda.move_down, d, [c, b, a, d]),  # already last
        (agenda.move_down, c, [b, c, a, d]),
    ]
    for mover, episode_id, expected in steps:
        with write() as session:
            mover(session, meeting_id, episode_id)
        order = _order(write, meeting_id)
        _places_are_one_to_n(order)
        assert [e for _, e in order] == expected, (mover.__name__, episode_id)


def test_a_move_writes_and_audits_only_the_two_rows_that_change(write, meeting_id, episode_ids):
    with write() as session:
        ids = [agenda.add_to_agenda(session, meeting_id, e).id for e in episode_ids]
    with write() as session:
        agenda.move_down(session, meeting_id, episode_ids[1])
    with write() as session:
        versions = {item.id: item.version for item in agenda.agenda(session, meeting_id)}
        assert versions == {ids[0]: 1, ids[1]: 2, ids[2]: 2, ids[3]: 1}
        history = audit.history(session, "mdt_agenda_items", ids[1])
        assert [h.after["position"] for h in history] == [2, 3]


def test_the_meetings_cases_are_its_agenda_and_its_decisions(write, meeting_id, episode_ids):
    a, b, c, _ = episode_ids
    with write() as session:
        agenda.add_to_agenda(session, meeting_id, a)
        agenda.add_to_agenda(session, meeting_id, b)
        meeting = session.get(models.MdtMeeting, meeting_id)
        held = {"held_on": meeting.held_on, "title": meeting.title}
        decided_at = dt.datetime(2025, 3, 10, 15, tzinfo=dt.UTC)
        for episode_id in (b, c):
            decisions.record_decision(
                session,
                episode_id,
                {"decided_at": decided_at, "chosen_option_id": PREFERRED, "meeting": held},
                add_to_agenda=True,  # c is discussed on the spot: it joins the agenda
            )
    with write() as session:
        found = set(
            session.scalars(
                select(models.Episode.id).where(
                    models.Episode.id.in_(agenda.meeting_episode_ids(meeting_id))
                )
            )
        )
        assert found == {a, b, c}
        assert agenda.counts(session, [meeting_id, meeting_id + 99]) == {
            meeting_id: (3, 2),
            meeting_id + 99: (0, 0),
        }


def test_attendance_is_trimmed_and_deduplicated(write, meeting_id):
    with write() as session:
        meeting = agenda.set_attendees(
            session,
            meeting_id,
            ["  Dr A. Smith ", "Dr  B Jones", "dr a. smith", "Nurse C"],
            expected_version=1,
        )
        assert meeting.attendees == ["Dr A. Smith", "Dr B Jones", "Nurse C"]
    with write() as session:
        stored = session.get(models.MdtMeeting, meeting_id)
        assert stored.attendees == ["Dr A. Smith", "Dr B Jones", "Nurse C"]
        assert stored.version == 2


def test_bad_names_are_named_by_their_place(write, meeting_id):
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        agenda.set_attendees(session, meeting_id, ["Ann", "  ", "x" * 101], expected_version=1)
    fields = [e.field for e in refused.value.errors]
    assert fields == ["attendees[1]", "attendees[2]"]
    assert "101" in refused.value.errors[1].message
    assert agenda.clean_attendees(["y" * agenda.MAX_NAME]) == ["y" * agenda.MAX_NAME]
    with write() as session:
        assert session.get(models.MdtMeeting, meeting_id).version == 1


def test_a_stale_attendance_write_is_refused_and_changes_nothing(write, meeting_id):
    with write() as session:
        agenda.set_attendees(session, meeting_id, ["Ann"], expected_version=1)
    with pytest.raises(StaleWriteError) as stale, write() as session:
        agenda.set_attendees(session, meeting_id, ["Bob"], expected_version=1)
    assert stale.value.actual == 2
    with write() as session:
        assert session.get(models.MdtMeeting, meeting_id).attendees == ["Ann"]

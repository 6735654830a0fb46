"""Imports are all-or-nothing: a bad row anywhere leaves the registry exactly as it was, and
every problem is reported by row and field."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from rectoplan.errors import ConflictError, InvalidRecordError
from rectoplan.registry import importing, models
from rectoplan.registry.importing import LooseEvent, import_records
from rectoplan.registry.io import import_file, write_json

TABLES = (
    models.Patient,
    models.Episode,
    models.Assessment,
    models.MdtMeeting,
    models.MdtDecision,
    models.Treatment,
    models.PathologyReport,
    models.Complication,
    models.FollowUpEvent,
    models.AuditLog,
)


def _counts(session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in TABLES
    }


def _rows(records: list[dict]) -> list[tuple[int, dict]]:
    return list(enumerate(records, 1))


def _messages(exc: pytest.ExceptionInfo[InvalidRecordError]) -> list[str]:
    return [str(error) for error in exc.value.errors]


@pytest.fixture
def loaded(write, cohort) -> dict[str, int]:
    """A registry that already holds 40 episodes, so "unchanged" is not "empty"."""
    with write() as session:
        import_records(session, _rows(cohort(40, seed=1)))
        return _counts(session)


def test_one_bad_row_among_many_changes_nothing(write, cohort, loaded):
    records = cohort(250, seed=2)
    records[136]["case"]["mri"]["ct"] = "T5"
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        import_records(session, _rows(records))
    assert _messages(refused) == [
        "row 137: case.mri.ct: 'T5' is not an AJCC 8 T category "
        "(expected one of TX, T0, Tis, T1, T2, T3, T4a, T4b)"
    ]
    with write() as session:
        assert _counts(session) == loaded


def test_a_failure_while_writing_rolls_everything_back(write, cohort, loaded, monkeypatch):
    """Past the checks, a failing batch (here the third) undoes the batches before it."""
    calls = []
    real = importing._write_batch

    def flaky(session, batch, plan, summary):
        calls.append(len(batch))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real(session, batch, plan, summary)

    monkeypatch.setattr(importing, "BATCH", 20)
    monkeypatch.setattr(importing, "_write_batch", flaky)
    with pytest.raises(RuntimeError), write() as session:
        import_records(session, _rows(cohort(100, seed=3)))
    assert calls == [20, 20, 20]
    with write() as session:
        assert _counts(session) == loaded


def test_a_writer_racing_past_the_checks_is_a_conflict(write, seed_record, monkeypatch):
    """If another writer stores the same case id between the checks and the writes, the
    database's unique constraint stops the import, which is undone and reported as such."""
    with write() as session:
        import_records(session, _rows([seed_record(case_id="same", pseudonym="A")]))
        before = _counts(session)
    monkeypatch.setattr(importing, "_unique_cases", lambda session, facts, errors: {})
    with pytest.raises(ConflictError, match="another writer"), write() as session:
        import_records(session, _rows([seed_record(case_id="same", pseudonym="B")]))
    with write() as session:
        assert _counts(session) == before


def test_every_problem_is_listed_by_row_and_field(write, cohort, seed_record, loaded):
    with write() as session:
        registered_case = session.scalar(select(models.Episode.case_id).limit(1))
    records = [seed_record(case_id=f"ok-{i}", pseudonym=f"P-{i}") for i in range(8)]
    records[1]["case"]["case_id"] = registered_case
    records[2]["decisions"] = [
        {
            "decided_at": "2025-03-10T15:00:00+00:00",
            "chosen_option_id": "primary.surgery.apr",
            "deviation_code": "because-we-said-so",
        }
    ]
    records[3]["treatments"] = [{"kind": "endoscopic", "procedure": "magnetic_compression"}]
    records[4]["case"]["case_id"] = "ok-0"
    records[5]["patient"]["birth_year"] = 1950
    records[6]["events"] = [{"kind": "death", "occurred_on": "2024-01-01"}]
    records[7]["case"]["tumour"]["colour"] = "red"
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        import_records(session, _rows(records))
    assert _messages(refused) == [
        f"row 2: case.case_id: {registered_case!r} is already in the registry",
        "row 3: decisions[0].deviation_code: 'because-we-said-so' is not a code of "
        "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes (for example "
        "patient-refuses, prefers-alternative, patient-contraindication, need-more-info)",
        "row 4: treatments[0].magnet_spec: magnetic compression needs the magnet specification",
        "row 5: case.case_id: 'ok-0' is also in row 1",
        "row 6: patient.birth_year: born 1950, the patient was 74 or 75 at diagnosis "
        "(2025-03-03), but case.patient.age_years is 56",
        "row 7: events[0].occurred_on: 2024-01-01 is before the diagnosis (2025-03-03)",
        "row 8: case.tumour.colour: Extra inputs are not permitted",
    ]
    with write() as session:
        assert _counts(session) == loaded


def test_a_deviation_needs_a_code_and_following_needs_none(write, seed_record):
    follows = seed_record(case_id="a", pseudonym="A")
    follows["decisions"] = [
        {
            "decided_at": "2025-03-10T15:00:00+00:00",
            "chosen_option_id": "primary.organ_preservation.crt_local_excision",
            "deviation_code": "patient-refuses",
        }
    ]
    uncoded = seed_record(case_id="b", pseudonym="B")
    uncoded["decisions"] = [
        {"decided_at": "2025-03-10T15:00:00+00:00", "chosen_option_id": "primary.surgery.apr"}
    ]
    naive = seed_record(case_id="c", pseudonym="C")
    naive["decisions"] = [{"decided_at": "2025-03-10T15:00:00", "deviation_code": "need-more-info"}]
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        import_records(session, _rows([follows, uncoded, naive]))
    assert _messages(refused) == [
        "row 1: decisions[0].deviation_code: primary.organ_preservation.crt_local_excision is "
        "the preferred option; a deviation code applies only when the preferred option is not "
        "chosen",
        "row 2: decisions[0].deviation_code: required when neither the preferred option "
        "(primary.organ_preservation.crt_local_excision) nor a listed alternative is chosen",
        "row 3: decisions[0].decided_at: give the time zone (e.g. 2025-03-04T14:00:00+00:00)",
    ]


def test_patients_and_meetings_are_shared_and_must_agree(write, seed_record):
    meeting = {"held_on": "2025-03-10", "title": "Colorectal MDT", "attendees": ["A", "B"]}
    first = seed_record("seed001_1_diagnosis", case_id="e1", pseudonym="P")
    second = seed_record("seed001_2_restaging", case_id="e2", pseudonym="P")
    for record, option in ((first, "primary.organ_preservation.crt_local_excision"),
                           (second, "primary.restaging.local_excision")):  # fmt: skip
        record["decisions"] = [
            {"decided_at": "2025-03-10T15:00:00+00:00", "chosen_option_id": option,
             "meeting": meeting}
        ]  # fmt: skip
    with write() as session:
        summary = import_records(session, _rows([first, second]))
        assert (summary.episodes, summary.patients, summary.meetings) == (2, 1, 1)
    clash = seed_record("seed001_1_diagnosis", case_id="e3", pseudonym="P")
    clash["patient"]["sex"] = "female"
    clash["case"]["patient"]["sex"] = "female"
    other = copy.deepcopy(first)
    other["case"]["case_id"], other["patient"]["pseudonym"] = "e4", "Q"
    other["decisions"][0]["meeting"]["attendees"] = ["C"]
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        import_records(session, _rows([clash, other]))
    assert _messages(refused) == [
        "row 1: patient.sex: female, but the registered patient P has male",
        "row 2: decisions[0].meeting.attendees: C, but the registered meeting lists A, B",
    ]


def test_loose_events_attach_to_the_file_or_the_registry(write, seed_record):
    with write() as session:
        import_records(session, _rows([seed_record(case_id="stored", pseudonym="S")]))
    loose = [
        LooseEvent(2, "stored", {"kind": "last_contact", "occurred_on": "2025-10-01"}),
        LooseEvent(3, "new", {"kind": "death", "occurred_on": "2026-01-01"}),
    ]
    with write() as session:
        summary = import_records(
            session, _rows([seed_record(case_id="new", pseudonym="N")]), events=loose
        )
        assert summary.events == 2
        kinds = dict(
            session.execute(
                select(models.Episode.case_id, models.FollowUpEvent.kind).join(
                    models.FollowUpEvent, models.FollowUpEvent.episode_id == models.Episode.id
                )
            ).all()
        )
        assert kinds == {"stored": "last_contact", "new": "death"}
    wrong = [
        LooseEvent(2, "nobody", {"kind": "death", "occurred_on": "2026-01-01"}),
        LooseEvent(3, "stored", {"kind": "lunch", "occurred_on": "2026-01-01"}),
    ]
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        import_records(session, [], events=wrong, events_source="events.csv")
    assert _messages(refused) == [
        "events.csv row 2: case_id: 'nobody' is neither in the cases file nor in the registry",
        "events.csv row 3: kind: Input should be 'recurrence', 'local_regrowth', "
        "'distant_metastasis', 'restenosis', 'tme', 'death' or 'last_contact'",
    ]


def test_file_rows_are_lines_or_positions(write, seed_record, tmp_path):
    good = json.dumps(seed_record(case_id="x", pseudonym="X"))
    lines = tmp_path / "records.jsonl"
    lines.write_text(f"{good}\n\n{{not json\n")
    array = tmp_path / "records.json"
    bad = seed_record(case_id="y", pseudonym="Y")
    bad["case"]["tumour"]["longest_diameter_cm"] = -1
    array.write_text(json.dumps([json.loads(good), bad], indent=2))
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        import_file(session, lines)
    assert _messages(refused) == [
        "row 3: (file): not valid JSON: Expecting property name enclosed in double quotes"
    ]
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        import_file(session, array)
    assert _messages(refused) == [
        "row 2: case.tumour.longest_diameter_cm: Input should be greater than 0"
    ]


def test_progress_reports_both_phases(write, cohort, tmp_path):
    path = tmp_path / "cohort.json"
    write_json(path, cohort(30, seed=4))
    seen: list[tuple[str, int, int]] = []
    with write() as session:
        import_file(session, path, progress=lambda *step: seen.append(step))
    assert seen[-1] == ("writing", 30, 30)
    assert ("validating", 30, 30) in seen
    assert seen.index(("validating", 30, 30)) < seen.index(("writing", 30, 30))

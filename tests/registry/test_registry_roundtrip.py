"""Export then import gives the same records back, as JSON (whole records) and as CSV (cases
and follow-up events)."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rectoplan.clinical.case import Case
from rectoplan.errors import InvalidRecordError
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.importing import import_records
from rectoplan.registry.io import (
    events_path_for,
    export_file,
    export_records,
    flatten,
    import_file,
    unflatten,
)


@pytest.fixture
def source(write, cohort, seed_record) -> list[dict]:
    """A registry with every section in use: a demo cohort plus one fully recorded episode."""
    full = seed_record("seed001_3_after_eftr", case_id="full", pseudonym="F")
    full["case"]["stenosis"] = {"length_mm": 8, "morphology": "membranous"}  # for the rings
    full["treatments"] = [
        {"kind": "endoscopic", "procedure": "eftr", "approach": "endoscopic",
         "started_on": "2025-07-01", "discharge_day": 2},
        {"kind": "endoscopic", "procedure": "magnetic_compression", "started_on": "2025-09-01",
         "magnet_spec": {"od_mm": 20, "id_mm": 8, "height_mm": 5, "grade": "N52"},
         "discharge_day": 6, "details": {"rings_passed_day": 6}},
    ]  # fmt: skip
    full["complications"] = [{"clavien_dindo": "IIIb-d", "description": "leak", "treatment": 0}]
    full["decisions"] = [
        {"decided_at": "2025-06-24T12:00:00+00:00", "chosen_option_id": "primary.surgery.apr",
         "deviation_code": "prefers-alternative", "deviation_note": "wants to keep the rectum",
         "decided_by": "chair", "meeting": {"held_on": "2025-06-24", "title": "MDT",
                                            "attendees": ["surgeon", "oncologist"]}},
    ]  # fmt: skip
    full["events"] = [
        {"kind": "restenosis", "occurred_on": "2025-12-01", "details": {"diameter_mm": 6}},
        {"kind": "last_contact", "occurred_on": "2026-03-01"},
    ]
    records = [*cohort(60, seed=11), full]
    with write() as session:
        import_records(session, list(enumerate(records, 1)))
    return records


def _exported(url: str) -> list[dict]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return list(export_records(session))
    finally:
        engine.dispose()


def _load(url: str, path, **options) -> str:
    """Import ``path`` into the registry at ``url``."""
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine), "tester") as session:
            import_file(session, path, **options)
    finally:
        engine.dispose()
    return url


def test_json_round_trip_preserves_every_record(
    tmp_path, registry_url, factory, another_registry, source
):
    first = _exported(registry_url)
    path = tmp_path / "registry.jsonl"
    with factory() as session:
        assert export_file(session, path) == len(source)
    second = _exported(_load(another_registry(), path))
    assert second == first
    by_case = {record["case"]["case_id"]: record for record in first}
    for original in source[:-1]:  # the cohort's records carry everything in their case
        exported = by_case[original["case"]["case_id"]]
        assert exported["case"] == Case.model_validate(original["case"]).model_dump(mode="json")
        assert exported["patient"] == original["patient"]
        assert "treatments" not in exported and "events" not in exported  # all in the case
    full = by_case["full"]["case"]
    # the EFTR treatment is the case's EFTR operation of the same day: one fact, not two
    assert [(op["type"], op["date"], op["discharge_day"]) for op in full["operations"]] == [
        ("eftr", "2025-07-01", 2)
    ]
    assert [
        (c["clavien_dindo"], c["disability"], c["operation"]) for c in full["complications"]
    ] == [("IIIb", True, 0)]
    (rings,) = full["stenosis"]["procedures"]
    assert rings["type"] == "magnetic_compression" and rings["rings_passed_day"] == 6
    assert rings["rings"] == [
        {"od_mm": 20.0, "id_mm": 8.0, "height_mm": 5.0, "grade": "N52", "polarization_t": None}
    ]
    assert [(e["kind"], e["date"]) for e in full["follow_up"]] == [
        ("restenosis", "2025-12-01"),
        ("last_contact", "2026-03-01"),
    ]
    assert by_case["full"]["decisions"][0]["meeting"]["attendees"] == ["surgeon", "oncologist"]


def test_csv_round_trip_preserves_cases_and_events(
    tmp_path, registry_url, factory, another_registry, source
):
    path = tmp_path / "cases.csv"
    with factory() as session:
        export_file(session, path)
    events = events_path_for(path)
    assert events.read_text().splitlines()[0] == "case_id,kind,occurred_on,details"
    copy_url = _load(another_registry(), path, events=events)

    def cases_and_events(records):
        return [
            (r["patient"], r["case"], r["status"])
            for r in sorted(records, key=lambda r: r["case"]["case_id"])
        ]

    assert cases_and_events(_exported(copy_url)) == cases_and_events(_exported(registry_url))


def test_csv_rows_name_their_line(write, seed_record, tmp_path):
    rows = [flatten(seed_record(case_id=f"c{i}", pseudonym=f"P{i}")["case"]) for i in range(3)]
    rows[1]["mri.ct"] = "T5"
    header = ["patient.pseudonym", *rows[0]]
    lines = [",".join(header)] + [
        ",".join([f"P{i}", *(row.get(c, "") for c in header[1:])]) for i, row in enumerate(rows)
    ]
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        import_file(session, path)
    assert [str(e) for e in refused.value.errors] == [
        "row 3: case.mri.ct: 'T5' is not an AJCC 8 T category "
        "(expected one of TX, T0, Tis, T1, T2, T3, T4a, T4b)"
    ]


json_leaf = st.one_of(
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=8),
)
keys = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
nested = st.recursive(
    st.dictionaries(keys, json_leaf, min_size=1, max_size=3),
    lambda inner: st.dictionaries(
        keys, st.one_of(inner, st.lists(inner, min_size=1, max_size=3)), min_size=1, max_size=3
    ),
    max_leaves=12,
)


def _as_text(value):
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@given(nested)
def test_unflatten_inverts_flatten(data):
    """Every leaf comes back as the text a CSV cell holds; the case model parses it."""
    assert unflatten(flatten(copy.deepcopy(data))) == _as_text(data)


def test_flat_columns_for_lists_and_nesting():
    case = {"mri": {"ct": "T3", "mesorectal_nodes": [{"short_axis_mm": 6.0}]}, "x": None}
    assert flatten(case) == {"mri.ct": "T3", "mri.mesorectal_nodes[0].short_axis_mm": "6.0"}
    assert json.dumps(unflatten({"distant.sites[1]": "lung", "distant.sites[0]": "liver"})) == (
        '{"distant": {"sites": ["liver", "lung"]}}'
    )

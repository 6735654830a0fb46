"""The frames analytics reads: start, event and censoring dates worked out by hand for a small
registry, on both engines."""

from __future__ import annotations

import pandas as pd
import pytest

from rectoplan.registry import cohort
from rectoplan.registry.importing import import_records

DX = "2025-03-03"  # the seed-001 diagnosis date


@pytest.fixture
def registry(write, seed_record):
    """Seven episodes whose survival times are counted by hand in the tests."""
    a = seed_record("seed001_1_diagnosis", "A", "PA")
    a["events"] = [
        {"kind": "recurrence", "occurred_on": "2025-09-03"},  # day 184
        {"kind": "death", "occurred_on": "2026-03-03"},  # day 365
    ]
    a["treatments"] = [{"kind": "operation", "operation_type": "lar", "started_on": "2025-04-01"}]
    a["complications"] = [
        {"clavien_dindo": "I", "description": "ileus", "treatment": 0},
        {"clavien_dindo": "II", "description": "transfusion", "treatment": 0},
    ]
    a["decisions"] = [
        {
            "decided_at": "2025-03-10T15:00:00+01:00",
            "chosen_option_id": "primary.organ_preservation.crt_local_excision",
        }
    ]
    b = seed_record("seed001_2_restaging", "B", "PB")
    b["events"] = [
        {"kind": "tme", "occurred_on": "2025-07-01"},  # day 120
        {"kind": "last_contact", "occurred_on": "2026-01-01"},  # day 304
    ]
    b["decisions"] = [
        {
            "decided_at": "2025-03-09T09:00:00+00:00",
            "chosen_option_id": "primary.surgery.coloanal",
            "deviation_code": "patient-contraindication",
        }
    ]
    c = seed_record("seed001_1_diagnosis", "C", "PC")  # no follow-up at all
    d = seed_record("seed001_1_diagnosis", "D", "PD")
    del d["case"]["diagnosis_date"]
    d["events"] = [{"kind": "death", "occurred_on": "2025-05-01"}]
    e = seed_record("seed001_3_after_eftr", "E", "PE")
    e["case"]["stenosis"] = {"length_mm": 8, "morphology": "membranous"}  # what was treated
    e["treatments"] = [
        {"kind": "endoscopic", "procedure": "eftr", "started_on": "2025-07-01"},
        {"kind": "endoscopic", "procedure": "balloon_dilatation", "balloon_mm": 15,
         "started_on": "2025-08-01"},
        {"kind": "endoscopic", "procedure": "magnetic_compression", "started_on": "2025-10-01",
         "magnet_spec": {"od_mm": 20, "id_mm": 8, "height_mm": 5, "grade": "N52"}},
    ]  # fmt: skip
    e["events"] = [
        {"kind": "restenosis", "occurred_on": "2025-07-20"},  # before the first dilatation
        {"kind": "restenosis", "occurred_on": "2025-09-15"},  # day 45 after 2025-08-01
        {"kind": "last_contact", "occurred_on": "2026-01-01"},
    ]
    f = seed_record("seed001_3_after_eftr", "F", "PF")
    f["case"]["pathology"]["deep_margin_mm"] = 0.5  # R1 under the 1 mm convention
    f["events"] = [{"kind": "last_contact", "occurred_on": "2025-12-01"}]
    g = seed_record("seed001_2_restaging", "G", "PG")
    g["treatments"] = [{"kind": "operation", "operation_type": "lar", "started_on": "2025-07-10"}]
    g["complications"] = [{"clavien_dindo": "IIIb", "description": "leak", "treatment": 0}]
    g["events"] = [{"kind": "last_contact", "occurred_on": "2026-02-01"}]
    with write() as session:
        summary = import_records(session, list(enumerate([a, b, c, d, e, f, g], 1)))
    return dict(zip("ABCDEFG", summary.episode_ids, strict=True))


def _by_case(frame: pd.DataFrame, ids: dict[str, int]) -> dict[str, tuple[float, bool]]:
    case_of = {episode: case for case, episode in ids.items()}
    return {case_of[row.episode_id]: (row.duration_days, row.event) for row in frame.itertuples()}


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        # A dies on day 365; B last seen day 304; E last seen 2026-01-01 (day 304); F day 273;
        # G day 335. C has no follow-up, D no diagnosis date.
        ("overall", {"A": (365, True), "B": (304, False), "E": (304, False),
                     "F": (273, False), "G": (335, False)}),
        ("disease_free", {"A": (184, True), "B": (304, False), "E": (304, False),
                          "F": (273, False), "G": (335, False)}),
        ("tme_free", {"A": (365, True), "B": (120, True), "E": (304, False),
                      "F": (273, False), "G": (335, False)}),
    ],
)  # fmt: skip
def test_survival_times_from_diagnosis(factory, registry, endpoint, expected):
    with factory() as session:
        frame = cohort.survival_frame(session, endpoint)
    assert list(frame.columns) == ["episode_id", "duration_days", "event"]
    assert frame["duration_days"].dtype == float and frame["event"].dtype == bool
    assert _by_case(frame, registry) == expected
    assert frame.attrs["skipped"] == 2
    assert frame.attrs["skipped_by_reason"] == {"no_origin": 1, "no_follow_up": 1}


def test_restenosis_free_starts_at_the_first_stenosis_treatment(factory, registry):
    with factory() as session:
        frame = cohort.survival_frame(session, "restenosis_free")
    assert _by_case(frame, registry) == {"E": (45, True)}  # 2025-08-01 -> 2025-09-15
    assert frame.attrs["skipped"] == 6  # no stenosis treatment, so no start


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        # A's recurrence event is the case's recurrence; E's case records its stenosis
        ("phase", {"A": "recurrence", "B": "restaging", "E": "stenosis"}),
        ("risk_group", {"A": "intermediate", "B": "intermediate", "E": "intermediate"}),
        ("pathway", {"A": "recurrence", "B": "primary", "E": "primary"}),
        ("neoadjuvant", {"A": "none", "B": "chemoradiotherapy", "E": "chemoradiotherapy"}),
    ],
)
def test_groups_come_from_the_latest_snapshot_and_the_case(factory, registry, group_by, expected):
    with factory() as session:
        frame = cohort.survival_frame(session, "overall", group_by=group_by)
    groups = {case: frame.set_index("episode_id").loc[registry[case], "group"] for case in expected}
    assert groups == expected


def test_unknown_endpoint_or_group_is_a_value_error(factory, registry):
    with factory() as session:
        with pytest.raises(ValueError, match="overall, disease_free, tme_free, restenosis_free"):
            cohort.survival_frame(session, "progression_free")
        with pytest.raises(ValueError, match="risk_group, phase, pathway, neoadjuvant"):
            cohort.survival_frame(session, "overall", group_by="surgeon")
        with pytest.raises(ValueError, match="r0, organ_preserved"):
            cohort.proportion(session, "happiness")


def test_decisions_frame(factory, registry):
    with factory() as session:
        frame = cohort.decisions_frame(session)
    assert list(frame.columns) == [
        "decision_id",
        "episode_id",
        "decided_at",
        "followed_preferred",
        "category",
        "chosen_option_id",
        "deviation_code",
    ]
    assert frame["episode_id"].tolist() == [registry["B"], registry["A"]]  # oldest first
    assert frame["decided_at"].tolist() == [
        pd.Timestamp("2025-03-09T09:00:00Z"),
        pd.Timestamp("2025-03-10T14:00:00Z"),
    ]
    assert frame["followed_preferred"].tolist() == [False, True]
    assert frame["category"].iloc[1] == "concordant"
    assert frame["deviation_code"].tolist() == ["patient-contraindication", None]


def test_proportions(factory, registry):
    with factory() as session:
        assert cohort.proportion(session, "r0") == (1, 2)  # E R0, F R1 (deep margin 0.5 mm)
        # restaged: B (TME event), E, F (local excision only), G (LAR) -> E and F preserved
        assert cohort.proportion(session, "organ_preserved") == (2, 4)
        # operated: A and G (LAR), E and F (EFTR, an operation of their case); G's IIIb
        assert cohort.proportion(session, "major_complications") == (1, 4)


def test_cci_per_operation_matches_the_published_examples(factory, registry):
    with factory() as session:
        frame = cohort.operation_cci(session).set_index("episode_id")
    # domain notes §4.2: I + II -> 22.6; one IIIb -> 33.7
    assert frame.loc[registry["A"], "cci"] == pytest.approx(22.6, abs=0.05)
    assert frame.loc[registry["G"], "cci"] == pytest.approx(33.7, abs=0.05)
    assert frame.loc[registry["A"], "operation_type"] == "lar"

"""Concordance shares, periods and deviation tallies on eleven decisions counted by hand.

Displays and categories are those of the HL7 CDS Hooks non-adherence CodeSystem
(``CodeSystem-non-adherence-reason-codes.json``, copied verbatim into the registry's data).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from rectoplan.analytics import concordance, wilson
from rectoplan.analytics.concordance import NOT_RECORDED, UNKNOWN, parse_codesystem, reason_codes
from rectoplan.errors import FieldError

ROWS = [
    ("2024-01-10", True, None),
    ("2024-02-03", False, "prefers-alternative"),
    ("2024-03-30", True, None),
    ("2024-03-31T23:00:00", False, "patient-contraindication"),
    ("2024-04-02", True, None),
    ("2024-05-15", False, "prefers-alternative"),
    ("2024-06-30", False, None),
    ("2024-06-30", True, None),
    ("2024-07-01", False, "made-up-code"),
    ("2024-07-15", None, "need-more-info"),  # concordance unknown: not assessable
    ("2024-08-01", True, "prefers-alternative"),  # followed: a stray code is not a deviation
]


@pytest.fixture
def decisions() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=["decided_at", "followed_preferred", "deviation_code"])


def test_overall_share_excludes_decisions_that_cannot_be_assessed(decisions):
    report = concordance(decisions)
    assert (report.overall.k, report.overall.n) == (5, 10)
    assert report.overall == wilson(5, 10)
    assert (report.deviations, report.not_assessable) == (5, 1)


def test_share_by_quarter_and_by_month(decisions):
    quarters = concordance(decisions).periods
    assert [(p.period, p.proportion.k, p.proportion.n) for p in quarters] == [
        ("2024-Q1", 2, 4),
        ("2024-Q2", 2, 4),
        ("2024-Q3", 1, 2),
    ]
    assert quarters[1].start.isoformat() == "2024-04-01"
    months = concordance(decisions, period="month").periods
    assert [(p.period, p.proportion.k, p.proportion.n) for p in months] == [
        ("2024-01", 1, 1),
        ("2024-02", 0, 1),
        ("2024-03", 1, 2),
        ("2024-04", 1, 1),
        ("2024-05", 0, 1),
        ("2024-06", 1, 2),
        ("2024-07", 0, 1),
        ("2024-08", 1, 1),
    ]


def test_deviation_reasons_tallied_with_display_and_category(decisions):
    reasons = {r.code: r for r in concordance(decisions).reasons}
    assert {code: r.count for code, r in reasons.items()} == {
        "prefers-alternative": 2,
        "patient-contraindication": 1,
        None: 1,
        "made-up-code": 1,
    }
    preference = reasons["prefers-alternative"]
    assert preference.display == "Patient prefers an alternative approach or treatment"
    assert preference.category == "does-not-align-preferences"
    assert preference.share == pytest.approx(2 / 5)
    assert reasons["patient-contraindication"].category == "recipient-concerns-outcomes"
    assert (reasons[None].display, reasons[None].known) == (NOT_RECORDED, True)
    unknown = reasons["made-up-code"]
    assert (unknown.known, unknown.display, unknown.category) == (False, UNKNOWN, None)
    assert next(iter(reasons)) == "prefers-alternative"  # most frequent first


def test_packaged_codesystem_has_every_code_under_a_top_level_category():
    codes = reason_codes()
    categories = {c.category for c in codes.values()}
    assert len(codes) == 35 and len(categories) == 6
    assert all(codes[category].category == category for category in categories)


def test_parse_codesystem_walks_nested_concepts():
    document = {
        "concept": [
            {"code": "a", "display": "A", "concept": [{"code": "a1", "display": "A one"}]},
            {"code": "b", "display": "B"},
        ]
    }
    codes = parse_codesystem(json.loads(json.dumps(document)))
    assert (codes["a1"].category, codes["a1"].category_display) == ("a", "A")
    assert codes["b"].category == "b"


def test_bad_rows_are_named(decisions):
    with pytest.raises(FieldError) as raised:
        concordance(decisions.assign(decided_at=["2024-01-01"] * 10 + ["soon"]))
    assert (raised.value.field, "row 11" in raised.value.message) == ("decided_at", True)
    with pytest.raises(FieldError) as raised:
        concordance(decisions.assign(followed_preferred=[None] + [True] * 9 + ["perhaps"]))
    assert (raised.value.field, "row 11" in raised.value.message) == ("followed_preferred", True)
    with pytest.raises(FieldError, match="period"):
        concordance(decisions, period="week")
    with pytest.raises(FieldError, match="decided_at"):
        concordance(decisions.drop(columns="decided_at"))


def test_to_dict_is_json(decisions):
    payload = json.loads(json.dumps(concordance(decisions).to_dict()))
    assert payload["overall"]["k"] == 5
    assert payload["evidence"] == ["cds_hooks_non_adherence"]

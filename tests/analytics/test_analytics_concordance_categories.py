"""Concordance by derived category, periods with too few decisions, and MDT reasons that read
back from every HL7 non-adherence code."""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd
import pytest

from rectoplan.analytics.concordance import MIN_DECISIONS_PER_PERIOD, concordance, parse_codesystem
from rectoplan.mdt_reasons import HL7_CODES, LABELS, MdtReason, needs_note, reason_of


def _codes() -> dict:
    path = resources.files("rectoplan") / "registry" / "data"
    document = json.loads((path / "CodeSystem-non-adherence-reason-codes.json").read_text())
    return parse_codesystem(document)


def test_a_quarter_with_one_decision_is_marked_too_few():
    busy = [f"2025-01-{day:02d}" for day in range(2, 14)]  # 12 decisions in 2025-Q1
    frame = pd.DataFrame(
        {
            "decided_at": [*busy, "2025-05-05"],  # one decision in 2025-Q2
            "category": ["concordant"] * 9 + ["alternative"] + ["deviation"] * 3,
            "deviation_code": [None] * 10
            + ["patient-refuses", "need-more-info", "cds-not-applicable"],
        }
    )
    report = concordance(frame)
    first, second = report.periods
    assert (first.period, first.too_few, first.proportion.n) == ("2025-Q1", False, 12)
    assert (second.period, second.too_few, second.proportion.n) == ("2025-Q2", True, 1)
    assert second.to_dict()["too_few"] is True and first.to_dict()["alternatives"] == 1
    assert (report.overall.k, report.overall.n) == (9, 13)
    assert (report.alternatives, report.deviations) == (1, 3)
    assert sum(t.count for t in report.reasons) == 3  # the alternative's reasons are not deviations
    assert {label for label, _, _ in report.by_reason} == {
        "Patient preference",
        "New information at the meeting",
        "Other",
    }
    assert MIN_DECISIONS_PER_PERIOD > 1


@pytest.mark.parametrize("n", [1, MIN_DECISIONS_PER_PERIOD - 1, MIN_DECISIONS_PER_PERIOD])
def test_too_few_is_exactly_below_the_minimum(n):
    frame = pd.DataFrame({"decided_at": ["2025-02-01"] * n, "followed_preferred": [True] * n})
    (period,) = concordance(frame).periods
    assert period.too_few is (n < MIN_DECISIONS_PER_PERIOD)


def test_every_mdt_reason_is_stored_as_a_code_of_the_codesystem_and_reads_back():
    known = _codes()
    assert set(HL7_CODES) == set(MdtReason) == set(LABELS)
    assert len(set(HL7_CODES.values())) == len(MdtReason)  # one code each, none shared
    for reason in MdtReason:
        assert reason.code in known
        assert reason_of(reason.code, known[reason.code].category) is reason
    assert needs_note(MdtReason.other.code) and not needs_note(MdtReason.availability.code)


def test_every_code_of_the_codesystem_reads_as_an_mdt_reason():
    for code, concept in _codes().items():
        assert isinstance(reason_of(code, concept.category), MdtReason), code
    assert reason_of(None) is None
    assert reason_of("patient-refuses") is MdtReason.patient_preference

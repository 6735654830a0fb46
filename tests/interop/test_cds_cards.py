"""RectoPlan's CDS Hooks discovery and patient-view cards: built from the example cases, they
validate against the spec's shapes, keep the <140-character summary, carry the evidence and a
link to the case, and keep the same uuid for the same advice."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rectoplan.clinical.case import Case
from rectoplan.errors import InvalidRecordError
from rectoplan.evidence import SOURCES, lookup
from rectoplan.interop.cds_hooks import (
    HOOK,
    OVERRIDE_REASON_CODES,
    SERVICE_ID,
    card_uuid,
    discovery,
    patient_view_cards,
    request_patient_id,
    short_label,
)
from rectoplan.interop.cds_schemas import SUMMARY_MAX, validate
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Assessment, Recommendation, Strength, Warning
from rectoplan.registry.codes import code_system, deviation_reasons

CASES = Path(__file__).resolve().parents[2] / "examples" / "cases"
EXAMPLES = (
    "no_mri_workup.json",
    "restaging_icr_tme_apr.json",
    "metastatic_dmmr_m1b_liver_lung.json",
    "recurrence_lateral_encased_metastatic.json",
    "stenosis_short_refractory_electroincision.json",
    "seed001_1_diagnosis.json",
    "upper_ct3an0_tme_alone.json",
)
BASE = "https://rectoplan.example.org"


@cache
def _assessment(name: str) -> Assessment:
    return assess(Case.model_validate(json.loads((CASES / name).read_text(encoding="utf-8"))))


def _cards(assessment: Assessment, **kwargs) -> list[dict]:
    response = patient_view_cards(assessment, case_url=f"{BASE}/cases/x", **kwargs)
    assert validate("response", response) == []
    return response["cards"]


def test_discovery_lists_the_patient_view_service():
    body = discovery()
    assert validate("discovery", body) == []
    (service,) = body["services"]
    assert (service["id"], service["hook"]) == (SERVICE_ID, HOOK)
    assert (SERVICE_ID, HOOK) == ("rectoplan-patient-view", "patient-view")
    assert service["prefetch"] == {"patient": "Patient/{{context.patientId}}"}
    assert service["title"] and service["usageRequirements"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_cases_give_valid_cards(name):
    assessment = _assessment(name)
    case_url = f"{BASE}/cases/{assessment.case_id}"
    cards = patient_view_cards(assessment, case_url=case_url)["cards"]
    assert validate("response", {"cards": cards}) == []

    warning_cards = [c for c in cards if c["indicator"] == "warning"]
    advice = [c for c in cards if c["indicator"] == "info"]
    assert len(warning_cards) == (1 if assessment.warnings else 0)
    assert len(advice) == len(assessment.preferred()) > 0
    assert len(cards) == len(warning_cards) + len(advice)  # never "critical"
    if assessment.warnings:
        assert cards[0] is warning_cards[0]
        assert all(
            f"**{w.field}**" in warning_cards[0]["detail"].replace("\\", "")
            for w in assessment.warnings
        )

    for card, rec in zip(advice, assessment.preferred(), strict=True):
        assert validate("card", card) == []
        assert len(card["summary"]) <= SUMMARY_MAX
        assert card["uuid"] == card_uuid(assessment.case_id, rec.id, assessment.engine_version)
        assert card["source"]["label"] == short_label(lookup(rec.evidence[0]))
        assert card["links"] == [
            {"label": "Open the case in RectoPlan", "url": case_url, "type": "absolute"}
        ]
        for source_id in rec.evidence:
            assert lookup(source_id).citation.split(".")[0] in card["detail"]
        assert "**Why**" in card["detail"]
        assert card["selectionBehavior"] == "at-most-one"
        assert card["suggestions"][0]["uuid"] != card["uuid"]


def test_override_reasons_are_codes_of_the_non_adherence_code_system():
    (card,) = _cards(_assessment("upper_ct3an0_tme_alone.json"))
    reasons = card["overrideReasons"]
    assert [r["code"] for r in reasons] == list(OVERRIDE_REASON_CODES)
    published = deviation_reasons()
    for reason in reasons:
        assert reason["system"] == code_system()["url"]
        assert reason["display"] == published[reason["code"]].display


def test_engine_warnings_make_a_warning_card_and_mark_advice_provisional():
    cards = _cards(_assessment("no_mri_workup.json"))
    assert [c["indicator"] for c in cards] == ["warning", "info", "info", "info"]
    assert cards[0]["summary"] == (
        "3 flagged items may change the recommendation: distant, tumour.mmr_status, mri"
    )
    assert "- **mri**: no baseline MRI" in cards[0]["detail"]
    assert all("_Provisional: 3 flagged item(s)" in c["detail"] for c in cards[1:])


def test_uuids_are_stable_per_case_recommendation_and_engine_version():
    assessment = _assessment("metastatic_dmmr_m1b_liver_lung.json")
    first = [c["uuid"] for c in _cards(assessment)]
    assert first == [c["uuid"] for c in _cards(assessment, source_url=f"{BASE}/evidence")]
    assert len(set(first)) == len(first) == 3
    renamed = assessment.model_copy(update={"case_id": "another-case"})
    assert set(first).isdisjoint(c["uuid"] for c in _cards(renamed))
    upgraded = assessment.model_copy(update={"engine_version": "0.2.0"})
    assert set(first).isdisjoint(c["uuid"] for c in _cards(upgraded))


def _one_recommendation(title="Proceed to TME surgery", evidence=("esmo_2017",), **fields):
    rec = Recommendation(
        id="primary.test.option",
        title=title,
        strength=Strength.preferred,
        rationale=fields.pop("rationale", ("incomplete response",)),
        evidence=evidence,
        pathway="primary",
        **fields,
    )
    return _assessment("upper_ct3an0_tme_alone.json").model_copy(
        update={"recommendations": (rec,), "warnings": ()}
    )


def test_a_long_title_is_cut_at_a_word_with_an_ellipsis():
    title = "Total neoadjuvant therapy " * 10
    (card,) = _cards(_one_recommendation(title=title))
    summary = card["summary"]
    assert len(summary) <= SUMMARY_MAX
    assert summary.endswith("…")
    assert summary.startswith("Preferred: Total neoadjuvant therapy")
    assert summary[:-1].split()[-1] in {"Total", "neoadjuvant", "therapy"}  # no half word


def test_source_url_is_the_citation_url_else_the_fallback():
    with_url = next(s for s in SOURCES.values() if s.url.startswith("https://"))
    (card,) = _cards(_one_recommendation(evidence=(with_url.id,)))
    assert card["source"] == {"label": short_label(with_url), "url": with_url.url}
    assert lookup("esmo_2017").url == ""
    (card,) = _cards(_one_recommendation(), source_url=f"{BASE}/evidence")
    assert card["source"] == {"label": "Glynne-Jones et al. 2017", "url": f"{BASE}/evidence"}
    (card,) = _cards(_one_recommendation())
    assert card["source"] == {"label": "Glynne-Jones et al. 2017"}


def test_case_derived_text_stays_inert_markdown():
    rationale = ("<img src=x onerror=alert(1)> [click](http://evil.example)\n- injected",)
    (card,) = _cards(_one_recommendation(rationale=rationale))
    assert re.search(r"(?<!\\)<img", card["detail"]) is None
    assert re.search(r"(?<!\\)\]\(http", card["detail"]) is None
    assert "\n- injected" not in card["detail"]


@pytest.mark.parametrize("url", ["/cases/1", "cases/1", ""])
def test_case_url_must_be_absolute(url):
    with pytest.raises(ValueError, match="case_url must be an absolute URL"):
        patient_view_cards(_one_recommendation(), case_url=url)


def test_no_advice_and_no_warnings_is_an_empty_response():
    empty = _one_recommendation().model_copy(update={"recommendations": ()})
    assert patient_view_cards(empty, case_url=f"{BASE}/cases/x") == {"cards": []}


def test_short_labels_name_the_first_author_or_the_first_clause():
    assert short_label(lookup("esmo_2017")) == "Glynne-Jones et al. 2017"
    assert short_label(lookup("ajcc8_weiser_2018")) == "Weiser 2018"
    assert short_label(lookup("iwwd_2018")) == "van der Valk et al. 2018"
    assert short_label(lookup("nccn_rectal_2024")) == "NCCN Guidelines Insights 2024"
    assert all(0 < len(short_label(s)) <= 60 for s in SOURCES.values())


_text = st.text(max_size=300)


@settings(max_examples=150, deadline=None)
@given(
    title=_text,
    rationale=st.lists(_text, max_size=4),
    next_steps=st.lists(_text, max_size=3),
    evidence=st.lists(st.sampled_from(sorted(SOURCES)), min_size=1, max_size=3, unique=True),
    warnings=st.lists(st.tuples(_text, _text), max_size=3),
)
def test_random_text_never_makes_an_invalid_card(title, rationale, next_steps, evidence, warnings):
    assessment = _one_recommendation(
        title=title,
        evidence=tuple(evidence),
        rationale=tuple(rationale),
        next_steps=tuple(next_steps),
    ).model_copy(update={"warnings": tuple(Warning(field=f, message=m) for f, m in warnings)})
    cards = _cards(assessment)
    assert all(len(c["summary"]) <= SUMMARY_MAX for c in cards)
    card = cards[-1]
    assert card["indicator"] == "info"
    why = card["detail"].split("**Why**\n\n", 1)[1].split("\n\n", 1)[0] if rationale else ""
    assert len(re.findall(r"^- ", why, flags=re.M)) == len(rationale)  # one line per reason


def test_patient_id_comes_from_a_patient_view_request(cds_example):
    assert request_patient_id(cds_example("hl7-cds-hooks/request-patient-view.json")) == "1288992"


def test_other_hooks_and_broken_requests_are_refused_naming_the_element(cds_example):
    with pytest.raises(InvalidRecordError) as order_sign:
        request_patient_id(cds_example("hl7-cds-hooks/request-order-sign-paginated-prefetch.json"))
    assert [str(e) for e in order_sign.value.errors] == [
        "/hook: 'order-sign' is not 'patient-view', the only hook this service answers"
    ]
    request = cds_example("hl7-cds-hooks/request-patient-view.json")
    del request["context"]["patientId"]
    with pytest.raises(InvalidRecordError, match=r"/context: 'patientId' is a required property"):
        request_patient_id(request)
    with pytest.raises(InvalidRecordError, match=r"^/: is an array; expected an object$"):
        request_patient_id([])

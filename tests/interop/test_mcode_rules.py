"""RectoPlan's mCODE rules catch what fhir.resources.R4B lets through.

Each broken bundle below still parses with ``fhir.resources.R4B`` (asserted), so the rule check
is the only thing that sees the break; an unbroken export has no violation at all.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir_testdata import entries_with, example_case, mef_text, profile_elements

from rectoplan.interop.fhir_export import bundle_json
from rectoplan.interop.mcode_rules import RULES, check_bundle, errors

GOOD = bundle_json(example_case("seed001_3_after_eftr.json"))


def _t_category(b):
    return entries_with(b, "Observation", "399504009")[0]  # the baseline cT


def _group(b):
    return entries_with(b, "Observation", "399537006")[0]  # the clinical stage group


def _tumour_size(b):
    return entries_with(b, "Observation", "21889-1")[0]


def _course(b):
    return entries_with(b, "Procedure", "1217123003")[0]


def _patient(b):
    return b["entry"][0]["resource"]


def _operation(b):
    return next(
        e["resource"]
        for e in b["entry"]
        if e["resource"]["resourceType"] == "Procedure" and "1217123003" not in str(e["resource"])
    )


def _set(getter: Callable, **changes) -> Callable:
    return lambda b: getter(b).update(changes)


def _drop(getter: Callable, key: str) -> Callable:
    return lambda b: getter(b).pop(key)


BREAKS: dict[str, tuple[Callable, str, str]] = {
    "missing subject": (_drop(_t_category, "subject"), "required", ".subject"),
    "subject to nowhere": (
        _set(_t_category, subject={"reference": "urn:uuid:no-such-patient"}),
        "reference",
        ".subject.reference",
    ),
    "subject not the patient": (
        lambda b: _t_category(b).update(subject=_tumour_size(b)["focus"][0]),
        "reference",
        ".subject.reference",
    ),
    "wrong stage code": (
        _set(
            _t_category,
            code={"coding": [{"system": "http://snomed.info/sct", "code": "399534004"}]},
        ),
        "binding",
        ".code",
    ),
    "T value that is no T": (
        lambda b: _t_category(b)["valueCodeableConcept"]["coding"][0].update(code="cT5"),
        "binding",
        ".valueCodeableConcept",
    ),
    "method not a staging system": (
        _set(_t_category, method={"text": "my own staging"}),
        "binding",
        ".method",
    ),
    "missing method": (_drop(_t_category, "method"), "required", ".method"),
    "missing meta.profile": (_drop(_tumour_size, "meta"), "profile", ".meta.profile"),
    "tumour size with focus and specimen": (
        lambda b: _tumour_size(b).update(specimen={"reference": b["entry"][0]["fullUrl"]}),
        "must-have-focus-or-specimen-invariant",
        "resource(Observation)",
    ),
    "tumour size in inches": (
        lambda b: _tumour_size(b)["component"][0]["valueQuantity"].update(code="[in_i]"),
        "binding",
        ".component[0].valueQuantity",
    ),
    "stage group that disagrees with its members": (
        lambda b: _group(b)["valueCodeableConcept"]["coding"][0].update(code="4C"),
        "stage-consistency",
        ".valueCodeableConcept",
    ),
    "stage group with four members": (
        lambda b: _group(b)["hasMember"].append(_group(b)["hasMember"][0]),
        "cardinality",
        ".hasMember",
    ),
    "stage group with a component": (
        _set(_group, component=[{"code": {"text": "x"}, "valueString": "y"}]),
        "not-used",
        ".component",
    ),
    "gender outside the value set": (_set(_patient, gender="xyz"), "binding", ".gender"),
    "observation status outside the value set": (
        _set(_t_category, status="done"),
        "binding",
        ".status",
    ),
    "radiotherapy dose in Gy": (
        lambda b: _course(b)["extension"][1]["extension"][1]["valueQuantity"].update(code="Gy"),
        "fixed",
        ".totalDoseDelivered",
    ),
    "radiotherapy with a dateTime": (
        lambda b: _course(b).update(performedDateTime=_course(b).pop("performedPeriod")["start"]),
        "type",
        ".performedDateTime",
    ),
    "radiotherapy coded as something else": (
        lambda b: (
            _course(b)["code"]["coding"].append({"system": "x", "code": "y"})
            or _course(b)["code"]["coding"].pop(0)
        ),
        "fixed",
        ".code",
    ),
    "patient without identifier": (_drop(_patient, "identifier"), "required", ".identifier"),
}


@pytest.mark.parametrize("name", list(BREAKS))
def test_a_broken_bundle_is_caught_naming_the_element(name):
    mutate, rule, element = BREAKS[name]
    bundle = copy.deepcopy(GOOD)
    mutate(bundle)
    Bundle.model_validate(bundle)  # fhir.resources accepts every one of these
    found = [v for v in errors(bundle) if v.rule == rule]
    assert found, f"{name}: {check_bundle(bundle)}"
    assert any(element in v.element for v in found), [str(v) for v in found]
    assert all(v.element.startswith("Bundle") for v in found)


def test_the_unbroken_export_has_no_violation():
    assert check_bundle(GOOD) == []


def test_a_procedure_without_a_reason_is_a_warning_not_an_error():
    bundle = copy.deepcopy(GOOD)
    _operation(bundle).pop("reasonReference")
    (warning,) = check_bundle(bundle)
    assert warning.severity == "warning" and warning.rule == "mcode-reason-required"
    assert errors(bundle) == []


def test_impossible_and_placeholder_dates_are_named():
    bundle = copy.deepcopy(GOOD)
    _t_category(bundle)["effectiveDateTime"] = "2025-02-30"
    _course(bundle)["performedPeriod"]["end"] = "YYYY-MM-DD"
    found = {v.element: v.message for v in errors(bundle) if v.rule == "date"}
    assert any(
        k.endswith(".effectiveDateTime") and "not a real date" in m for k, m in found.items()
    )
    assert any(k.endswith(".performedPeriod.end") and "placeholder" in m for k, m in found.items())


def test_the_placeholder_date_of_the_mef_condition_bundle_is_named():
    found = errors(json.loads(mef_text("csv-condition-bundle.json")))
    dates = [v for v in found if v.rule == "date"]
    assert [v.element for v in dates] == [
        "Bundle.entry[0].resource(Condition).extension[0].valueDateTime"
    ]


def test_a_bundle_claiming_the_patient_bundle_profile_needs_one_cancer_patient():
    bundle = copy.deepcopy(GOOD)
    bundle["entry"] = bundle["entry"][1:]
    found = {v.rule for v in errors(bundle)}
    assert "cardinality" in found and "reference" in found


@pytest.mark.parametrize("profile", list(RULES), ids=lambda p: p.value.rsplit("/", 1)[-1])
def test_rules_require_what_the_dictionary_requires(profile):
    """Each top-level element the dictionary marks "Required" is in the profile's rules."""
    rules, profile_id = RULES[profile], profile.value.rsplit("/", 1)[-1]
    required = set()
    for element in profile_elements(profile_id):
        path = element["FHIR Element (R4)"]
        if not element["Required?"].startswith("Required") or "if known" in element["Required?"]:
            continue
        if "conditional" in element["Required?"] or ":" in path or path.count(".") != 1:
            continue
        required.add(path.split(".", 1)[1])
    assert required, "the dictionary lists required elements for every profile we check"
    assert required <= set(rules.required)
    types = {e["FHIR Element (R4)"].split(".")[0] for e in profile_elements(profile_id)}
    assert types - {"Extension"} == {rules.resource_type}

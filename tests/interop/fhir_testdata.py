"""Test data for the FHIR tests: example cases, the copied mCODE fixtures and the IG dictionary.

``tests/data/fhir/`` holds copies of ``shared/fixtures/external`` (each folder keeps its
SOURCE.md): five mCODE Extraction Framework bundles and the mCODE STU4 data dictionary.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from rectoplan.clinical.case import Case

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "cases"
FHIR_DATA = ROOT / "tests" / "data" / "fhir"
MEF = FHIR_DATA / "mcode-extraction-framework"
DICTIONARY = FHIR_DATA / "hl7-fhir-mcode-ig" / "mCODEDataDictionary-STU4.json"

EXAMPLE_NAMES = tuple(sorted(p.name for p in EXAMPLES.glob("*.json")))
MEF_BUNDLES = tuple(sorted(p.name for p in MEF.glob("*.json")))
MCODE = "http://hl7.org/fhir/us/mcode/"


@cache
def _example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def example(name: str) -> dict[str, Any]:
    """An example case as a dict the test may change."""
    return copy.deepcopy(_example(name))


def example_case(name: str) -> Case:
    return Case.model_validate(_example(name))


def mef_text(name: str) -> str:
    return (MEF / name).read_text(encoding="utf-8")


@cache
def dictionary() -> dict[str, Any]:
    return json.loads(DICTIONARY.read_text(encoding="utf-8"))


def value_set(vs_id: str) -> set[tuple[str, str]]:
    """``(code system name, code)`` of the enumerated members of an mCODE value set."""
    url = f"{MCODE}ValueSet/{vs_id}"
    return {
        (e["Code system"], e["Code"])
        for e in dictionary()["valueSetElements"]
        if e["Value set URI"] == url and "Code" in e
    }


def profile_elements(profile_id: str) -> list[dict[str, str]]:
    url = f"{MCODE}StructureDefinition/{profile_id}"
    return [e for e in dictionary()["profileElements"] if e["Source Profile URI"] == url]


def entries_with(bundle: dict[str, Any], resource_type: str, code: str) -> list[dict[str, Any]]:
    """The resources of a type whose ``code`` has a coding with this code."""
    return [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == resource_type
        and any(c.get("code") == code for c in e["resource"].get("code", {}).get("coding", []))
    ]

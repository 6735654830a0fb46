"""Why an MDT did not follow the preferred recommendation, coded from a published vocabulary.

A free-text reason cannot be counted, and a home-made list cannot be compared with anyone else's
audit. The CDS Hooks non-adherence CodeSystem (HL7, trial use; copied verbatim into ``data/``
with its SOURCE file) names six categories and 29 reasons, so deviations are coded from it and
concordance reports can group them by category.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

CODE_SYSTEM_FILE = "CodeSystem-non-adherence-reason-codes.json"


@dataclass(frozen=True, slots=True)
class DeviationReason:
    """One code of the CodeSystem; ``category`` is the top-level code it is grouped under
    (a category code is its own category)."""

    code: str
    display: str
    category: str


@cache
def code_system() -> dict:
    """The CodeSystem resource as shipped."""
    text = files("rectoplan.registry").joinpath("data", CODE_SYSTEM_FILE).read_text("utf-8")
    return json.loads(text)


@cache
def deviation_reasons() -> dict[str, DeviationReason]:
    """Every code of the CodeSystem by code, categories first, in the published order."""
    reasons: dict[str, DeviationReason] = {}
    for category in code_system()["concept"]:
        top = category["code"]
        reasons[top] = DeviationReason(top, category["display"], top)
        for concept in category.get("concept", ()):
            reasons[concept["code"]] = DeviationReason(concept["code"], concept["display"], top)
    return reasons


def check_deviation_code(code: str) -> str:
    """``code`` if the CodeSystem defines it; otherwise a ValueError naming the system."""
    if code not in deviation_reasons():
        url = code_system()["url"]
        raise ValueError(
            f"{code!r} is not a code of {url} (for example patient-refuses, prefers-alternative, "
            "patient-contraindication, need-more-info)"
        )
    return code

"""Surgical complications: the Clavien–Dindo grade and the Comprehensive Complication Index.

Clavien–Dindo grades one complication by the treatment it needed; the Comprehensive
Complication Index (CCI) sums every complication a patient had into one 0-100 score, so two
grade II complications weigh more than one. Registries and trials report both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rectoplan.evidence import cite

CLAVIEN_DINDO_EVIDENCE = cite("clavien_dindo_2004")
CCI_EVIDENCE = cite("cci_2013")


class ClavienDindo(StrEnum):
    """Clavien–Dindo grade (Dindo 2004). The "d" (disability at discharge) suffix is not a grade;
    `parse_clavien_dindo` keeps it as a flag."""

    I = "I"  # noqa: E741 - the grade is called I
    II = "II"
    IIIa = "IIIa"
    IIIb = "IIIb"
    IVa = "IVa"
    IVb = "IVb"
    V = "V"

    @classmethod
    def parse(cls, text: str) -> ClavienDindo:
        """The grade written as ``IIIa``, ``3a``, ``IIIA`` or ``grade IIIa``; a "d" suffix is
        accepted and dropped (use `parse_clavien_dindo` to keep it)."""
        return parse_clavien_dindo(text).grade


@dataclass(frozen=True, slots=True)
class GradedComplication:
    """A grade with the disability flag the "d" suffix sets (complication present at
    discharge)."""

    grade: ClavienDindo
    disability: bool = False

    def __str__(self) -> str:
        return f"{self.grade}{'-d' if self.disability else ''}"


_NUMERALS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_BY_NUMBER: dict[tuple[int, str], ClavienDindo] = {
    (1, ""): ClavienDindo.I,
    (2, ""): ClavienDindo.II,
    (3, "a"): ClavienDindo.IIIa,
    (3, "b"): ClavienDindo.IIIb,
    (4, "a"): ClavienDindo.IVa,
    (4, "b"): ClavienDindo.IVb,
    (5, ""): ClavienDindo.V,
}
_PATTERN = re.compile(
    r"^(?:grade|cd|clavien(?:[- ]dindo)?)?\s*"
    r"(?P<numeral>iii|ii|iv|i|v|[1-5])\s*(?P<sub>[ab])?\s*(?:[-(]?\s*(?P<d>d)\s*\)?)?$"
)


MAJOR_GRADES = frozenset(
    {ClavienDindo.IIIa, ClavienDindo.IIIb, ClavienDindo.IVa, ClavienDindo.IVb, ClavienDindo.V}
)
"""Clavien–Dindo III or worse: the "major complication" of the exenteration benchmarks."""


def parse_clavien_dindo(text: str) -> GradedComplication:
    """Read a grade as reports write it: ``I``, ``2``, ``IIIa``, ``3b``, ``IVb-d``, ``IIIb(d)``.

    A grade III or IV without a/b is refused rather than guessed, because the CCI weights differ
    (IIIa 2750 vs IIIb 4550); so is "V-d", since death has no discharge.
    """
    match = _PATTERN.match(str(text).strip().lower())
    grade = match and _BY_NUMBER.get((_NUMERALS[match["numeral"]], match["sub"] or ""))
    if not grade:
        allowed = ", ".join(ClavienDindo)
        raise ValueError(
            f"{text!r} is not a Clavien–Dindo grade (expected one of {allowed}, optionally "
            "with a 'd' suffix; III and IV need a or b)"
        )
    disability = bool(match["d"])
    if disability and grade is ClavienDindo.V:
        raise ValueError(f"{text!r}: grade V (death) cannot carry the 'd' (disability) suffix")
    return GradedComplication(grade, disability)


CCI_WEIGHTS: dict[ClavienDindo, int] = {
    ClavienDindo.I: 300,
    ClavienDindo.II: 1750,
    ClavienDindo.IIIa: 2750,
    ClavienDindo.IIIb: 4550,
    ClavienDindo.IVa: 7200,
    ClavienDindo.IVb: 8550,
}
"""CCI weight per Clavien–Dindo grade (Slankamenac 2013); grade V is not weighted, it sets 100.

These weights are verified only against public re-implementations of the CCI, not against the
paper or the official calculator (domain notes §4.2, source ``cci_2013`` is ``verified=False``);
check them there before release.
"""
CCI_MAX = 100.0


def _grade(value: ClavienDindo | GradedComplication | str) -> ClavienDindo:
    if isinstance(value, GradedComplication):
        return value.grade
    if isinstance(value, ClavienDindo):
        return value
    return ClavienDindo.parse(value)


def comprehensive_complication_index(
    grades: Iterable[ClavienDindo | GradedComplication | str],
) -> float:
    """CCI = sqrt(sum of weights) / 2 over every complication, capped at 100.

    No complications score 0; any grade V (death) scores 100. The result is unrounded; the CCI is
    conventionally reported to one decimal.
    """
    parsed = [_grade(value) for value in grades]
    if ClavienDindo.V in parsed:
        return CCI_MAX
    return min(CCI_MAX, math.sqrt(sum(CCI_WEIGHTS[grade] for grade in parsed)) / 2)


CLAVIEN_DINDO_DEFINITIONS: dict[ClavienDindo, str] = {
    ClavienDindo.I: "Any deviation from the normal postoperative course without the need for "
    "drugs (other than antiemetics, antipyretics, analgesics, diuretics, electrolytes), "
    "physiotherapy aside, or surgical, endoscopic or radiological intervention; includes wound "
    "infections opened at the bedside",
    ClavienDindo.II: "Requiring drugs beyond those allowed for grade I; includes blood "
    "transfusion and total parenteral nutrition",
    ClavienDindo.IIIa: "Requiring surgical, endoscopic or radiological intervention not under "
    "general anaesthesia",
    ClavienDindo.IIIb: "Requiring surgical, endoscopic or radiological intervention under "
    "general anaesthesia",
    ClavienDindo.IVa: "Life-threatening, requiring intensive care: single-organ dysfunction "
    "(including dialysis)",
    ClavienDindo.IVb: "Life-threatening, requiring intensive care: multi-organ dysfunction",
    ClavienDindo.V: "Death of the patient",
}
"""Each grade as Dindo, Demartines and Clavien define it (Ann Surg 2004;240:205, table 1),
shown beside the grade wherever one is picked."""

"""A finding's value as people read it, in the current locale.

`Finding.value` keeps the code (``low``, ``clear``, ``intermediate``, ``["central"]``) so that
the API, the registry and FHIR see the same value in every language; this is the one place
that turns a coded value into words for a page, a PDF or the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rectoplan.clinical.labels import label
from rectoplan.clinical.risk import HeightBand, RiskGroup
from rectoplan.i18n import _, join_items, roman
from rectoplan.mct.design import Verdict
from rectoplan.pathways.recommendation import Finding

_BY_FINDING: dict[str, Callable[[Any], str]] = {
    "height_band": lambda v: HeightBand(v).label,
    "mrf_status": lambda v: label("mrf", v),
    "risk_group": lambda v: RiskGroup(v).label,
    "clinical_stage": roman,
    "pathological_stage": roman,
    "rullier_type": roman,
    "rullier_type_restaging": roman,
    "mct_verdict": lambda v: Verdict(v).label,
    "rm_compartments": lambda v: label("compartment", v),
    "mskcc_class": lambda v: label("mskcc_class", v),
    "leeds_class": lambda v: label("leeds_class", v),
}


def finding_value(finding: Finding) -> str:
    """The value in words: coded values through their labels, yes/no for flags, lists joined."""
    words = _BY_FINDING.get(finding.id, str)
    return _words(finding.value, words)


def _words(value: Any, words: Callable[[Any], str]) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return join_items(_words(v, words) for v in value)
    if value is None:
        return "—"
    try:
        return words(value)
    except (ValueError, KeyError):
        return str(value)

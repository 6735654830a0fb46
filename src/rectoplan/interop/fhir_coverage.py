"""Which case fields the FHIR mapping carries, and the case as the mapping sees it.

mCODE has no place for most of what a rectal MDT records (MRI risk features, restaging
findings, margins, TME grade, complications, recurrence and stenosis plans), so an export
carries a subset and an import can only return that subset. `MAPPED` lists it; `mapped_view`
is the case reduced to it, which is exactly what ``bundle_to_case(case_to_bundle(case))`` must
return. ``docs/fhir-mapping.md`` says which FHIR element holds each field.
"""

from __future__ import annotations

from typing import Any

from rectoplan.clinical.case import Case
from rectoplan.clinical.tnm import NCategory

MAPPED: tuple[str, ...] = (
    "case_id",
    "diagnosis_date",
    "patient.age_years",
    "patient.sex",
    "patient.ecog",
    "tumour.distance_from_anal_verge_cm",
    "tumour.height_modality",
    "tumour.longest_diameter_cm",
    "tumour.histology",
    "tumour.cea_ng_ml",
    "mri.ct",
    "mri.cn",
    "distant.cm",
    "distant.sites",
    "neoadjuvant.radiotherapy",
    "neoadjuvant.chemotherapy",
    "neoadjuvant.immunotherapy",
    "restaging.date",
    "restaging.yct",
    "restaging.ycn",
    "operations.type",
    "operations.date",
    "operations.approach",
    "pathology.specimen",
    "pathology.prefix",
    "pathology.t",
    "pathology.n",
    "pathology.tumour_size_cm",
    "pathology.nodes_examined",
    "pathology.nodes_positive",
)
"""Dotted case fields the mapping carries (a section name carries all of it; a tuple field's
name reaches into each item). Two rules the list cannot say: ``restaging.date`` travels only as
the date of the post-therapy (yc) categories, so it is kept only with ``yct`` or ``ycn``; and
``pathology.tumour_deposits`` is not carried but read back from ``N1c`` (AJCC: tumour deposits
without nodal metastasis), so it is kept only where it produced N1c."""


def _reduce(data: Any, fields: list[list[str]]) -> Any:
    if any(not path for path in fields):
        return data
    if isinstance(data, list):
        return [_reduce(item, fields) for item in data]
    if not isinstance(data, dict):
        return data
    kept: dict[str, Any] = {}
    for key, value in data.items():
        below = [path[1:] for path in fields if path[0] == key]
        if below and value is not None:
            kept[key] = _reduce(value, below)
    return kept


def mapped_view(case: Case) -> Case:
    """The case with every field the FHIR mapping does not carry left at its default."""
    data = _reduce(case.model_dump(mode="json"), [field.split(".") for field in MAPPED])
    restaging = data.get("restaging")
    if restaging is not None and restaging.get("yct") is None and restaging.get("ycn") is None:
        del data["restaging"]
    pathology = data.get("pathology")
    if pathology is not None:
        pathology["tumour_deposits"] = pathology.get("n") == NCategory.N1c.value
    return Case.model_validate(data)

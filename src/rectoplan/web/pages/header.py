"""The patient header of every case page: age, sex, and the current stage with its date."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from rectoplan.reports import labels
from rectoplan.reports.case_header import current_stage
from rectoplan.web.schemas import CaseOut


def patient_header(stored: CaseOut) -> dict[str, Any]:
    """What the header shows of the stored case (``case/_header.html``)."""
    case = stored.case
    diagnosed = f" (diagnosed {case.diagnosis_date})" if case.diagnosis_date else ""
    return {
        "case_id": stored.case_id,
        "pseudonym": stored.pseudonym,
        "age": f"{case.patient.age_years} years at diagnosis{diagnosed}",
        "sex": labels.label(case.patient.sex),
        "stage": current_stage(case),
        "url": "/cases/" + quote(stored.case_id, safe=""),
    }

"""The registry's own categories, shared by the tables (CHECK constraints) and the input schemas.

Clinical categories that the case model already defines (operation type, approach, sex, R
status, Clavien–Dindo grade, follow-up kind, sacrectomy level) are reused from
`rectoplan.clinical`, not repeated here.
"""

from __future__ import annotations

from enum import StrEnum

from rectoplan.clinical.case import SACRECTOMY_LEVELS, FollowUpKind

__all__ = [
    "SACRECTOMY_LEVELS",
    "STENOSIS_PROCEDURES",
    "AuditAction",
    "EndoscopicProcedure",
    "EpisodeStatus",
    "FollowUpKind",
    "TreatmentKind",
]


class DecisionCategory(StrEnum):
    """What an MDT decision was, derived from the assessment snapshot it was taken against:
    the preferred option (concordant), another option the assessment listed as reasonable
    (alternative), or anything else, including declining treatment (deviation)."""

    concordant = "concordant"
    alternative = "alternative"
    deviation = "deviation"


class EpisodeStatus(StrEnum):
    active = "active"
    closed = "closed"


class TreatmentKind(StrEnum):
    radiotherapy = "radiotherapy"
    chemotherapy = "chemotherapy"
    immunotherapy = "immunotherapy"
    operation = "operation"
    endoscopic = "endoscopic"


class EndoscopicProcedure(StrEnum):
    """What the REST API and import records accept as an endoscopic treatment. EFTR, ESD and
    local excision are stored as operations of the case (they remove the tumour); the four
    stenosis procedures are `rectoplan.clinical.case.ProcedureType`."""

    balloon_dilatation = "balloon_dilatation"
    electroincision = "electroincision"
    stent = "stent"
    magnetic_compression = "magnetic_compression"
    eftr = "eftr"
    esd = "esd"
    local_excision = "local_excision"


STENOSIS_PROCEDURES = frozenset(
    {
        EndoscopicProcedure.balloon_dilatation,
        EndoscopicProcedure.electroincision,
        EndoscopicProcedure.stent,
        EndoscopicProcedure.magnetic_compression,
    }
)
"""Procedures that treat an anastomotic stenosis (the origin of restenosis-free survival);
EFTR, ESD and local excision treat the tumour instead."""


class AuditAction(StrEnum):
    insert = "insert"
    update = "update"
    delete = "delete"

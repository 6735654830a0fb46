"""The registry's own categories, shared by the tables (CHECK constraints) and the input schemas.

Clinical categories that the case model already defines (operation type, approach, sex, R
status, Clavien–Dindo grade) are reused from `rectoplan.clinical`, not repeated here.
"""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise


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


class FollowUpKind(StrEnum):
    recurrence = "recurrence"
    local_regrowth = "local_regrowth"
    distant_metastasis = "distant_metastasis"
    restenosis = "restenosis"
    tme = "tme"
    death = "death"
    last_contact = "last_contact"


class AuditAction(StrEnum):
    insert = "insert"
    update = "update"
    delete = "delete"


SACRAL_SEGMENTS = ("S1", "S2", "S3", "S4", "S5", "Co1", "Co2")
SACRECTOMY_LEVELS = SACRAL_SEGMENTS + tuple(
    f"{upper}/{lower}" for upper, lower in pairwise(SACRAL_SEGMENTS)
)
"""A transection level is named by the segment it crosses (``S3``) or, near a boundary, by the
disc (``S2/S3``), as the sacrectomy series report it (domain notes §3.4)."""

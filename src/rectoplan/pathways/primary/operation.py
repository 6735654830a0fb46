"""Which operation: LAR above the Rullier zone, then Rullier types I-IV for low tumours.

Rullier 2013 classifies tumours < 6 cm from the anal verge by their relation to the anorectal
ring and the sphincters; the type names the sphincter-preserving operation that still gives a
clear margin (ISR is oncologically safe when CRM >= 1 mm and DRM >= 1 cm can be achieved).
"""

from __future__ import annotations

from enum import StrEnum

from rectoplan.pathways.context import Context
from rectoplan.pathways.primary import options as o
from rectoplan.pathways.recommendation import Recommendation, Strength


class RullierType(StrEnum):
    supra_anal = "I"
    juxta_anal = "II"
    intra_anal = "III"
    trans_anal = "IV"


def rullier_type(ctx: Context) -> tuple[RullierType | None, str]:
    """The Rullier type with the fact that decided it, or None with the field that is missing."""
    th, mri = ctx.thresholds, ctx.case.mri
    if ctx.case.tumour.distance_from_anal_verge_cm >= th.rullier_max_distance_cm:
        return None, f"tumour >= {th.rullier_max_distance_cm:g} cm from the anal verge"
    if mri is None:
        return None, "mri"
    if mri.external_sphincter_invaded or mri.levator_involved:
        return RullierType.trans_anal, "external sphincter / levator invaded"
    if mri.internal_sphincter_invaded or mri.intersphincteric_plane_invaded:
        return RullierType.intra_anal, "internal sphincter invaded"
    ring = mri.distance_to_anorectal_ring_mm
    if ring is None:
        return None, "mri.distance_to_anorectal_ring_mm"
    if ring > th.rullier_supra_anal_mm:
        return RullierType.supra_anal, f"{ring:g} mm above the anorectal ring"
    return RullierType.juxta_anal, f"{ring:g} mm from the anorectal ring (<= 1 cm)"


_BY_TYPE = {
    RullierType.supra_anal: o.SURGERY_COLOANAL,
    RullierType.juxta_anal: o.SURGERY_ISR_PARTIAL,
    RullierType.intra_anal: o.SURGERY_ISR_TOTAL,
    RullierType.trans_anal: o.SURGERY_APR,
}


def record_rullier(ctx: Context) -> RullierType | None:
    """Add the Rullier finding (or a warning for what is missing) and return the type."""
    kind, basis = rullier_type(ctx)
    if kind is not None:
        ctx.find("rullier_type", "Rullier type", kind.value, basis, "rullier_2013")
    elif basis.startswith("mri"):
        ctx.warn(basis, "needed for the Rullier type, which decides ISR versus APR")
    return kind


def operation_options(
    ctx: Context, why: str, cap: Strength = Strength.preferred
) -> list[Recommendation]:
    """The operation for a planned TME, no stronger than ``cap`` (when TME is a fallback)."""
    recs = _operation_options(ctx, why)
    return [
        r if r.strength.at_most(cap) is r.strength else r.model_copy(update={"strength": cap})
        for r in recs
    ]


def _operation_options(ctx: Context, why: str) -> list[Recommendation]:
    """Preferred by height and Rullier type, with APR as the fallback for ISR."""
    kind = record_rullier(ctx)
    if ctx.case.tumour.distance_from_anal_verge_cm >= ctx.thresholds.rullier_max_distance_cm:
        return [o.SURGERY_LAR.recommend(Strength.preferred, [why, "tumour above the Rullier zone"])]
    if kind is None:
        return [
            o.SURGERY_LAR.recommend(
                Strength.consider,
                [why, "low tumour: the sphincter relation is unknown, so the operation is open"],
                next_steps=["Report the distance to the anorectal ring and sphincter invasion"],
            )
        ]
    chosen = _BY_TYPE[kind]
    recs = [
        chosen.recommend(
            Strength.preferred,
            [why, f"Rullier type {kind.value}: {rullier_type(ctx)[1]}"],
            next_steps=_sphincter_next_steps(kind),
        )
    ]
    if kind in (RullierType.juxta_anal, RullierType.intra_anal):
        recs.append(
            o.SURGERY_APR.recommend(
                Strength.alternative,
                [
                    "if CRM >= 1 mm and DRM >= 1 cm cannot be achieved",
                    "or if sphincter function is poor",
                ],
            )
        )
    return recs


def _sphincter_next_steps(kind: RullierType) -> list[str]:
    if kind is RullierType.trans_anal:
        return ["Counsel for a permanent colostomy", "Plan the perineal reconstruction"]
    return [
        "Pre-operative sphincter function assessment",
        "Aim for CRM >= 1 mm and distal margin >= 1 cm",
        "Defunctioning ileostomy",
    ]

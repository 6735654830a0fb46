"""Which operation: LAR above the Rullier zone, then Rullier types I-IV for low tumours.

Rullier 2013 classifies tumours < 6 cm from the anal verge by their relation to the anorectal
ring and the sphincters; the type names the sphincter-preserving operation that still gives a
clear margin (ISR is oncologically safe when CRM >= 1 mm and DRM >= 1 cm can be achieved).
"""

from __future__ import annotations

from enum import StrEnum

from rectoplan.i18n import N_, _, join_clauses, roman
from rectoplan.pathways.context import Context
from rectoplan.pathways.primary import options as o
from rectoplan.pathways.recommendation import Recommendation, Strength


class RullierType(StrEnum):
    supra_anal = "I"
    juxta_anal = "II"
    intra_anal = "III"
    trans_anal = "IV"


def rullier_type(ctx: Context, after_therapy: bool = False) -> tuple[RullierType | None, str]:
    """The Rullier type with the fact that decided it, or None with the field that is missing.

    Rullier 2013 classifies on the pre-treatment MRI (``after_therapy=False``, the plan made at
    diagnosis). After neoadjuvant therapy the restaging MRI may show the tumour has left the
    sphincter or levator (downsizing); with ``after_therapy=True`` each restaging fact that is
    recorded replaces the baseline one, so the type names the operation the residual needs.
    """
    th, mri = ctx.thresholds, ctx.case.mri
    if ctx.case.tumour.distance_from_anal_verge_cm >= th.rullier_max_distance_cm:
        return None, _("tumour >= {cm:g} cm from the anal verge").format(
            cm=th.rullier_max_distance_cm
        )
    if mri is None:
        return None, "mri"
    facts = _sphincter_facts(ctx, after_therapy)
    when = _("on restaging MRI") if facts["restaged"] else _("on baseline MRI")
    if facts["external"] or facts["levator"]:
        return RullierType.trans_anal, _("external sphincter / levator invaded {when}").format(
            when=when
        )
    if facts["internal"] or facts["intersphincteric"]:
        return RullierType.intra_anal, _("internal sphincter invaded {when}").format(when=when)
    ring = facts["ring"]
    if ring is None:
        field = "restaging.yc_" if facts["restaged"] else "mri."
        return None, f"{field}distance_to_anorectal_ring_mm"
    if ring > th.rullier_supra_anal_mm:
        return RullierType.supra_anal, _("{mm:g} mm above the anorectal ring {when}").format(
            mm=ring, when=when
        )
    return RullierType.juxta_anal, _("{mm:g} mm from the anorectal ring (<= 1 cm) {when}").format(
        mm=ring, when=when
    )


def _sphincter_facts(ctx: Context, after_therapy: bool) -> dict:
    """Sphincter, levator and ring facts: baseline MRI, each replaced by its restaging value."""
    mri, re = ctx.case.mri, ctx.case.restaging
    facts = {
        "external": mri.external_sphincter_invaded,
        "levator": mri.levator_involved,
        "internal": mri.internal_sphincter_invaded,
        "intersphincteric": mri.intersphincteric_plane_invaded,
        "ring": mri.distance_to_anorectal_ring_mm,
        "restaged": False,
    }
    if not after_therapy or re is None:
        return facts
    restaged = {
        "external": re.yc_external_sphincter_invaded,
        "levator": re.yc_levator_involved,
        "internal": re.yc_internal_sphincter_invaded,
        "intersphincteric": re.yc_intersphincteric_plane_invaded,
        "ring": re.yc_distance_to_anorectal_ring_mm,
    }
    recorded = {k: v for k, v in restaged.items() if v is not None}
    facts.update(recorded)
    facts["restaged"] = bool(recorded)
    return facts


_BY_TYPE = {
    RullierType.supra_anal: o.SURGERY_COLOANAL,
    RullierType.juxta_anal: o.SURGERY_ISR_PARTIAL,
    RullierType.intra_anal: o.SURGERY_ISR_TOTAL,
    RullierType.trans_anal: o.SURGERY_APR,
}


def record_rullier(ctx: Context, after_therapy: bool = False) -> RullierType | None:
    """Add the Rullier finding (or a warning for what is missing) and return the type.

    After therapy, a type that differs from the baseline one is its own finding, so the MDT
    sees the downsizing (or progression) and the operation it changes.
    """
    kind, basis = rullier_type(ctx, after_therapy)
    if after_therapy and kind is not None:
        baseline, _basis = rullier_type(ctx, after_therapy=False)
        if baseline is not None and baseline is not kind:
            ctx.find(
                "rullier_type_restaging",
                _("Rullier type after neoadjuvant therapy"),
                kind.value,
                join_clauses(
                    [basis, _("type {type} on the baseline MRI").format(type=roman(baseline.value))]
                ),
                "rullier_2013",
                "isr_safety_2020",
            )
            return kind
    if kind is not None:
        if not any(f.id == "rullier_type" for f in ctx.findings):
            ctx.find("rullier_type", _("Rullier type"), kind.value, basis, "rullier_2013")
    elif basis.startswith(("mri", "restaging")):
        ctx.warn(basis, _("needed for the Rullier type, which decides ISR versus APR"))
    return kind


def planned_operation(ctx: Context, recs: list[Recommendation]) -> None:
    """At diagnosis, before neoadjuvant therapy: name the intended operation and say whether
    organ preservation is worth pursuing.

    Rullier 2013 types the tumour on the pre-treatment MRI, and the MDT plans the operation then
    because it shapes what the patient is told. Organ preservation (OPRA, GRECCAR 2) is worth
    pursuing when the operation it would spare is a low one: a coloanal anastomosis or ISR (poor
    function) or an APR (a permanent colostomy); above the Rullier zone an anterior resection
    keeps function, so the case for it is weaker.
    """
    surgery = [r for r in recs if r.id.startswith("primary.surgery.")]
    if not surgery:
        return
    intended = min(surgery, key=lambda r: r.strength.rank)
    kind, basis = rullier_type(ctx)
    in_zone = ctx.case.tumour.distance_from_anal_verge_cm < ctx.thresholds.rullier_max_distance_cm
    if kind is not None:
        how = _("Rullier type {type}: {basis}").format(type=roman(kind.value), basis=basis)
    elif in_zone:
        how = _("low tumour; the sphincter relation is not reported yet")
    else:
        how = basis
    ctx.find(
        "planned_operation",
        _("Intended operation after neoadjuvant therapy"),
        intended.title,
        _("planned from the baseline MRI ({how})").format(how=how),
        *intended.evidence,
    )
    fit = ctx.case.patient.fit_for_chemotherapy is not False
    worth = in_zone and fit
    if worth:
        spared = (
            _(_SPARED[kind]) if kind else _("a sphincter-level operation (coloanal, ISR or APR)")
        )
        why = _("it would spare {operation}").format(operation=spared)
    elif not fit:
        why = _("unfit for chemotherapy: the organ-preservation schedules need it")
    else:
        why = _("above the Rullier zone an anterior resection keeps sphincter function")
    ctx.find(
        "organ_preservation_worth_pursuing",
        _("Organ preservation worth pursuing"),
        worth,
        why,
        "opra_2022",
        "greccar2_2017",
        "rullier_2013",
    )


_SPARED = {
    RullierType.supra_anal: N_("an ultra-low resection with coloanal anastomosis (bowel function)"),
    RullierType.juxta_anal: N_("a partial intersphincteric resection (continence)"),
    RullierType.intra_anal: N_("a total intersphincteric resection (continence)"),
    RullierType.trans_anal: N_("an abdominoperineal resection (a permanent colostomy)"),
}


def operation_options(
    ctx: Context, why: str, cap: Strength = Strength.preferred, after_therapy: bool = False
) -> list[Recommendation]:
    """The operation for a planned TME, no stronger than ``cap`` (when TME is a fallback).

    ``after_therapy``: type the tumour on the restaging MRI where it reports the sphincters.
    """
    recs = _operation_options(ctx, why, after_therapy)
    return [
        r if r.strength.at_most(cap) is r.strength else r.model_copy(update={"strength": cap})
        for r in recs
    ]


def _operation_options(ctx: Context, why: str, after_therapy: bool) -> list[Recommendation]:
    """Preferred by height and Rullier type, with APR as the fallback for ISR."""
    kind = record_rullier(ctx, after_therapy)
    if ctx.case.tumour.distance_from_anal_verge_cm >= ctx.thresholds.rullier_max_distance_cm:
        return [
            o.SURGERY_LAR.recommend(Strength.preferred, [why, _("tumour above the Rullier zone")])
        ]
    if kind is None:
        return [
            o.SURGERY_LAR.recommend(
                Strength.consider,
                [
                    why,
                    _("low tumour: the sphincter relation is unknown, so the operation is open"),
                ],
                next_steps=[_("Report the distance to the anorectal ring and sphincter invasion")],
            )
        ]
    chosen = _BY_TYPE[kind]
    recs = [
        chosen.recommend(
            Strength.preferred,
            [
                why,
                _("Rullier type {type}: {basis}").format(
                    type=roman(kind.value), basis=rullier_type(ctx, after_therapy)[1]
                ),
            ],
            next_steps=_sphincter_next_steps(kind),
        )
    ]
    if kind in (RullierType.juxta_anal, RullierType.intra_anal):
        recs.append(
            o.SURGERY_APR.recommend(
                Strength.alternative,
                [
                    _("if CRM >= 1 mm and DRM >= 1 cm cannot be achieved"),
                    _("or if sphincter function is poor"),
                ],
            )
        )
    return recs


def _sphincter_next_steps(kind: RullierType) -> list[str]:
    if kind is RullierType.trans_anal:
        return [_("Counsel for a permanent colostomy"), _("Plan the perineal reconstruction")]
    return [
        _("Pre-operative sphincter function assessment"),
        _("Aim for CRM >= 1 mm and distal margin >= 1 cm"),
        _("Defunctioning ileostomy"),
    ]

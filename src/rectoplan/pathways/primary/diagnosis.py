"""At diagnosis: work-up gaps, then one rule per risk group, dMMR and metastatic disease first.

The rule order mirrors how an MDT reasons: is the work-up complete, is the disease metastatic,
is it dMMR (immunotherapy changes everything), and only then which neoadjuvant strategy or
local option fits the MRI risk group and the patient's wish for organ preservation.
"""

from __future__ import annotations

from rectoplan.clinical.case import MmrStatus
from rectoplan.clinical.labels import labels
from rectoplan.clinical.risk import HeightBand, RiskGroup
from rectoplan.clinical.thresholds import NeoadjuvantPolicy
from rectoplan.clinical.tnm import NCategory, TCategory
from rectoplan.i18n import N_, _, join_clauses, join_items
from rectoplan.pathways.context import Context
from rectoplan.pathways.primary import options as o
from rectoplan.pathways.primary.criteria import local_excision_at_diagnosis
from rectoplan.pathways.primary.operation import (
    operation_options,
    planned_operation,
    record_rullier,
)
from rectoplan.pathways.recommendation import Recommendation, Strength


def assess_diagnosis(ctx: Context) -> None:
    """Recommendations for a newly diagnosed, untreated primary tumour."""
    if not _workup_complete(ctx):
        return
    if ctx.metastatic:
        ctx.add(*_metastatic(ctx))
        return
    dmmr = ctx.case.tumour.mmr_status is MmrStatus.dmmr
    if dmmr and _stage_two_or_three(ctx):
        ctx.add(_dmmr(ctx))
    recs = _by_risk_group(ctx)
    if dmmr and _stage_two_or_three(ctx):
        recs = [_demote_preferred(r) for r in recs]
    ctx.add(*recs)
    if ctx.risk.group not in (RiskGroup.very_early, RiskGroup.early):
        record_rullier(ctx)
        planned_operation(ctx, recs)


def _workup_complete(ctx: Context) -> bool:
    """Warn about missing staging; without MRI no risk group, so only the work-up is advised."""
    case = ctx.case
    if case.distant is None:
        ctx.warn("distant", _("distant staging not recorded; M0 assumed until CT is reported"))
        ctx.add(o.WORKUP_DISTANT.recommend(Strength.preferred, [_("no distant staging recorded")]))
    if case.tumour.mmr_status is None:
        ctx.warn("tumour.mmr_status", _("MMR/MSI status unknown: dMMR changes neoadjuvant therapy"))
        ctx.add(o.WORKUP_MMR.recommend(Strength.preferred, [_("MMR status not recorded")]))
    if case.mri is None:
        ctx.warn("mri", _("no baseline MRI: the risk group and every local option depend on it"))
        ctx.add(o.WORKUP_MRI.recommend(Strength.preferred, [_("no baseline MRI recorded")]))
        return ctx.metastatic
    for name in ctx.risk.missing:
        ctx.warn(name, _("not reported; it can move the tumour to another risk group"))
    return True


def _stage_two_or_three(ctx: Context) -> bool:
    mri = ctx.case.mri
    return bool(mri) and (
        mri.ct in (TCategory.T3, TCategory.T4a, TCategory.T4b) or ctx.node_positive
    )


def _metastatic(ctx: Context) -> list[Recommendation]:
    distant = ctx.case.distant
    sites = labels("metastatic_site", distant.sites) if distant and distant.sites else None
    sites = sites or _("sites not listed")
    why = f"c{distant.cm} ({sites})" if distant else _("metastatic")
    recs = [
        o.METASTATIC_SYSTEMIC.recommend(Strength.preferred, [why]),
        o.METASTATIC_MDT.recommend(Strength.preferred, [why, _("resectability of metastases")]),
    ]
    oligo = _oligometastatic(ctx)
    if oligo is not None:
        recs.append(oligo)
    if ctx.case.tumour.mmr_status is MmrStatus.dmmr:
        recs.append(o.METASTATIC_CHECKPOINT.recommend(Strength.preferred, [why, "dMMR / MSI-H"]))
    if distant and not distant.sites:
        ctx.warn("distant.sites", _("list the metastatic sites: M1a/M1b/M1c depend on them"))
    return recs


def _oligometastatic(ctx: Context) -> Recommendation | None:
    """Few metastases in few organs can be treated with curative intent (ESMO mCRC 2023 [P]).

    The count and the number of organs are read against named settings; peritoneal disease
    is never oligometastatic. The size of the largest lesion says whether thermal ablation is
    an alternative to resection. Without a count the MDT is asked for it.
    """
    th, distant = ctx.thresholds, ctx.case.distant
    if distant is None:
        return None
    count = distant.metastasis_count
    if count is None:
        ctx.warn(
            "distant.metastasis_count",
            _(
                "number of metastases not recorded: it decides whether curative-intent "
                "treatment of the metastases (oligometastatic disease) is possible"
            ),
        )
        return None
    organs = len(distant.sites)
    peritoneal = "peritoneum" in distant.sites
    oligo = (
        count <= th.oligometastatic_max_lesions
        and organs <= th.oligometastatic_max_sites
        and not peritoneal
    )
    basis = _(
        "{count} metastases in {organs} organ(s) (oligometastatic: <= {max_lesions} lesions, "
        "<= {max_organs} organs, no peritoneal disease)"
    ).format(
        count=count,
        organs=organs or _("unlisted"),
        max_lesions=th.oligometastatic_max_lesions,
        max_organs=th.oligometastatic_max_sites,
    )
    ctx.find("oligometastatic", _("Oligometastatic disease"), oligo, basis, "esmo_mcrc_2023")
    largest = distant.largest_metastasis_mm
    steps = [_("Liver/lung surgeon and interventional radiologist review every lesion")]
    if largest is not None:
        ablatable = largest <= th.ablation_max_lesion_mm
        steps.append(
            _("Largest lesion {mm:g} mm: thermal ablation is an alternative to resection").format(
                mm=largest
            )
            if ablatable
            else _(
                "Largest lesion {mm:g} mm (> {limit:g} mm): resection rather than ablation"
            ).format(mm=largest, limit=th.ablation_max_lesion_mm)
        )
    else:
        ctx.warn(
            "distant.largest_metastasis_mm", _("size of the largest metastasis decides ablation")
        )
    if not oligo:
        return None
    return o.METASTATIC_LOCAL.recommend(Strength.preferred, [basis], next_steps=steps)


def _dmmr(ctx: Context) -> Recommendation:
    return o.DMMR_CHECKPOINT.recommend(
        Strength.preferred,
        [
            _("dMMR / MSI-H stage II-III rectal cancer"),
            _("12/12 (2022) and 49/49 (2025) rectal cCR on dostarlimab without CRT or surgery"),
        ],
        next_steps=[
            _("Dostarlimab every 3 weeks for 6 months (500 mg per Cercek 2022 [unverified dose])"),
            _("Restage with DRE, endoscopy and MRI; watch-and-wait if cCR"),
        ],
    )


def _demote_preferred(rec: Recommendation) -> Recommendation:
    """With dMMR, chemoradiation-based options stand behind immunotherapy."""
    if rec.strength is not Strength.preferred:
        return rec
    return rec.model_copy(
        update={
            "strength": Strength.alternative,
            "rationale": (*rec.rationale, _("dMMR: checkpoint inhibitor preferred")),
        }
    )


def _by_risk_group(ctx: Context) -> list[Recommendation]:
    """The ESMO group picks the rule; the ESMO 2025 / RAPIDO high-risk set overrides it.

    cN2, EMVI, an involved MRF, cT4 or an enlarged lateral node make TNT the default even in
    an ESMO 'intermediate' tumour (EHC: "not TNT" only for cT2N+ / cT3N0-1).
    """
    group = ctx.risk.group
    if group in _NEOADJUVANT_GROUPS and ctx.risk.high_risk_features:
        rule = _high_risk
    else:
        rule = {
            RiskGroup.very_early: _very_early,
            RiskGroup.early: _early,
            RiskGroup.intermediate: _intermediate,
            RiskGroup.locally_advanced: _locally_advanced,
            RiskGroup.advanced: _high_risk,
        }.get(group)
    recs = rule(ctx) if rule else []
    return _for_unfit_patient(ctx, recs) if _unfit_for_surgery(ctx) else recs


_NEOADJUVANT_GROUPS = (RiskGroup.intermediate, RiskGroup.locally_advanced, RiskGroup.advanced)


def _group_reason(ctx: Context) -> str:
    return _("{group} risk group ({reasons})").format(
        group=ctx.risk.group.label, reasons=join_clauses(ctx.risk.reasons)
    )


def _very_early(ctx: Context) -> list[Recommendation]:
    """cT1 sm1 N0: local excision when every criterion holds, else TME.

    The 8 cm reach limit belongs to transanal excision only; ESD and EFTR are endoscopic and
    reach the upper rectum, so they are checked against the same list without it.
    """
    transanal = local_excision_at_diagnosis(ctx, transanal=True)
    endoscopic = local_excision_at_diagnosis(ctx, transanal=False)
    for name in transanal.missing_fields:
        ctx.warn(name, _("needed to confirm local-excision eligibility"))
    local = transanal.strength(if_unknown=Strength.alternative)
    scope = endoscopic.strength(if_unknown=Strength.alternative)
    if local is Strength.preferred:
        scope = scope.at_most(Strength.alternative)
    size = ctx.case.tumour.longest_diameter_cm
    eftr_ok = size <= ctx.thresholds.eftr_max_size_cm
    why = _group_reason(ctx)
    recs = [
        o.LOCAL_EXCISION.recommend(
            local,
            [why, _("transanal excision criteria {summary}").format(summary=transanal.summary())],
            next_steps=[_("Completion TME if pathology shows > pT1 sm1, G3, LVI or R1")],
            criteria=transanal.criteria,
        ),
        o.LOCAL_EXCISION_ESD.recommend(
            scope,
            [
                why,
                _("endoscopic resection criteria {summary}").format(summary=endoscopic.summary()),
            ],
            criteria=endoscopic.criteria,
        ),
        o.LOCAL_EXCISION_EFTR.recommend(
            scope.at_most(Strength.alternative) if eftr_ok else Strength.not_recommended,
            [
                why,
                (
                    _("{size:g} cm <= {limit:g} cm (EFTR R0 81% <= 2 cm vs 58% above)")
                    if eftr_ok
                    else _("{size:g} cm > {limit:g} cm (EFTR R0 81% <= 2 cm vs 58% above)")
                ).format(size=size, limit=ctx.thresholds.eftr_max_size_cm),
            ],
            criteria=endoscopic.criteria,
        ),
    ]
    any_local = Strength.preferred in (local, scope)
    tme_strength = Strength.alternative if any_local else Strength.preferred
    recs += operation_options(
        ctx, _("TME if local excision is not chosen or not curative"), tme_strength
    )
    return recs


def _early(ctx: Context) -> list[Recommendation]:
    """cT1-T2 / cT3a-b N0 (mid/high), MRF clear, no EMVI: TME alone (ESMO 2017)."""
    recs = operation_options(
        ctx, _("{reason}: TME alone, no neoadjuvant therapy").format(reason=_group_reason(ctx))
    )
    mri = ctx.case.mri
    if (
        mri
        and mri.ct is TCategory.T2
        and mri.cn is NCategory.N0
        and ctx.case.patient.wants_organ_preservation
    ):
        recs.append(
            o.OP_CRT_LOCAL_EXCISION.recommend(
                Strength.consider,
                [
                    _("cT2 N0 and the patient wants organ preservation"),
                    _(
                        "CRT + local excision is not generally recommended for cT2N0; an option "
                        "for frail patients or in a trial (EHC/ESMO 2025, ACOSOG Z6041)"
                    ),
                ],
            )
        )
    return recs


def _unfit_for_surgery(ctx: Context) -> bool:
    return ctx.case.patient.fit_for_major_surgery is False


def _for_unfit_patient(ctx: Context, recs: list[Recommendation]) -> list[Recommendation]:
    """Unfit for major surgery: radiotherapy with local excision leads; TME-based plans step back.

    EHC / ESMO 2025: pre-operative RT + local excision 'may be considered for frail patients'.
    """
    stepped_back = [
        r.model_copy(update={"strength": r.strength.at_most(Strength.consider)})
        if r.id.startswith(("primary.surgery.", "primary.tnt.", "primary.neoadjuvant."))
        else r
        for r in recs
    ]
    lead = o.FRAIL_RT_LOCAL_EXCISION.recommend(
        Strength.preferred,
        [_("patient unfit for major surgery (patient.fit_for_major_surgery = false)")],
        next_steps=[
            _("Short-course or long-course radiotherapy (chemotherapy only if fit)"),
            _("Restage; local excision or EFTR of a small residual, surveillance if cCR"),
        ],
    )
    return [lead, *stepped_back]


def _wants_op(ctx: Context) -> bool:
    """Organ preservation is on the table for low and mid tumours the patient wants to keep."""
    wish = ctx.case.patient.wants_organ_preservation
    if ctx.height in (HeightBand.low, HeightBand.mid) and wish is None:
        ctx.warn(
            "patient.wants_organ_preservation",
            _("ask the patient: organ preservation changes the neoadjuvant strategy"),
        )
    return bool(wish) and ctx.height in (HeightBand.low, HeightBand.mid)


def _fit_for_chemo(ctx: Context) -> bool:
    return ctx.case.patient.fit_for_chemotherapy is not False


def _intermediate(ctx: Context) -> list[Recommendation]:
    """cT2 very low / cT3a-b low / cN1: SCRT (or CRT) under ESMO, TNT under NCCN."""
    return _policy_neoadjuvant(ctx, esmo_first=o.NEOADJUVANT_SCRT)


def _locally_advanced(ctx: Context) -> list[Recommendation]:
    """cT3c/d or threatened MRF without high-risk features: CRT (ESMO 2017) or TNT (NCCN)."""
    return _policy_neoadjuvant(ctx, esmo_first=o.NEOADJUVANT_LCCRT)


def _policy_neoadjuvant(ctx: Context, esmo_first) -> list[Recommendation]:
    """Stage II/III without high-risk features: ESMO and NCCN disagree, so a setting decides."""
    why = _group_reason(ctx)
    policy = ctx.thresholds.neoadjuvant_policy
    ctx.find(
        "neoadjuvant_policy",
        _("Neoadjuvant policy"),
        policy.label,
        _("setting neoadjuvant_policy (ESMO 2025/EHC vs NCCN 2024 disagree)"),
    )
    esmo_second = o.NEOADJUVANT_LCCRT if esmo_first is o.NEOADJUVANT_SCRT else o.NEOADJUVANT_SCRT
    if policy is NeoadjuvantPolicy.esmo:
        first, second, tnt = Strength.preferred, Strength.alternative, Strength.consider
    else:
        first, second, tnt = Strength.consider, Strength.alternative, Strength.preferred
    if not _fit_for_chemo(ctx):
        esmo_first, esmo_second = o.NEOADJUVANT_SCRT, o.NEOADJUVANT_LCCRT
        first, second, tnt = Strength.preferred, Strength.consider, Strength.not_recommended
    by_policy = _("policy {policy}").format(policy=policy.label)
    recs = [
        esmo_first.recommend(first, [why, by_policy]),
        esmo_second.recommend(second, [why, by_policy]),
        o.TNT_SHORT_COURSE.recommend(tnt, [why, by_policy]),
    ]
    prospect = _prospect_eligible(ctx)
    if prospect:
        recs.append(o.NEOADJUVANT_PROSPECT.recommend(Strength.alternative, [why, prospect]))
    recs += operation_options(ctx, _(_INTENDED))
    return _with_organ_preservation(ctx, recs, why)


_INTENDED = N_("the intended operation after neoadjuvant therapy, planned on the baseline MRI")
"""Rationale of the operation listed at diagnosis (Rullier 2013 types on the pre-treatment MRI)."""


def _prospect_eligible(ctx: Context) -> str | None:
    """PROSPECT: cT2N+, cT3N0 or cT3N1, candidates for sphincter-sparing surgery, MRF clear."""
    mri = ctx.case.mri
    if mri is None or not _fit_for_chemo(ctx) or ctx.risk.high_risk_features:
        return None
    n1 = mri.cn in (NCategory.N1, NCategory.N1a, NCategory.N1b, NCategory.N1c)
    eligible = (mri.ct is TCategory.T2 and ctx.node_positive) or (
        mri.ct is TCategory.T3 and (mri.cn is NCategory.N0 or n1)
    )
    if not eligible or mri.external_sphincter_invaded or mri.levator_involved:
        return None
    return _("PROSPECT-eligible: c{t} c{n}, sphincter-sparing surgery planned").format(
        t=mri.ct, n=mri.cn
    )


def _high_risk(ctx: Context) -> list[Recommendation]:
    """High-risk features (cT4, MRF+, cN2, EMVI, lateral nodes): TNT (RAPIDO / PRODIGE 23)."""
    why = _group_reason(ctx)
    features = join_items(ctx.risk.high_risk_features) or _("ESMO advanced group")
    if not _fit_for_chemo(ctx):
        return [
            o.NEOADJUVANT_SCRT.recommend(
                Strength.preferred, [why, _("unfit for chemotherapy: SCRT with delayed surgery")]
            ),
            o.NEOADJUVANT_LCCRT.recommend(Strength.alternative, [why]),
            o.TNT_SHORT_COURSE.recommend(Strength.not_recommended, [_("unfit for chemotherapy")]),
            *operation_options(ctx, _(_INTENDED)),
        ]
    high_risk = _("high-risk features: {features}").format(features=features)
    recs = [
        o.TNT_SHORT_COURSE.recommend(
            Strength.preferred,
            [why, high_risk],
            next_steps=[_("5 x 5 Gy, then 6 cycles CAPOX (or 9 FOLFOX4), then restage")],
        ),
        o.TNT_LONG_COURSE.recommend(
            Strength.alternative,
            [why, high_risk],
            next_steps=[_("mFOLFIRINOX x 6, then CRT 50 Gy/25 fx with capecitabine, then TME")],
        ),
        o.NEOADJUVANT_LCCRT.recommend(Strength.consider, [why, _("if TNT is declined")]),
        *operation_options(ctx, _(_INTENDED)),
    ]
    return _with_organ_preservation(ctx, recs, why)


def _with_organ_preservation(
    ctx: Context, recs: list[Recommendation], why: str
) -> list[Recommendation]:
    """If the patient wants organ preservation, its option leads and the others step back."""
    if not _wants_op(ctx) or not _fit_for_chemo(ctx):
        return recs
    th, mri, size = ctx.thresholds, ctx.case.mri, ctx.case.tumour.longest_diameter_cm
    small = size <= th.organ_preservation_max_baseline_cm
    greccar_like = (
        mri is not None
        and mri.ct in (TCategory.T2, TCategory.T3)
        and not ctx.risk.high_risk_features
        and small
    )
    op_why = [
        why,
        _("{height} tumour and the patient wants organ preservation").format(
            height=ctx.height.label
        ),
    ]
    op_recs = [
        o.OP_CRT_LOCAL_EXCISION.recommend(
            Strength.preferred if greccar_like else Strength.consider,
            [
                *op_why,
                _("c{t} {size:g} cm <= {limit:g} cm without high-risk features").format(
                    t=mri.ct, size=size, limit=th.organ_preservation_max_baseline_cm
                )
                if greccar_like
                else _("GRECCAR 2 selection not met (cT2-3, <= 4 cm, no high-risk features)"),
            ],
            next_steps=[
                _("Long-course CRT (45-50 Gy / 25 fx with capecitabine)"),
                _("Restage 6-12 weeks later; local excision or EFTR of a residual <= 2 cm"),
                _("Completion TME if ypT >= 2 or R1"),
            ],
        ),
        o.OP_TNT.recommend(
            Strength.alternative if greccar_like else Strength.preferred,
            [
                *op_why,
                _("OPRA: 3-y TME-free survival 53% with CRT then consolidation chemotherapy"),
            ],
            next_steps=[
                _("CRT 50-56 Gy then 4 months FOLFOX/CAPOX"),
                _("Restage 8 +/- 4 weeks after TNT; watch-and-wait if cCR or nCR"),
            ],
        ),
    ]
    demoted = [
        r.model_copy(update={"strength": Strength.alternative})
        if r.strength is Strength.preferred
        else r
        for r in recs
    ]
    return op_recs + demoted

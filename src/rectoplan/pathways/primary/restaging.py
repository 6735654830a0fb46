"""After neoadjuvant therapy: the restaging window, the OPRA response tier, and what follows.

cCR leads to watch-and-wait, a near-complete response to reassessment or excision of a small
residual, an incomplete response to TME. A PROSPECT patient whose tumour shrank < 20% on
FOLFOX gets chemoradiotherapy first.
"""

from __future__ import annotations

from rectoplan.clinical.case import ChemoRegimen
from rectoplan.clinical.labels import label
from rectoplan.clinical.response import (
    RESPONSE_EVIDENCE,
    ResponseAssessment,
    ResponseTier,
    percent_size_change,
    response_tier,
)
from rectoplan.i18n import N_, _, format_date, join_items
from rectoplan.pathways.context import Context
from rectoplan.pathways.primary import options as o
from rectoplan.pathways.primary.criteria import local_excision_after_neoadjuvant
from rectoplan.pathways.primary.operation import operation_options
from rectoplan.pathways.recommendation import Recommendation, Strength

WATCH_AND_WAIT_SURVEILLANCE = (
    N_("DRE and flexible sigmoidoscopy every 4 months for 2 years, then every 6 months to 5 years"),
    N_("Rectal MRI every 6 months"),
    N_("Expect regrowth in about 25% at 2 years (IWWD), 94% of regrowths within 2 years (OPRA)"),
    N_("Salvage TME for regrowth"),
)
"""English message ids; shown through ``_`` in the current locale."""


def assess_on_treatment(ctx: Context) -> None:
    """Neoadjuvant therapy recorded, no restaging yet: say when to restage."""
    th = ctx.thresholds
    end = ctx.case.neoadjuvant.end_date if ctx.case.neoadjuvant else None
    steps = [_("DRE, flexible sigmoidoscopy, MRI with DWI; record each finding")]
    if end is not None:
        from datetime import timedelta

        lo = end + timedelta(weeks=th.restaging_min_weeks)
        hi = end + timedelta(weeks=th.restaging_max_weeks)
        steps.insert(
            0,
            _("Restage between {start} and {end}").format(
                start=format_date(lo), end=format_date(hi)
            ),
        )
    else:
        ctx.warn("neoadjuvant", _("end dates of the neoadjuvant courses set the restaging window"))
    ctx.add(o.RESTAGE.recommend(Strength.preferred, [_("neoadjuvant therapy recorded")], steps))
    ctx.add(
        *operation_options(
            ctx, _("the operation planned at diagnosis, after restaging"), Strength.alternative
        )
    )


def assess_restaging(ctx: Context) -> None:
    """Response after neoadjuvant therapy, and the options it opens."""
    _restaging_interval(ctx)
    restaging = ctx.case.restaging
    assert restaging is not None
    response = response_tier(
        restaging.endoscopy, restaging.dre, restaging.mri_t2, restaging.mri_dwi
    )
    _record_response(ctx, response)
    change = _size_change(ctx)
    if _prospect_needs_crt(ctx, change):
        ctx.add(*operation_options(ctx, _("TME after the chemoradiotherapy"), after_therapy=True))
        return
    if response.tier is None:
        ctx.warn("restaging", _("no response finding (endoscopy, DRE, MRI T2, DWI) recorded"))
        ctx.add(
            *operation_options(
                ctx,
                _("no response finding recorded yet: TME remains the standard plan"),
                Strength.alternative,
                after_therapy=True,
            )
        )
        return
    rule = {
        ResponseTier.complete: _complete,
        ResponseTier.near_complete: _near_complete,
        ResponseTier.incomplete: _incomplete,
    }[response.tier]
    ctx.add(*rule(ctx, response))


def _restaging_interval(ctx: Context) -> None:
    """OPRA's 8 +/- 4 week window is timed from the end of radiotherapy-based therapy; a
    chemotherapy-only restaging (PROSPECT, immunotherapy) follows its own schedule."""
    th, neo = ctx.thresholds, ctx.case.neoadjuvant
    if neo is None or neo.radiotherapy is None:
        return
    end = neo.end_date
    when = ctx.case.restaging.date if ctx.case.restaging else None
    if end is None or when is None:
        ctx.warn(
            "restaging.date",
            _("restaging date and neoadjuvant end dates set the interval (OPRA: 8 +/- 4 weeks)"),
        )
        return
    weeks = (when - end).days / 7
    ctx.find(
        "restaging_interval_weeks",
        _("Weeks from end of therapy to restaging"),
        round(weeks, 1),
        _("{start} to {end}").format(start=format_date(end), end=format_date(when)),
        "opra_2022",
    )
    if not th.restaging_min_weeks <= weeks <= th.restaging_max_weeks:
        ctx.warn(
            "restaging.date",
            _(
                "{weeks:.1f} weeks after therapy, outside the {low:g}-{high:g} week window: "
                "an early response may still mature"
            ).format(weeks=weeks, low=th.restaging_min_weeks, high=th.restaging_max_weeks),
        )


def _record_response(ctx: Context, response: ResponseAssessment) -> None:
    if response.tier is not None:
        decided = join_items(
            _("{modality} {tier}").format(
                modality=label("response_modality", k), tier=label("response_tier", v.name)
            )
            for k, v in response.by_modality.items()
        )
        ctx.find(
            "response_tier",
            _("Clinical response (OPRA)"),
            response.tier.label,
            _("worst of {modalities}").format(modalities=decided),
            *RESPONSE_EVIDENCE,
        )
    for modality in response.missing:
        ctx.warn(
            f"restaging.{modality}", _("not recorded: a cCR needs all four modalities to agree")
        )
    if ctx.case.restaging.mrtrg is not None:
        ctx.find(
            "mrtrg",
            _("MRI tumour regression grade"),
            ctx.case.restaging.mrtrg,
            _("reported mrTRG (1 = complete, 5 = none)"),
            "patel_mrtrg_2011",
        )


def _size_change(ctx: Context) -> float | None:
    residual = ctx.case.restaging.residual_size_cm
    if residual is None:
        return None
    change = percent_size_change(ctx.case.tumour.longest_diameter_cm, residual)
    ctx.find(
        "size_change_pct",
        _("Size change from baseline (%)"),
        round(change, 1),
        f"{ctx.case.tumour.longest_diameter_cm:g} cm -> {residual:g} cm",
        "recist_1_1",
    )
    return change


def _prospect_needs_crt(ctx: Context, change: float | None) -> bool:
    """PROSPECT: after FOLFOX alone, shrinkage < 20% sends the patient to CRT before TME."""
    neo = ctx.case.neoadjuvant
    folfox_only = (
        neo is not None
        and neo.radiotherapy is None
        and any(c.regimen in (ChemoRegimen.folfox, ChemoRegimen.capox) for c in neo.chemotherapy)
    )
    if not folfox_only or change is None:
        return False
    threshold = ctx.thresholds.prospect_min_shrinkage_pct
    if -change >= threshold:
        return False
    ctx.add(
        o.RESTAGING_ADD_CRT.recommend(
            Strength.preferred,
            [
                _("shrinkage {percent:.0f}% < {threshold:g}% after chemotherapy alone").format(
                    percent=-change, threshold=threshold
                )
            ],
            next_steps=[_("Long-course CRT 50.4 Gy / 28 fx with a fluoropyrimidine, then TME")],
        )
    )
    return True


def _complete(ctx: Context, response: ResponseAssessment) -> list[Recommendation]:
    workup = response.complete_workup
    return [
        o.WATCH_AND_WAIT.recommend(
            Strength.preferred if workup else Strength.alternative,
            [
                _("clinical complete response on every modality")
                if workup
                else _("cCR on the modalities reported; missing: {modalities}").format(
                    modalities=join_items(response.missing)
                )
            ],
            next_steps=[_(step) for step in WATCH_AND_WAIT_SURVEILLANCE],
        ),
        *operation_options(
            ctx, _("if the patient declines surveillance"), Strength.alternative, after_therapy=True
        ),
    ]


def _near_complete(ctx: Context, response: ResponseAssessment) -> list[Recommendation]:
    th = ctx.thresholds
    check = local_excision_after_neoadjuvant(ctx, th.local_excision_max_residual_cm)
    for name in check.missing_fields:
        ctx.warn(name, _("needed to decide excision of the residual lesion"))
    residual = ctx.case.restaging.residual_size_cm
    eftr_fits = residual is not None and residual <= th.eftr_max_size_cm
    excision = check.strength(if_unknown=Strength.consider)
    why = [_("near-complete response; criteria {summary}").format(summary=check.summary())]
    return [
        o.RESTAGING_LOCAL_EXCISION.recommend(
            excision,
            why,
            next_steps=[_("Full-thickness excision; completion TME if ypT >= 2 or R1 (CARTS)")],
            criteria=check.criteria,
        ),
        o.RESTAGING_EFTR.recommend(
            excision.at_most(Strength.alternative) if eftr_fits else Strength.not_recommended,
            [
                *why,
                _(
                    "{residual} vs EFTR limit {limit:g} cm "
                    "(fibrosis after radiotherapy makes lifting difficult)"
                ).format(
                    residual=_("residual {cm:g} cm").format(cm=residual)
                    if residual is not None
                    else _("residual size not recorded"),
                    limit=th.eftr_max_size_cm,
                ),
            ],
            next_steps=[
                _("Purse-string closure of the defect"),
                _("Completion TME if ypT >= 2 or R1"),
            ],
            criteria=check.criteria,
        ),
        o.REASSESS.recommend(
            Strength.alternative if excision is Strength.preferred else Strength.preferred,
            [_("near-complete response may become complete (OPRA)")],
            next_steps=[_("Repeat DRE, endoscopy and MRI in 6-12 weeks")],
        ),
        *operation_options(
            ctx,
            _("TME if the response does not progress"),
            Strength.alternative,
            after_therapy=True,
        ),
    ]


def _incomplete(ctx: Context, response: ResponseAssessment) -> list[Recommendation]:
    return [
        o.RESTAGING_TME.recommend(Strength.preferred, [_("incomplete clinical response")]),
        *operation_options(ctx, _("incomplete response: TME"), after_therapy=True),
    ]

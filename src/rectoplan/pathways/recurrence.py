"""Locally recurrent rectal cancer: classify, weigh resectability, plan the sacrectomy.

The historical contraindications (sacral invasion above S2-S3, the sciatic notch, > 180 degree
external-iliac encasement, sidewall disease with hydronephrosis, distant disease; Lee 2017)
are now resected in specialist centres, so here each one is a warning that lowers the strength
of surgery, never a silent veto. For posterior and sacral recurrence the plan follows the
seed-002 technique: transection level and vascular-tape length from the mid-sagittal image,
laparoscopic anterior and lateral dissection when its conditions hold, and dead-space
reconstruction.
"""

from __future__ import annotations

import functools

from rectoplan.clinical.case import Compartment, FixationSite, Recurrence
from rectoplan.clinical.labels import label, labels
from rectoplan.clinical.sacrum import SACRAL_LEVELS, plan_sacrectomy
from rectoplan.errors import FieldError
from rectoplan.i18n import N_, _, join_clauses
from rectoplan.pathways.context import Context
from rectoplan.pathways.recommendation import Recommendation, Strength, option

SPECIALIST_MDT = option(
    "recurrence.mdt.specialist_referral",
    N_("Refer to a specialist pelvic exenteration MDT"),
    "beyond_tme_2013",
    "lee_2017_contraindications",
)
NEOADJUVANT_CRT = option(
    "recurrence.neoadjuvant.chemoradiotherapy",
    N_("Chemoradiotherapy before resection (no earlier pelvic radiotherapy)"),
    "beyond_tme_2013",
    "mathis_2023",
)
REIRRADIATION = option(
    "recurrence.neoadjuvant.reirradiation",
    N_("Consider re-irradiation before resection (earlier pelvic radiotherapy)"),
    "beyond_tme_2013",
    "mathis_2023",
)
SACRECTOMY_LAPAROSCOPIC = option(
    "recurrence.sacrectomy.laparoscopic",
    N_("En bloc resection with laparoscopic anterior/lateral dissection and prone sacrectomy"),
    "seed002_lap_sacrectomy",
    "akiyoshi_2016",
    "pelvex_mis_2018",
)
SACRECTOMY_OPEN = option(
    "recurrence.sacrectomy.open",
    N_("Open en bloc resection with sacrectomy"),
    "sacrectomy_review_2017",
    "pelvex_2018",
)
REDO_RESECTION = option(
    "recurrence.resection.redo",
    N_(
        "Redo resection of the anastomotic recurrence (re-resection with a new anastomosis or an "
        "abdominoperineal resection)"
    ),
    "mskcc_pilipshen_1984",
    "beyond_tme_2013",
    "mathis_2023",
)
EXENTERATION = option(
    "recurrence.resection.exenteration",
    N_("En bloc resection / pelvic exenteration of the involved compartments"),
    "pelvex_2018",
    "beyond_tme_2013",
    "exenteration_benchmarks_2024",
)
NON_SURGICAL = option(
    "recurrence.non_surgical",
    N_("Non-surgical care: systemic therapy, palliative radiotherapy, symptom control"),
    "lee_2017_contraindications",
    "mathis_2023",
)

RECONSTRUCTION_STEPS = (
    N_("Pedicled omental flap into the pelvis"),
    N_("Dead-space-filling non-functional anastomosis"),
    N_("Double-barreled stoma for faecal diversion"),
)
"""English message ids; `_reconstruction` gives them in the current locale."""


def _reconstruction() -> list[str]:
    return [_(step) for step in RECONSTRUCTION_STEPS]


_MSKCC = {
    Compartment.central: "axial",
    Compartment.inferior: "axial",
    Compartment.peritoneal_reflection: "anterior",
    Compartment.anterior_above_pr: "anterior",
    Compartment.anterior_below_pr: "anterior",
    Compartment.posterior: "posterior",
    Compartment.lateral: "lateral",
}


def mskcc_classes(rec: Recurrence) -> list[str]:
    """MSKCC (Guillem) classes of the involved Royal Marsden compartments (project mapping)."""
    return sorted({_MSKCC[c] for c in rec.compartments})


def leeds_class(rec: Recurrence) -> str:
    """Leeds: central, sacral, sidewall or composite (sacral and sidewall) - project mapping."""
    sacral = (
        Compartment.posterior in rec.compartments
        or FixationSite.sacrum in rec.fixed_to
        or rec.highest_sacral_level is not None
    )
    sidewall = Compartment.lateral in rec.compartments or FixationSite.pelvic_sidewall in (
        rec.fixed_to
    )
    if sacral and sidewall:
        return "composite"
    if sacral:
        return "sacral"
    if sidewall:
        return "sidewall"
    return "central"


def contraindications(ctx: Context, rec: Recurrence) -> list[tuple[str, str]]:
    """(field, reason) for every historical contraindication the case shows (Lee 2017)."""
    th = ctx.thresholds
    found = []
    limit = SACRAL_LEVELS.index(th.highest_resectable_sacral_level)
    if rec.highest_sacral_level and SACRAL_LEVELS.index(rec.highest_sacral_level) < limit:
        found.append(
            (
                "recurrence.highest_sacral_level",
                _("sacral invasion at {level}, above S2-S3").format(level=rec.highest_sacral_level),
            )
        )
    if rec.sciatic_notch_extension:
        found.append(
            ("recurrence.sciatic_notch_extension", _("extension through the sciatic notch"))
        )
    encasement = rec.external_iliac_encasement_deg
    if encasement is not None and encasement > th.external_iliac_encasement_max_deg:
        found.append(
            (
                "recurrence.external_iliac_encasement_deg",
                _("external iliac encasement {degrees:g} degrees (> {limit:g})").format(
                    degrees=encasement, limit=th.external_iliac_encasement_max_deg
                ),
            )
        )
    if rec.hydronephrosis:
        found.append(("recurrence.hydronephrosis", _hydronephrosis(rec)))
    if rec.distant_metastases:
        sites = labels("metastatic_site", rec.distant_sites)
        found.append(
            (
                "recurrence.distant_sites" if sites else "recurrence.distant_metastases",
                _("distant metastases ({sites})").format(sites=sites)
                if sites
                else _("distant metastases"),
            )
        )
    return found


def _hydronephrosis(rec: Recurrence) -> str:
    """Hydronephrosis is read whatever compartments are coded: a ureter is obstructed by the
    recurrence whether or not the MRI report codes the lateral compartment (Larsen 2005)."""
    side = label("side", rec.hydronephrosis_side) if rec.hydronephrosis_side else ""
    if Compartment.lateral in rec.compartments:
        text = _("sidewall disease with {side} hydronephrosis (R0 22% vs 41%, Larsen 2005)")
    else:
        text = _("ureteric obstruction: {side} hydronephrosis (R0 22% vs 41%, Larsen 2005)")
    return " ".join(text.format(side=side).split())


def is_mobile_central(rec: Recurrence) -> bool:
    """An anastomotic (central) recurrence not fixed to any structure (MSKCC 'anastomotic')."""
    return set(rec.compartments) == {Compartment.central} and not rec.fixed_to


def assess_recurrence(ctx: Context) -> None:
    """Classification findings, then resection or non-surgical options with their strength."""
    rec = ctx.case.recurrence
    assert rec is not None
    _classify(ctx, rec)
    problems = contraindications(ctx, rec)
    for field, reason in problems:
        ctx.warn(
            field,
            _("historical contraindication: {reason}; lowers the strength of surgery").format(
                reason=reason
            ),
        )
    if rec.distant_metastases is None:
        ctx.warn(
            "recurrence.distant_sites",
            _("distant staging at recurrence not recorded: distant disease changes the plan"),
        )
    unfit = (rec.ecog if rec.ecog is not None else ctx.case.patient.ecog or 0) >= 3
    if unfit:
        ctx.warn("recurrence.ecog", _("performance status >= 3: major pelvic surgery unlikely"))
    ctx.add(SPECIALIST_MDT.recommend(Strength.preferred, [_("locally recurrent rectal cancer")]))
    surgery = _surgery_strength(problems, unfit)
    resections = _resection(ctx, rec, surgery, problems)
    ctx.add(*resections)
    ctx.add(_neoadjuvant(rec, surgery))
    non_surgical = Strength.preferred if surgery is Strength.consider else Strength.alternative
    why = [r for _field, r in problems] or [_("if resection is declined or not possible")]
    ctx.add(NON_SURGICAL.recommend(non_surgical, why))
    _recurrence_specimen(ctx, rec)
    if surgery is not Strength.consider:
        _expected_outcomes(ctx, seed002=_is_seed002_setting(rec, resections))


def _recurrence_specimen(ctx: Context, rec: Recurrence) -> None:
    """The R status of the recurrence resection's specimen, which the registry's R0 rate for
    recurrences reads: only a specimen from an operation on or after the recurrence (the
    case's earlier pathology report belongs to the primary resection)."""
    path = ctx.case.pathology
    if path is None:
        return
    made = [op for op in ctx.case.operations if op.type is path.specimen]
    latest = made[-1] if made else None
    after = (
        latest is not None
        and latest.date is not None
        and rec.date is not None
        and latest.date >= rec.date
    )
    if after:
        from rectoplan.pathways.primary.postop import record_r_status

        record_r_status(ctx, path)


def _is_seed002_setting(rec: Recurrence, resections: list[Recommendation]) -> bool:
    """The seed-002 cohort's population: a posterior recurrence for which a sacrectomy is
    the preferred plan. Its figures are quoted for no other episode."""
    sacrectomy_planned = any(
        r.id in (SACRECTOMY_LAPAROSCOPIC.id, SACRECTOMY_OPEN.id)
        and r.strength is Strength.preferred
        for r in resections
    )
    return Compartment.posterior in rec.compartments and sacrectomy_planned


def _classify(ctx: Context, rec: Recurrence) -> None:
    if not rec.compartments:
        ctx.warn(
            "recurrence.compartments",
            _(
                "the involved compartments are not recorded (pelvic MRI): the recurrence cannot "
                "be classified and resectability is not judged on them"
            ),
        )
        return
    compartments = labels("compartment", rec.compartments)
    ctx.find(
        "rm_compartments",
        _("Royal Marsden compartments"),
        [c.value for c in rec.compartments],
        _("reported on MRI"),
        "royal_marsden_compartments",
    )
    ctx.find(
        "mskcc_class",
        _("MSKCC class"),
        mskcc_classes(rec),
        _("from {compartments}").format(compartments=compartments),
        "mskcc_guillem_classification",
    )
    ctx.find(
        "leeds_class",
        _("Leeds class"),
        leeds_class(rec),
        _("from {compartments} and fixation").format(compartments=compartments),
        "leeds_boyle_2005",
    )
    fixation = min(len(rec.fixed_to), 3)
    ctx.find(
        "fixation",
        _("Fixation (Mayo F)"),
        f"F{fixation}",
        labels("fixation", rec.fixed_to) or _("not fixed"),
        "rokan_2021",
    )
    if len(rec.compartments) >= 3:
        ctx.warn("recurrence.compartments", _(">= 3 compartments involved: worse survival (Rokan)"))


def _surgery_strength(problems: list[tuple[str, str]], unfit: bool) -> Strength:
    """Each contraindication lowers the strength one step; never below 'consider'."""
    ladder = [Strength.preferred, Strength.alternative, Strength.consider]
    steps = len(problems) + (2 if unfit else 0)
    return ladder[min(steps, len(ladder) - 1)]


def _resection(
    ctx: Context, rec: Recurrence, strength: Strength, problems: list[tuple[str, str]]
) -> list[Recommendation]:
    sacral = leeds_class(rec) in ("sacral", "composite")
    why = [
        _("Leeds {leeds} recurrence").format(leeds=label("leeds_class", leeds_class(rec))),
        *[r for _field, r in problems],
    ]
    if not sacral and is_mobile_central(rec):
        return [
            REDO_RESECTION.recommend(
                strength,
                [*why, _("mobile central (anastomotic) recurrence, fixed to nothing")],
                next_steps=[
                    _("Re-resection of the anastomosis with its mesentery, R0 aimed for"),
                    _(
                        "New coloanal / colorectal anastomosis if the sphincters are free, "
                        "otherwise abdominoperineal resection"
                    ),
                ],
            ),
            EXENTERATION.recommend(
                strength.at_most(Strength.alternative),
                [*why, _("if adjacent organs prove involved at operation")],
                next_steps=_reconstruction(),
            ),
        ]
    if not sacral:
        return [EXENTERATION.recommend(strength, why, next_steps=_reconstruction())]
    plan = _sacrectomy_plan(ctx, rec)
    lap_ok, lap_reasons = _laparoscopic_conditions(ctx, rec, plan)
    steps = _reconstruction()
    lowest_high = ctx.thresholds.high_sacrectomy_lowest_level
    if plan is not None and is_high_sacrectomy(plan.level, lowest_high):
        why.append(
            _(
                "high sacrectomy (transection at {level}): more complications and a longer "
                "stay than a distal transection (2017 sacrectomy review)"
            ).format(level=plan.level)
        )
    if plan is not None:
        steps.insert(
            0,
            _(
                "Premeasured vascular tape {mm:.0f} mm from the promontory marks the "
                "transection at {level}"
            ).format(mm=plan.tape_length_mm, level=plan.level),
        )
    lap = strength if lap_ok else Strength.consider
    open_ = strength.at_most(Strength.alternative) if lap_ok else strength
    return [
        SACRECTOMY_LAPAROSCOPIC.recommend(lap, [*why, *lap_reasons], next_steps=steps),
        SACRECTOMY_OPEN.recommend(open_, why, next_steps=steps),
    ]


def _sacrectomy_plan(ctx: Context, rec: Recurrence):
    th = ctx.thresholds
    if not rec.sacral_landmarks or rec.tumour_upper_extent is None:
        ctx.warn(
            "recurrence.sacral_landmarks",
            _("sagittal landmarks and the tumour's upper extent plan the level and tape"),
        )
        return None
    extent = rec.tumour_upper_extent
    try:
        plan = plan_sacrectomy(
            rec.sacral_curve(),
            (extent.x_mm, extent.y_mm),
            th.sacrectomy_margin_mm,
            th.sacral_disc_half_width_mm,
        )
    except FieldError as exc:
        ctx.warn("recurrence.tumour_upper_extent", exc.message)
        return None
    ctx.find(
        "sacral_transection_level",
        _("Sacral transection level"),
        plan.level,
        _("{mm:g} mm above the tumour along the anterior sacral curve").format(mm=plan.margin_mm),
        "seed002_lap_sacrectomy",
    )
    _record_sacrectomy_height(ctx, plan.level)
    ctx.find(
        "vascular_tape_mm",
        _("Vascular tape length (mm)"),
        round(plan.tape_length_mm, 1),
        _("arc length from the promontory; sacral curve {mm:.0f} mm").format(
            mm=plan.sacral_length_mm
        ),
        "seed002_lap_sacrectomy",
    )
    return plan


def is_high_sacrectomy(level: str, lowest_high: str) -> bool:
    """Transection through ``lowest_high`` or a higher segment (a disc counts by its upper one)."""
    top = level.split()[0].split("/")[0]
    return SACRAL_LEVELS.index(top) <= SACRAL_LEVELS.index(lowest_high)


def _record_sacrectomy_height(ctx: Context, level: str) -> None:
    """Name a high sacrectomy as such: morbidity and stay rise with more proximal transection
    (2017 sacrectomy review), and S1-S2 was the historical limit (Lee 2017)."""
    lowest_high = ctx.thresholds.high_sacrectomy_lowest_level
    high = is_high_sacrectomy(level, lowest_high)
    ctx.find(
        "sacrectomy_height",
        _("Sacrectomy"),
        _("high sacrectomy") if high else _("low sacrectomy"),
        _(
            "transection at {level}; high at or above {lowest_high}: complications and length "
            "of stay rise with more proximal transection, R1 rises with more distal transection"
        ).format(level=level, lowest_high=lowest_high),
        "sacrectomy_review_2017",
        "lee_2017_contraindications",
    )


def _laparoscopic_conditions(ctx: Context, rec: Recurrence, plan) -> tuple[bool, list[str]]:
    """The seed-002 setting: posterior recurrence, low transection, no notch or sidewall."""
    th = ctx.thresholds
    reasons = []
    posterior_only = set(rec.compartments) <= {
        Compartment.posterior,
        Compartment.central,
        Compartment.inferior,
    }
    if not posterior_only:
        reasons.append(_("not confined to the posterior/central compartments"))
    if rec.sciatic_notch_extension:
        reasons.append(_("sciatic notch extension"))
    if plan is None:
        reasons.append(_("transection level not planned"))
    else:
        top = plan.level.split()[0].split("/")[0]
        limit = th.laparoscopic_sacrectomy_highest_level
        if SACRAL_LEVELS.index(top) < SACRAL_LEVELS.index(limit):
            reasons.append(
                _("transection at {level}, above {limit}").format(level=plan.level, limit=limit)
            )
    if reasons:
        return False, [
            _("laparoscopic approach not advised: {reasons}").format(reasons=join_clauses(reasons))
        ]
    return True, [_("posterior recurrence with low transection: the seed-002 laparoscopic setting")]


def _neoadjuvant(rec: Recurrence, surgery: Strength) -> Recommendation:
    dose = rec.prior_pelvic_rt_dose_gy
    if dose:
        return REIRRADIATION.recommend(
            Strength.consider,
            [_("earlier pelvic radiotherapy {dose:g} Gy").format(dose=dose)],
            next_steps=[
                _("Hyperfractionated re-irradiation with a fluoropyrimidine, then restage")
            ],
        )
    return NEOADJUVANT_CRT.recommend(
        surgery,
        [
            _("no earlier pelvic radiotherapy recorded")
            if dose is None
            else _("no earlier radiotherapy")
        ],
        next_steps=[_("Long-course chemoradiotherapy, restage, then resection")],
    )


def _quote_r0(ctx: Context, finding_id: str, title: str, reference_id: str) -> None:
    """A cohort's R0 rate with its Wilson interval, from the published reference's counts
    (`rectoplan.analytics.benchmarks`, the one place they are written)."""
    from rectoplan.analytics.benchmarks import reference

    ref = reference(reference_id)
    assert ref.k is not None and ref.n is not None
    rate = _cohort_rate(ref.k, ref.n)
    ctx.find(
        finding_id,
        _(title),
        _("{estimate:.1f}% (95% CI {low:.1f}-{high:.1f})").format(
            estimate=100 * rate.estimate, low=100 * rate.lower, high=100 * rate.upper
        ),
        _("{k}/{n}, Wilson score interval").format(k=ref.k, n=ref.n),
        *ref.evidence,
        "wilson_1927",
    )


@functools.cache
def _cohort_rate(k: int, n: int):
    """The Wilson interval of a published cohort's counts. Cached: the counts are fixed, and
    statsmodels takes milliseconds per call, which a registry import of many recurrences would
    otherwise pay again for every case."""
    from rectoplan.analytics.proportions import wilson

    return wilson(k, n)


def _expected_outcomes(ctx: Context, *, seed002: bool) -> None:
    """Expected R0 from the published cohorts whose population the episode belongs to: every
    resectable recurrence against PelvEx 2018 and the 2024 benchmarks; the seed-002 cohort
    only for a posterior recurrence with a sacrectomy planned."""
    if seed002:
        _quote_r0(
            ctx,
            "expected_r0_seed002",
            N_("R0 in the laparoscopic sacrectomy cohort"),
            "seed002.r0",
        )
    _quote_r0(
        ctx, "expected_r0_pelvex", N_("R0 in PelvEx 2018 (LRRC exenteration)"), "pelvex_2018.r0"
    )
    ctx.find(
        "benchmark_lrrc",
        _("2024 LRRC exenteration benchmarks"),
        _("R0 >= 77%, major complications <= 53%, CCI <= 34.1, 90-day mortality <= 6%"),
        _("75th percentile of 16 centres"),
        "exenteration_benchmarks_2024",
    )
    if seed002:
        ctx.find(
            "expected_os_seed002",
            _("5-year overall survival (seed-002 cohort)"),
            _("about 59%"),
            _("43 patients, laparoscopic sacrectomy"),
            "seed002_lap_sacrectomy",
        )

"""After surgery: read the specimen, then completion TME, adjuvant therapy or surveillance.

Pathology quality (R status under both conventions, CRM, distal margin, TME plane, node yield)
is recorded as findings; the recommendations follow from the specimen type and its risk.
"""

from __future__ import annotations

from rectoplan.clinical.case import Budding, Grade, Pathology, SubmucosalDepth
from rectoplan.clinical.complications import comprehensive_complication_index
from rectoplan.clinical.pathology import (
    R_STATUS_EVIDENCE,
    TME_EVIDENCE,
    RConvention,
    RStatus,
    crm_positive,
    r_status,
)
from rectoplan.clinical.response import SCALES, is_complete_regression, is_good_response
from rectoplan.clinical.staging import stage
from rectoplan.clinical.tnm import MCategory, NCategory, Prefix, TCategory
from rectoplan.i18n import N_, _, join_clauses, join_items
from rectoplan.pathways.context import Context
from rectoplan.pathways.primary import options as o
from rectoplan.pathways.primary.criteria import CriteriaCheck
from rectoplan.pathways.recommendation import Criterion, Recommendation, Strength
from rectoplan.pathways.timeline import weeks_since_resection

_T_ORDER = list(TCategory)
_MARGIN_NAMES = {
    "crm_distance_mm": N_("circumferential"),
    "distal_margin_mm": N_("distal"),
    "deep_margin_mm": N_("deep"),
    "lateral_margin_mm": N_("mucosal"),
}


def _words(present: str, absent: str):
    return lambda v: present if v else absent


def assess_postoperative(ctx: Context) -> None:
    """Specimen quality findings, then what the specimen means for the patient."""
    path = ctx.case.pathology
    assert path is not None
    status = _record_quality(ctx, path)
    if path.specimen.is_local:
        ctx.add(*_after_local_excision(ctx, path, status))
    else:
        ctx.add(*_after_resection(ctx, path, status))


def record_r_status(ctx: Context, path: Pathology) -> dict[RConvention, RStatus | None]:
    """The specimen's R status under both conventions, as findings (the registry's R0 rate
    reads the CRM one); a warning when no margin was measured."""
    th = ctx.thresholds
    margins = path.margins_mm
    closest = min(margins.values()) if margins else None
    statuses = {
        conv: r_status(closest, path.macroscopic_residual, conv, th.crm_positive_mm)
        for conv in RConvention
    }
    if closest is None and not path.macroscopic_residual:
        ctx.warn("pathology.crm_distance_mm", _("no margin measured: R status cannot be derived"))
        return statuses
    basis = (
        _("closest margin {mm:g} mm").format(mm=closest)
        if closest is not None
        else _("macroscopic residual")
    )
    ctx.find(
        "r_status",
        _("R status (R1 = within CRM threshold)"),
        statuses[RConvention.crm_1mm],
        join_clauses([basis, _("R1 at <= {mm:g} mm").format(mm=th.crm_positive_mm)]),
        *R_STATUS_EVIDENCE,
    )
    ctx.find(
        "r_status_uicc",
        _("R status (UICC: R1 = tumour at margin)"),
        statuses[RConvention.uicc],
        join_clauses([basis, _("R1 at 0 mm")]),
        *R_STATUS_EVIDENCE,
    )
    return statuses


def _record_quality(ctx: Context, path: Pathology) -> dict[RConvention, RStatus | None]:
    statuses = record_r_status(ctx, path)
    _record_margins(ctx, path)
    _record_stage(ctx, path)
    _record_regression(ctx, path)
    _record_complications(ctx)
    return statuses


def _record_margins(ctx: Context, path: Pathology) -> None:
    th = ctx.thresholds
    if path.crm_distance_mm is not None:
        positive = crm_positive(path.crm_distance_mm, th.crm_positive_mm)
        ctx.find(
            "crm_positive",
            _("CRM positive"),
            positive,
            _("CRM {mm:g} mm, positive at <= {limit:g} mm").format(
                mm=path.crm_distance_mm, limit=th.crm_positive_mm
            ),
            "nagtegaal_quirke_2008",
            "wibe_2002",
        )
    if path.distal_margin_mm is not None and not path.specimen.is_local:
        needed = (
            th.distal_margin_min_after_neoadjuvant_mm
            if ctx.case.neoadjuvant
            else th.distal_margin_min_mm
        )
        ctx.find(
            "distal_margin_adequate",
            _("Distal margin adequate"),
            path.distal_margin_mm >= needed,
            _("{mm:g} mm vs {needed:g} mm").format(mm=path.distal_margin_mm, needed=needed),
            "distal_margin_review_2010",
        )
    if not path.specimen.is_local:
        if path.tme_grade is None:
            ctx.warn("pathology.tme_grade", _("TME plane not graded (audit of surgical quality)"))
        else:
            ctx.find(
                "tme_grade",
                _("TME grade"),
                path.tme_grade.label,
                _("pathologist's grading"),
                *TME_EVIDENCE,
            )
        if path.nodes_examined is not None and path.nodes_examined < th.nodes_examined_min:
            ctx.warn(
                "pathology.nodes_examined",
                _(
                    "{count} nodes examined, fewer than {minimum} "
                    "(fewer are expected after neoadjuvant therapy)"
                ).format(count=path.nodes_examined, minimum=th.nodes_examined_min),
            )


def _record_stage(ctx: Context, path: Pathology) -> None:
    n = path.n or NCategory.NX
    m = ctx.case.distant.cm if ctx.case.distant and ctx.case.distant.cm else MCategory.M0
    result = stage(path.t, n, m)
    ctx.find(
        "pathological_stage",
        _("Pathological stage"),
        result.group,
        f"{path.prefix}{path.t} {path.prefix}{n} c{m}",
        *result.evidence,
    )
    if path.prefix is Prefix.yp and path.t is TCategory.T0 and n is NCategory.N0:
        ctx.find("pcr", _("Pathological complete response"), True, "ypT0 N0", "prodige23_2021")


def _record_regression(ctx: Context, path: Pathology) -> None:
    reg = path.regression
    if reg is None:
        if path.prefix is Prefix.yp:
            ctx.warn("pathology.regression", _("regression grade not reported (name its scale)"))
        return
    ctx.find(
        "regression",
        _("Regression grade ({scale})").format(scale=reg.scale.value),
        reg.grade,
        _regression_words(
            is_good_response(reg.scale, reg.grade), is_complete_regression(reg.scale, reg.grade)
        ),
        *SCALES[reg.scale].evidence,
    )


def _regression_words(good: bool, complete: bool) -> str:
    if complete:
        return _("complete regression")
    return _("good response, not complete") if good else _("poor response")


def _record_complications(ctx: Context) -> None:
    grades = [c.clavien_dindo for c in ctx.case.complications]
    if grades:
        cci = comprehensive_complication_index(grades)
        ctx.find(
            "cci",
            _("Comprehensive Complication Index"),
            round(cci, 1),
            f"Clavien-Dindo {join_items(g.value for g in grades)}",
            "cci_2013",
            "clavien_dindo_2004",
        )


def local_excision_risk(ctx: Context, path: Pathology) -> CriteriaCheck:
    """High-risk features of a local excision specimen (NCCN/ASCRS list; CARTS for yp)."""
    th = ctx.thresholds
    deepest_ok = TCategory.T1
    closest = min(path.margins_mm.items(), key=lambda kv: kv[1]) if path.margins_mm else None
    items = [
        (
            "pT <= T1",
            path.t,
            lambda v: _T_ORDER.index(v) <= _T_ORDER.index(deepest_ok),
            lambda v: f"{path.prefix}{v}",
            "t",
            _("pT category"),
        ),
        (
            _("margin > {mm:g} mm").format(mm=th.local_excision_min_margin_mm),
            closest[1] if closest else None,
            lambda v: v > th.local_excision_min_margin_mm,
            lambda v: _("closest margin {mm:g} mm ({margin})").format(
                mm=v, margin=_(_MARGIN_NAMES[closest[0]])
            ),
            "deep_margin_mm",
            _("margin distance"),
        ),
        (
            _("not poorly differentiated"),
            path.grade,
            lambda v: v in (Grade.G1, Grade.G2),
            lambda v: _("grade {grade}").format(grade=v),
            "grade",
            _("grade"),
        ),
        (_("no LVI"), path.lvi, lambda v: not v, _words("LVI", _("no LVI")), "lvi", "LVI"),
        (_("no PNI"), path.pni, lambda v: not v, _words("PNI", _("no PNI")), "pni", "PNI"),
        (
            _("not sm3"),
            path.submucosal_depth,
            lambda v: v is not SubmucosalDepth.sm3,
            lambda v: _("submucosal depth {depth}").format(depth=v),
            "submucosal_depth",
            _("submucosal depth"),
        ),
        (
            _("low budding"),
            path.budding,
            lambda v: v is Budding.bd1,
            lambda v: _("budding {grade}").format(grade=v),
            "budding",
            _("tumour budding"),
        ),
        (
            _("size <= {cm:g} cm").format(cm=th.local_excision_high_risk_size_cm),
            path.tumour_size_cm,
            lambda v: v <= th.local_excision_high_risk_size_cm,
            lambda v: _("size {cm:g} cm").format(cm=v),
            "tumour_size_cm",
            _("tumour size"),
        ),
    ]
    criteria, missing = [], []
    for name, value, test, describe, field, what in items:
        # submucosal depth and budding only matter for pT1; ypT0 has no tumour to grade
        if value is None and (path.t is TCategory.T0 or field in ("submucosal_depth",)):
            continue
        if value is None:
            missing.append(f"pathology.{field}")
            criteria.append(
                Criterion(name=name, met=None, detail=_("{what} not recorded").format(what=what))
            )
        else:
            criteria.append(Criterion(name=name, met=bool(test(value)), detail=describe(value)))
    return CriteriaCheck(tuple(criteria), tuple(missing))


def _after_local_excision(
    ctx: Context, path: Pathology, status: dict[RConvention, RStatus | None]
) -> list[Recommendation]:
    check = local_excision_risk(ctx, path)
    for name in check.missing_fields:
        ctx.warn(name, _("needed to decide between surveillance and completion TME"))
    r = status[RConvention.crm_1mm]
    why = [
        _("{specimen} specimen {t}, {r}").format(
            specimen=path.specimen.value, t=f"{path.prefix}{path.t}", r=r or _("R unknown")
        ),
        _("low-risk features {summary}").format(summary=check.summary()),
    ]
    if check.any_unmet or r in (RStatus.R1, RStatus.R2):
        recs = [o.COMPLETION_TME.recommend(Strength.preferred, why, criteria=check.criteria)]
        if path.t in (TCategory.T1, TCategory.T2) and path.prefix is Prefix.p:
            recs.append(o.ADJUVANT_CRT_AFTER_LE.recommend(Strength.consider, why))
        return recs
    strength = Strength.preferred if check.all_met else Strength.alternative
    return [
        o.LOCAL_EXCISION_SURVEILLANCE.recommend(
            strength,
            why,
            next_steps=[
                _("DRE and endoscopy every 3-4 months for 2 years, then every 6 months"),
                _("Pelvic MRI every 6 months for 2-3 years; CEA and CT per follow-up protocol"),
            ],
            criteria=check.criteria,
        ),
        o.COMPLETION_TME.recommend(
            Strength.alternative if strength is not Strength.preferred else Strength.consider,
            why,
            criteria=check.criteria,
        ),
    ]


def _after_resection(
    ctx: Context, path: Pathology, status: dict[RConvention, RStatus | None]
) -> list[Recommendation]:
    recs: list[Recommendation] = []
    r = status[RConvention.crm_1mm]
    if r in (RStatus.R1, RStatus.R2):
        recs.append(
            o.POSITIVE_MARGIN.recommend(
                Strength.preferred,
                [
                    _("{r} (closest margin {mm:g} mm)").format(
                        r=r, mm=min(path.margins_mm.values(), default=0)
                    ),
                    _("CRM+ local recurrence 22% vs 5% (Wibe 2002)"),
                ],
            )
        )
    adjuvant = _adjuvant_chemotherapy(ctx, path)
    if adjuvant is not None:
        recs.append(adjuvant)
    recs.append(
        o.SURVEILLANCE.recommend(
            Strength.alternative
            if any(r.strength is Strength.preferred for r in recs)
            else Strength.preferred,
            [
                _("{stage} resected").format(
                    stage=f"{path.prefix}{path.t} {path.prefix}{path.n or NCategory.NX}"
                )
            ],
            next_steps=[
                _("CEA every 3-6 months for 2 years, then 6-monthly to 5 years"),
                _("CT chest/abdomen/pelvis every 6-12 months for 5 years"),
                _("Colonoscopy at 1 year"),
            ],
        )
    )
    return recs


def high_risk_stage_two_features(ctx: Context, path: Pathology) -> list[str]:
    """ESMO's high-risk stage II features that the specimen records (ESMO colon 2020 [P]).

    pT4, fewer than the minimum nodes examined, poor differentiation, LVI, PNI. Obstruction and
    perforation are not recorded in the case, so they cannot be read.
    """
    th = ctx.thresholds
    features = []
    if path.t in (TCategory.T4a, TCategory.T4b):
        features.append(f"{path.prefix}{path.t}")
    if path.nodes_examined is not None and path.nodes_examined < th.nodes_examined_min:
        features.append(
            _("{count} nodes examined (< {minimum})").format(
                count=path.nodes_examined, minimum=th.nodes_examined_min
            )
        )
    if path.grade in (Grade.G3, Grade.G4):
        features.append(_("grade {grade}").format(grade=path.grade))
    if path.lvi:
        features.append("LVI")
    if path.pni:
        features.append("PNI")
    return features


def _adjuvant_chemotherapy(ctx: Context, path: Pathology) -> Recommendation | None:
    """Adjuvant chemotherapy by stage, risk and time since the resection.

    Surgery first: stage III (pN+) gets it (NCCN: chemotherapy only, no post-operative RT);
    high-risk stage II too; low-risk stage II only as an option, since ESMO does not routinely
    advise it (ESMO colon 2020, extrapolated [P]). After chemoradiotherapy without TNT it is
    considered. Whatever the stage, once the case's latest date is past the named window after
    the resection (`adjuvant_chemotherapy_window_weeks`; Biagi 2011: survival falls with each
    4-week delay) it is no longer planned as the next step: the MDT only considers it if it was
    never given.
    """
    node_positive = path.n not in (None, NCategory.N0, NCategory.NX)
    advanced_t = path.t in (TCategory.T3, TCategory.T4a, TCategory.T4b)
    neo = ctx.case.neoadjuvant
    staged = f"{path.prefix}{path.t} {path.prefix}{path.n or NCategory.NX}"
    if not (node_positive or advanced_t):
        return None
    if neo is None and node_positive:
        strength = Strength.preferred
        why = [
            _(
                "{stage} without neoadjuvant therapy (stage III): adjuvant chemotherapy only, "
                "no post-operative radiotherapy (NCCN)"
            ).format(stage=staged)
        ]
    elif neo is None:
        features = high_risk_stage_two_features(ctx, path)
        if not _past_window(ctx):  # later, the features no longer change the answer
            for field in ("grade", "lvi", "pni", "nodes_examined"):
                if getattr(path, field) is None:
                    ctx.warn(
                        f"pathology.{field}", _("needed to tell high-risk from low-risk stage II")
                    )
        if features:
            strength = Strength.preferred
            why = [
                _("{stage}, high-risk stage II ({features}): ESMO and NCCN").format(
                    stage=staged, features=join_items(features)
                )
            ]
        else:
            strength = Strength.consider
            why = [
                _(
                    "{stage}, stage II without a recorded high-risk feature: ESMO does not "
                    "routinely advise adjuvant chemotherapy (NCCN lists it as an option)"
                ).format(stage=staged)
            ]
    elif not neo.is_total_neoadjuvant:
        strength = Strength.consider
        why = [_("{stage} after chemoradiotherapy without TNT").format(stage=staged)]
    else:
        return None
    return o.ADJUVANT_CHEMO.recommend(*_timed(ctx, strength, why))


def _timed(ctx: Context, strength: Strength, why: list[str]) -> tuple[Strength, list[str]]:
    """Cap adjuvant chemotherapy at 'consider' once the window after the resection has passed."""
    window = ctx.thresholds.adjuvant_chemotherapy_window_weeks
    weeks = weeks_since_resection(ctx.case)
    if weeks is None:
        if strength is not Strength.consider:
            ctx.warn(
                "operations.date",
                _(
                    "date of the resection not recorded: adjuvant chemotherapy is planned "
                    "within {weeks:g} weeks of it"
                ).format(weeks=window),
            )
        return strength, why
    ctx.find(
        "weeks_since_resection",
        _("Weeks since the resection"),
        round(weeks, 1),
        _("from the resection date to the latest date recorded in the case"),
        "biagi_2011",
    )
    if weeks <= window:
        return strength, why
    return strength.at_most(Strength.consider), [
        *why,
        _(
            "{weeks:.0f} weeks after the resection, past the {window:g}-week window "
            "(survival falls with each 4-week delay, Biagi 2011): only if it was never given"
        ).format(weeks=weeks, window=window),
    ]


def _past_window(ctx: Context) -> bool:
    weeks = weeks_since_resection(ctx.case)
    return weeks is not None and weeks > ctx.thresholds.adjuvant_chemotherapy_window_weeks

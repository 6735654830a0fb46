"""The primary-tumour pathway, from diagnosis through restaging to the specimen.

`assess_primary` looks at which data the case holds (its phase) and runs that phase's rules;
`shared_findings` records the stage and risk group every phase reports.
"""

from __future__ import annotations

from rectoplan.i18n import _, join_clauses
from rectoplan.pathways.context import Context, Phase
from rectoplan.pathways.primary.diagnosis import assess_diagnosis
from rectoplan.pathways.primary.postop import assess_postoperative
from rectoplan.pathways.primary.restaging import assess_on_treatment, assess_restaging

_BY_PHASE = {
    Phase.diagnosis: assess_diagnosis,
    Phase.neoadjuvant: assess_on_treatment,
    Phase.restaging: assess_restaging,
    Phase.postoperative: assess_postoperative,
}
"""A recurrence is its own pathway (`pathways.recurrence`); the engine does not route it here."""


def assess_primary(ctx: Context) -> None:
    """Record the baseline findings, then run the rules of the case's current phase."""
    shared_findings(ctx)
    _BY_PHASE[ctx.phase](ctx)


def shared_findings(ctx: Context) -> None:
    th, risk = ctx.thresholds, ctx.risk
    tumour = ctx.case.tumour
    ctx.find(
        "height_band",
        _("Tumour height"),
        ctx.height.value,
        _("{distance:g} cm from the anal verge (low <= {low:g}, mid <= {mid:g} cm)").format(
            distance=tumour.distance_from_anal_verge_cm,
            low=th.low_rectum_max_cm,
            mid=th.mid_rectum_max_cm,
        ),
        "esmo_2017",
        "seom_2022",
    )
    if ctx.clinical_stage is not None:
        s = ctx.clinical_stage
        ctx.find(
            "clinical_stage",
            _("Clinical stage (AJCC 8)"),
            s.group,
            join_clauses([f"c{s.t} c{s.n} c{s.m}", *([s.reason] if s.reason else [])]),
            *s.evidence,
        )
    if risk.t3_substage:
        ctx.find(
            "t3_substage",
            _("MRI T3 substage"),
            risk.t3_substage,
            _("extramural depth {mm:g} mm").format(mm=ctx.case.mri.extramural_depth_mm),
            "mercury_t3_substage",
        )
    if risk.mrf is not None:
        ctx.find(
            "mrf_status",
            _("Mesorectal fascia"),
            risk.mrf.value,
            _("{mm:g} mm (involved <= {involved:g}, threatened <= {threatened:g} mm)").format(
                mm=ctx.case.mri.mrf_distance_mm,
                involved=th.mrf_involved_mm,
                threatened=th.mrf_threatened_mm,
            ),
            "esgar_2016",
            "esmo_2017",
        )
    ctx.find(
        "risk_group",
        _("MRI risk group (ESMO 2017)"),
        risk.group.value,
        join_clauses(risk.reasons) or _("not enough data"),
        "esmo_2017",
    )
    if risk.high_risk_features:
        ctx.find(
            "high_risk_features",
            _("High-risk features"),
            list(risk.high_risk_features),
            _("ESMO 2025 / EHC / RAPIDO high-risk set"),
            "ehc_esmo_2025",
            "rapido_2021",
        )
    if ctx.phase is not Phase.diagnosis and tumour.mmr_status is None:
        ctx.warn("tumour.mmr_status", _("MMR/MSI status unknown"))

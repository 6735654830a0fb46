"""Anastomotic stenosis: the treatment ladder, with magnetic compression planned by physics.

Balloon dilatation comes first for a short stenosis a wire can cross (97% long-term success);
electroincision for short strictures, stents as a bridge, and redo anastomosis for long or
refractory ones. Magnetic compression is for what dilatation cannot reach: a failed
dilatation, a long segment or a complete occlusion, with rings delivered through the anus and
the stoma. Whether the rings couple across the measured segment is computed by `mct.design`:
directly placed, on a guide-wire rail (seed 000), or not with this pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from rectoplan.clinical.case import (
    AnastomosisType,
    AnastomoticStenosis,
    DilatationResult,
    RingSpec,
    StenosisMorphology,
    StomaStatus,
)
from rectoplan.clinical.labels import label
from rectoplan.errors import FieldError
from rectoplan.i18n import N_, _, join_items
from rectoplan.mct.design import (
    CouplingAssessment,
    DeliveryLimits,
    DesignGrid,
    RingDesign,
    Verdict,
    assess_coupling,
    assumption_words,
    bounded_grid,
    cached_design_rings,
)
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.units import MM
from rectoplan.pathways.context import Context
from rectoplan.pathways.recommendation import Recommendation, Strength, option

BALLOON = option(
    "stenosis.balloon_dilatation",
    N_("Endoscopic balloon dilatation (progressive, wire-guided)"),
    "ebd_biraima_2016",
    "ebd_multidiameter_2020",
    "early_dilation_kaya_2018",
)
ELECTROINCISION = option(
    "stenosis.electroincision",
    N_("Endoscopic electroincision (radial incision / stricturotomy)"),
    "electroincision_jain_2017",
)
STENT = option(
    "stenosis.stent",
    N_("Self-expanding stent as a bridge (fully covered metal or biodegradable)"),
    "fcsems_cereatti_2016",
)
MCT_DIRECT = option(
    "stenosis.mct.direct",
    N_("Magnetic compression: rings placed directly through the anus and the stoma"),
    "zhang_mct_rectal",
    "mca_wjgs_2024",
)
MCT_RAIL = option(
    "stenosis.mct.guidewire_rail",
    N_("Magnetic compression on a guide-wire rail through the stenosis"),
    "zhang_mct_rectal",
    "xian_atresia_rail_2024",
)
REDO = option(
    "stenosis.redo_anastomosis",
    N_("Surgical revision: redo anastomosis"),
    "revision_kraenzler_2017",
)

DISCHARGE_DAYS = (5, 16)
"""Published day the rings passed or were removed in rectal MCA cases: day 5 (sigmoid, 2020),
6 (seed 000), 9 (atresia after NEC, 2020), 16 (WJGS 2024). A range, not a promise."""
DISCHARGE_EVIDENCE = ("zhang_mct_rectal", "mca_sigmoid_2020", "mca_nec_2020", "mca_wjgs_2024")


def follow_up() -> list[str]:
    """After the rings are placed, in the current locale."""
    return [
        _("Abdominal X-ray every 1-2 days until the rings pass; recover them"),
        _(
            "Expect passage between day {first} and day {last} "
            "(published cases; a range, not a promise)"
        ).format(first=DISCHARGE_DAYS[0], last=DISCHARGE_DAYS[1]),
        _(
            "Colonoscopy once the rings pass to confirm recanalisation; "
            "catheter support of the lumen"
        ),
        _("Stoma reversal once patency is confirmed (seed 000; WJGS 2024 at 4 months)"),
    ]


def assess_stenosis(ctx: Context) -> None:
    """Findings on the stenosis, then every rung of the ladder with its strength."""
    st = ctx.case.stenosis
    assert st is not None
    risks = _failure_predictors(ctx, st)
    ctx.add(*_endoscopic(ctx, st, risks))
    coupling = _plan_rings(ctx, st)
    ctx.add(*_magnetic(ctx, st, coupling, risks))
    ctx.add(_redo(ctx, st, coupling))


def _failed_dilatations(st: AnastomoticStenosis) -> int:
    failed = (DilatationResult.failure, DilatationResult.recurrence)
    return sum(d.result in failed for d in st.dilatations)


def _failure_predictors(ctx: Context, st: AnastomoticStenosis) -> list[str]:
    """Features that predict failure or recurrence after dilatation (surgical-modules §1.6)."""
    th = ctx.thresholds
    checks = [
        (
            st.prior_radiotherapy,
            _("prior radiotherapy (restenosis aHR 2.48)"),
            "ebd_failure_2023",
        ),
        (
            st.anastomosis_type is AnastomosisType.hand_sewn,
            _("hand-sewn anastomosis"),
            "ebd_failure_2023",
        ),
        (
            st.months_since_surgery is not None
            and st.months_since_surgery > th.early_dilation_months,
            _("more than {months:g} months after surgery").format(months=th.early_dilation_months),
            "early_dilation_kaya_2018",
        ),
        (
            st.length_mm > th.stenosis_long_min_mm,
            _("segment > {mm:g} mm").format(mm=th.stenosis_long_min_mm),
            "long_stricture_rivera_2002",
        ),
        (
            st.morphology is StenosisMorphology.complete_occlusion,
            _("complete occlusion"),
            "stenosis_review_zhang_2023",
        ),
        (
            _failed_dilatations(st) > 0,
            _("{count} failed dilatation(s)").format(count=_failed_dilatations(st)),
            "ebd_biraima_2016",
        ),
    ]
    present = [(label, source) for flag, label, source in checks if flag]
    ctx.find(
        "stenosis_length_mm",
        _("Stenotic segment (mm)"),
        st.length_mm,
        _("{morphology}; 12 mm scope passes: {passes}").format(
            morphology=_morphology(st), passes=_("yes") if st.scope_12mm_passes else _("no")
        ),
        "stenosis_review_zhang_2023",
    )
    ctx.find(
        "dilatation_failure_predictors",
        _("Predictors of dilatation failure"),
        [label for label, _source in present] or [_("none recorded")],
        "surgical-modules 1.6",
        *dict.fromkeys(source for _label, source in present),
    )
    for name, value in (
        ("stenosis.prior_radiotherapy", st.prior_radiotherapy),
        ("stenosis.guidewire_passable", st.guidewire_passable),
    ):
        if value is None:
            ctx.warn(name, _("not recorded; it changes which rung of the ladder fits"))
    return [label for label, _source in present]


def _morphology(st: AnastomoticStenosis) -> str:
    return label("stenosis_morphology", st.morphology)


def _endoscopic(ctx: Context, st: AnastomoticStenosis, risks: list[str]) -> list[Recommendation]:
    th = ctx.thresholds
    occluded = st.morphology is StenosisMorphology.complete_occlusion
    wire = st.guidewire_passable is not False and not occluded
    short = st.length_mm <= th.stenosis_short_max_mm
    failed = _failed_dilatations(st)
    if not wire or st.length_mm > th.stenosis_long_min_mm:
        balloon = Strength.not_recommended
    elif failed == 0 and (short or st.morphology is StenosisMorphology.membranous):
        balloon = Strength.preferred
    elif failed == 0:
        balloon = Strength.alternative
    else:
        balloon = Strength.consider
    why = [
        _("{morphology} stenosis, {mm:g} mm, {count} failed dilatation(s)").format(
            morphology=_morphology(st), mm=st.length_mm, count=failed
        )
    ]
    if risks:
        why.append(_("failure predictors: {risks}").format(risks=join_items(risks)))
    recs = [
        BALLOON.recommend(
            balloon,
            why,
            next_steps=[
                _(
                    "Wire-guided balloon from {start:g} mm, stepwise to {end:g} mm "
                    "(assumption: no colorectal size-outcome study)"
                ).format(start=th.balloon_start_mm, end=th.balloon_max_mm),
                _("Expect about 3 sessions; recurrence 11% at 1 year, 25% at 5 years"),
            ],
        )
    ]
    incision = (
        Strength.preferred
        if short and wire and failed
        else Strength.alternative
        if short and wire
        else Strength.not_recommended
    )
    recs.append(
        ELECTROINCISION.recommend(
            incision, [*why, _("best for short, non-inflammatory strictures (98% success)")]
        )
    )
    recs.append(
        STENT.recommend(
            Strength.consider if wire and failed else Strength.not_recommended,
            [*why, _("fully covered metal stents migrate in 41%")],
        )
    )
    return recs


@dataclass(frozen=True, slots=True)
class RingPlan:
    """The ring pair the engine plans a stenosis with, in the case model's millimetres.

    ``designed`` is True when no pair is recorded on the case and the pair is the design
    search's ring with the longest rail coupling range within the delivery limits (the case
    page's "designed ring"); the planner opened from the case starts from this same pair, so
    the two cannot disagree. ``step_mm`` is the design grid's step: coarser than the default
    when the delivery limits are so wide that the fine grid would cost tens of seconds
    (`rectoplan.mct.design.bounded_grid`)."""

    lower: RingSpec
    upper: RingSpec
    gap_mm: float
    designed: bool
    n_designs: int = 0
    n_candidates: int = 0
    step_mm: float = DesignGrid().step_m / MM

    def magnets(self) -> tuple[RingMagnet, RingMagnet]:
        """The pair in SI, J corrected to 37 degC and for demagnetization (as the API does);
        a value the physics refuses is a `FieldError` on the case's ring."""
        return _planned_ring(0, self.lower), _planned_ring(1, self.upper)

    def describe(self) -> str:
        if self.lower == self.upper:
            return f"{self.lower.describe()} (both rings)"
        return f"lower {self.lower.describe()}; upper {self.upper.describe()}"


def _spec(design: RingDesign) -> RingSpec:
    return RingSpec(
        od_mm=round(design.outer_diameter_m / MM, 6),
        id_mm=round(design.inner_diameter_m / MM, 6),
        height_mm=round(design.height_m / MM, 6),
        grade=design.grade,
    )


def delivery_limits(st: AnastomoticStenosis) -> DeliveryLimits | None:
    """The tightest passage the rings must pass (anus, stoma, endoscope), in metres; None when
    the case gives no maximum outer diameter."""
    lim = st.delivery_limits
    if lim is None:
        return None
    routes = [v for v in (lim.max_od_anus_mm, lim.max_od_stoma_mm, lim.max_od_endoscope_mm) if v]
    if not routes:
        return None
    return DeliveryLimits(min(routes) * MM, lim.min_id_mm * MM, lim.max_height_mm * MM)


_PASSAGES = (
    ("max_od_anus_mm", N_("an anus")),
    ("max_od_stoma_mm", N_("a stoma")),
    ("max_od_endoscope_mm", N_("an endoscope")),
)


def _no_ring_fits(st: AnastomoticStenosis, limits: DeliveryLimits, grid: DesignGrid) -> tuple:
    """The warning when the design search finds no ring: the limit that stops it, in words."""
    lim = st.delivery_limits
    assert lim is not None
    smallest_od = max(grid.min_outer_diameter_m, limits.min_inner_diameter_m + 2 * grid.min_wall_m)
    if limits.max_height_m < grid.min_height_m:
        return (
            "stenosis.delivery_limits.max_height_mm",
            _(
                "no magnetic ring is as short as {height:g} mm: the shortest ring the design "
                "search makes is {shortest:g} mm high"
            ).format(height=lim.max_height_mm, shortest=grid.min_height_m * 1000),
        )
    name, passage = min(
        ((n, p) for n, p in _PASSAGES if getattr(lim, n)), key=lambda item: getattr(lim, item[0])
    )
    if limits.max_outer_diameter_m >= smallest_od:
        return ("stenosis.delivery_limits", _("no ring design fits these delivery limits"))
    return (
        f"stenosis.delivery_limits.{name}",
        _(
            "no magnetic ring fits through {passage} of {mm:g} mm: the smallest usable ring is "
            "{smallest:g} mm across (a {lumen:g} mm lumen and walls of at least {wall:g} mm; "
            "the design search starts at {start:g} mm)"
        ).format(
            passage=_(passage),
            mm=getattr(lim, name),
            smallest=smallest_od * 1000,
            lumen=lim.min_id_mm,
            wall=grid.min_wall_m * 1000,
            start=grid.min_outer_diameter_m * 1000,
        ),
    )


_RING_FIELD = {"outer_diameter_m": "od_mm", "inner_diameter_m": "id_mm", "height_m": "height_mm"}
"""The case's millimetre field of each `RingMagnet` argument (the rest keep their names)."""


def _planned_ring(index: int, ring: RingSpec) -> RingMagnet:
    """A planned ring; a value the physics refuses is a `FieldError` on the case's ring."""
    try:
        return RingMagnet.from_mm(
            ring.od_mm, ring.id_mm, ring.height_mm, ring.grade, polarization_t=ring.polarization_t
        )
    except FieldError as exc:
        field = _RING_FIELD.get(exc.field, exc.field)
        raise exc.renamed(f"stenosis.rings[{index}].{field}") from None


def plan_rings(st: AnastomoticStenosis) -> tuple[RingPlan | None, list[tuple[str, str]]]:
    """The planned pair (recorded on the case) or the designed one, and what is missing.

    Returns the plan and warnings as (field, message); the plan is None when the case gives
    neither rings nor usable delivery limits, or no design fits."""
    if st.rings:
        return RingPlan(st.rings[0], st.rings[-1], st.gap_mm, designed=False), []
    limits = delivery_limits(st)
    if limits is None:
        if st.delivery_limits is not None:
            return None, [
                ("stenosis.delivery_limits", _("give at least one maximum outer diameter"))
            ]
        return None, [
            ("stenosis.rings", _("give a ring pair or delivery limits to plan the magnets"))
        ]
    grid = bounded_grid(limits)
    result = cached_design_rings(limits, planned_gap_m=st.gap_mm * MM, grid=grid)
    if not result.designs:
        return None, [_no_ring_fits(st, limits, grid)]
    best = _spec(max(result.designs, key=lambda d: d.coupling_range_m))
    plan = RingPlan(
        best, best, st.gap_mm, True, len(result.designs), result.n_candidates, grid.step_m / MM
    )
    return plan, []


def _ring_pair(ctx: Context, st: AnastomoticStenosis) -> tuple[RingMagnet, RingMagnet] | None:
    """The planned pair, or the design with the longest rail coupling range that fits."""
    plan, warnings = plan_rings(st)
    for name, message in warnings:
        ctx.warn(name, message)
    if plan is None:
        return None
    if plan.designed:
        ring = plan.lower
        ctx.find(
            "designed_ring",
            _("Designed ring (same on both sides)"),
            f"OD {ring.od_mm:.1f} / ID {ring.id_mm:.1f} / h {ring.height_mm:.1f} mm {ring.grade}",
            _(
                "longest rail coupling range of {designs} Pareto designs from {candidates} "
                "candidates on a {step:g} mm grid"
            ).format(designs=plan.n_designs, candidates=plan.n_candidates, step=plan.step_mm),
            "zhang_mct_rectal",
        )
    return plan.magnets()


def _plan_rings(ctx: Context, st: AnastomoticStenosis) -> CouplingAssessment | None:
    pair = _ring_pair(ctx, st)
    if pair is None:
        return None
    gap = st.gap_mm * MM
    try:
        coupling = assess_coupling(pair[0], pair[1], gap)
    except FieldError as exc:
        ctx.warn("stenosis.length_mm", exc.message)
        return None
    at = (
        _("coaxial, at {mm:g} mm")
        if st.planned_gap_mm is None
        else _("coaxial, at {mm:g} mm (the planned gap)")
    ).format(mm=st.gap_mm)
    ctx.find(
        "mct_force_n",
        _("Ring pull at the planned gap (N)"),
        round(coupling.force_n, 2),
        at,
        *coupling.evidence,
    )
    ctx.find(
        "mct_pressure_kpa",
        _("Contact pressure at the planned gap (kPa)"),
        round(coupling.pressure_kpa, 2),
        _("force / overlap area of the rings"),
        *coupling.evidence,
    )
    ctx.find(
        "mct_coupling_range_mm",
        _("Largest gap that couples on a rail (mm)"),
        round(coupling.max_coupling_gap_m / MM, 1),
        _("directly placed: {mm:.1f} mm").format(mm=coupling.max_direct_gap_m / MM),
        *coupling.evidence,
    )
    ctx.find(
        "mct_verdict",
        _("Coupling verdict"),
        coupling.verdict.value,
        coupling.explanation,
        *coupling.evidence,
    )
    if coupling.borderline:
        ctx.find(
            "mct_borderline",
            _("Coupling verdict is borderline"),
            join_items(assumption_words(name) for name in coupling.borderline),
            coupling.borderline_note(),
            *coupling.evidence,
        )
    ctx.find(
        "mct_discharge_days",
        _("Published ring passage (days)"),
        f"{DISCHARGE_DAYS[0]}-{DISCHARGE_DAYS[1]}",
        _("rectal MCA case reports"),
        *DISCHARGE_EVIDENCE,
    )
    return coupling


def _magnetic(
    ctx: Context, st: AnastomoticStenosis, coupling: CouplingAssessment | None, risks: list[str]
) -> list[Recommendation]:
    """MCT leads when dilatation cannot reach or has failed; the physics picks direct or rail."""
    indicated = (
        bool(_failed_dilatations(st))
        or st.morphology is (StenosisMorphology.complete_occlusion)
        or st.length_mm > ctx.thresholds.stenosis_short_max_mm
    )
    ceiling = Strength.preferred if indicated else Strength.consider
    if st.stoma is StomaStatus.none:
        ceiling = Strength.consider
        risks = [*risks, _("no stoma: the upper ring cannot be delivered from above")]
    why = [_("after failed dilatation") if _failed_dilatations(st) else _morphology(st)]
    if coupling is None:
        return [
            MCT_RAIL.recommend(Strength.consider, [*why, _("ring pair not planned")]),
            MCT_DIRECT.recommend(Strength.consider, [*why, _("ring pair not planned")]),
        ]
    numbers = _("{force:.2f} N and {pressure:.1f} kPa at {gap:g} mm; {verdict}").format(
        force=coupling.force_n,
        pressure=coupling.pressure_kpa,
        gap=st.gap_mm,
        verdict=coupling.verdict.label.lower(),
    )
    if coupling.borderline:
        numbers += f" ({coupling.borderline_note()})"
    direct, rail = {
        Verdict.COUPLES_DIRECTLY: (ceiling, ceiling.at_most(Strength.alternative)),
        Verdict.NEEDS_GUIDEWIRE_RAIL: (Strength.not_recommended, ceiling),
        Verdict.CANNOT_COUPLE: (Strength.not_recommended, Strength.not_recommended),
    }[coupling.verdict]
    rail_steps = follow_up()
    if st.guidewire_passable is False:
        rail = rail.at_most(Strength.consider)
        rail_steps.insert(0, _("The wire must first cross (antegrade-retrograde rendezvous)"))
    else:
        rail_steps.insert(
            0,
            _(
                "Zebra guide wire through the stenosis via the stoma and anus; thread both "
                "rings on it"
            ),
        )
    return [
        MCT_DIRECT.recommend(direct, [*why, numbers, *risks], next_steps=follow_up()),
        MCT_RAIL.recommend(rail, [*why, numbers, *risks], next_steps=rail_steps),
    ]


def _redo(ctx: Context, st: AnastomoticStenosis, coupling) -> Recommendation:
    long = st.length_mm > ctx.thresholds.stenosis_long_min_mm
    cannot = coupling is not None and coupling.verdict is Verdict.CANNOT_COUPLE
    strength = (
        Strength.preferred
        if (long and cannot)
        else (
            Strength.alternative
            if (long or cannot or _failed_dilatations(st) > 1)
            else Strength.consider
        )
    )
    return REDO.recommend(
        strength,
        [
            (
                _("{mm:g} mm segment, rings cannot couple") if cannot else _("{mm:g} mm segment")
            ).format(mm=st.length_mm),
            _("redo anastomosis succeeded in 73% and predicted success (OR 5.1)"),
        ],
    )

"""Published outcome figures as data, and a plain-language comparison of a cohort with them.

An MDT asks "how do we compare?" of figures of two kinds:

* **estimates** from a published cohort (PelvEx 2018: R0 in 55.4% of 1,184 exenterations).
  The cohort is "consistent with", "better than" or "worse than" the estimate. When the
  reference's own counts are known, the verdict comes from the Newcombe hybrid-score interval
  for the difference of two proportions (Newcombe 1998), so a reference from 43 patients is
  not treated as exact; otherwise the reference value is taken as fixed and the cohort's
  Wilson interval decides;
* **thresholds** a unit is expected to reach (the 2024 exenteration benchmarks: R0 >= 77% for
  recurrent disease). A threshold is met or not met on the point estimate, as the benchmark
  itself was defined on centre rates; the explanation says whether the interval also crosses.

Each figure says which way is better (R0 up, complications down), cites its source and
declares its population (`rectoplan.analytics.populations`): a registry is compared only through
the subset that matches, and the comparison reports that subset's n and criteria. Below
`MIN_PATIENTS_FOR_VERDICT` patients the comparison is "too few to compare", shown without a
verdict word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from statsmodels.stats.proportion import confint_proportions_2indep

from rectoplan.analytics.inputs import count_pair
from rectoplan.analytics.populations import Population
from rectoplan.analytics.proportions import check_alpha, wilson
from rectoplan.analytics.verdicts import Verdict
from rectoplan.errors import FieldError
from rectoplan.evidence import cite

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DIFFERENCE_EVIDENCE = cite("newcombe_1998_difference")

MIN_PATIENTS_FOR_VERDICT = 10
"""Fewest patients (or decisions) in the matching subset for a verdict. A convention, not a
sourced value: below it one patient moves a rate by more than 10 percentage points, so a
verdict would flip on a single outcome. The figure is still shown, as "too few to compare".
Configurable per request (``--min-n``, ``?min_n=``)."""


Better = Literal["higher", "lower"]


@dataclass(frozen=True, slots=True)
class Reference:
    """One published figure.

    ``value`` is a fraction for proportions and survival (0.554), or a score (CCI 30.2).
    ``measure`` names what is counted; ``endpoint`` and ``at_years`` say which registry
    Kaplan–Meier curve and time it matches, for survival figures. ``subgroup`` marks figures
    that hold only for part of a cohort (3-year OS after an R0 resection); the part is
    also in ``population`` (its ``r_status``), which is what selects the registry subset.
    """

    id: str
    label: str
    measure: str
    value: float
    better: Better
    evidence: tuple[str, ...]
    population: Population
    kind: Literal["estimate", "threshold"] = "estimate"
    scale: Literal["proportion", "score"] = "proportion"
    k: int | None = None
    n: int | None = None
    published_ci: tuple[float, float] | None = None
    endpoint: str | None = None
    at_years: float | None = None
    subgroup: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        cite(*self.evidence)
        if self.k is not None and self.n is not None:
            count_pair(self.k, self.n)

    @property
    def interval(self) -> tuple[float, float] | None:
        """The published 95% interval, else the Wilson interval of the reference's counts."""
        if self.published_ci is not None:
            return self.published_ci
        if self.k is not None and self.n is not None:
            counted = wilson(self.k, self.n)
            return counted.lower, counted.upper
        return None

    @property
    def statement(self) -> str:
        """The figure as a reader would write it: ``R0 >= 77%`` or ``R0 55.4% (656/1184)``."""
        value = _format(self.value, self.scale)
        if self.kind == "threshold":
            sign = ">=" if self.better == "higher" else "<="
            return f"{sign} {value}"
        counts = f" ({self.k}/{self.n})" if self.k is not None and self.n is not None else ""
        return f"{value}{counts}"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "label": self.label,
            "measure": self.measure,
            "value": self.value,
            "statement": self.statement,
            "kind": self.kind,
            "scale": self.scale,
            "better": self.better,
            "k": self.k,
            "n": self.n,
            "interval": list(self.interval) if self.interval else None,
            "endpoint": self.endpoint,
            "at_years": self.at_years,
            "population": self.population.description,
            "criteria": self.population.criteria(survival=self.endpoint is not None),
            "subgroup": self.subgroup or None,
            "evidence": list(self.evidence),
            "note": self.note or None,
        }


def _format(value: float, scale: str) -> str:
    return f"{value:.1%}" if scale == "proportion" else f"{value:.1f}"


_SEED002 = Population(
    "posterior locally recurrent rectal cancer, laparoscopic sacrectomy",
    setting="recurrence",
    compartments=("posterior",),
    procedures=("sacrectomy",),
    approaches=("laparoscopic",),
    origin="operation",
)
_LRRC_EXENTERATION = Population(
    "locally recurrent rectal cancer, pelvic exenteration",
    setting="recurrence",
    procedures=("exenteration", "sacrectomy"),
    origin="operation",
)
_PELVEX_2018 = Population(
    _LRRC_EXENTERATION.description,
    setting="recurrence",
    procedures=("exenteration", "sacrectomy"),
    origin="operation",
    period="2004-14",
)
_LARC_EXENTERATION = Population(
    "locally advanced primary rectal cancer, pelvic exenteration",
    setting="primary",
    procedures=("exenteration",),
    origin="operation",
)
_OPRA = Population(
    "stage II-III rectal adenocarcinoma after total neoadjuvant therapy (OPRA)",
    setting="primary",
    neoadjuvant=("tnt",),
)
_WATCH_AND_WAIT = Population(
    "clinical complete responders on watch-and-wait, International Watch & Wait Database",
    setting="primary",
    watch_and_wait=True,
)
_MDT_DECISIONS = "MDT decisions"


def _decisions(description: str, period: str = "") -> Population:
    return Population(description, unit="decisions", period=period)


def _brown_2024(disease: str, population: Population, figures: dict[str, float]) -> list[Reference]:
    """The 2024 benchmark thresholds (75th percentile of 16 centres' low-risk cohorts)."""
    rows = [
        ("major_complications", "Major complications", "lower", "proportion"),
        ("cci", "Comprehensive Complication Index", "lower", "score"),
        ("mortality_30d", "30-day mortality", "lower", "proportion"),
        ("mortality_90d", "90-day mortality", "lower", "proportion"),
        ("r0", "R0 resection", "higher", "proportion"),
    ]
    return [
        Reference(
            id=f"exenteration_benchmarks_2024.{disease}.{measure}",
            label=f"{label}, {disease.upper()} exenteration benchmark (Brown 2024)",
            measure=measure,
            value=figures[measure],
            better=better,
            kind="threshold",
            scale=scale,
            evidence=cite("exenteration_benchmarks_2024"),
            population=population,
        )
        for measure, label, better, scale in rows
    ]


REFERENCES: tuple[Reference, ...] = (
    Reference(
        id="seed002.r0",
        label="R0, laparoscopic sacrectomy for posterior LRRC (seed 002)",
        measure="r0",
        value=37 / 43,
        k=37,
        n=43,
        better="higher",
        evidence=cite("seed002_lap_sacrectomy"),
        population=_SEED002,
        note="86% of 43 printed; 37/43 derived.",
    ),
    Reference(
        id="seed002.os_5y",
        label="5-year overall survival, laparoscopic sacrectomy for LRRC (seed 002)",
        measure="overall_survival",
        value=0.59,
        n=43,
        better="higher",
        endpoint="overall",
        at_years=5,
        evidence=cite("seed002_lap_sacrectomy"),
        population=_SEED002,
        note="'Approximately 59%' in the abstract; no interval published.",
    ),
    Reference(
        id="pelvex_2018.r0",
        label="R0, LRRC exenteration (PelvEx 2018)",
        measure="r0",
        value=656 / 1184,
        k=656,
        n=1184,
        better="higher",
        evidence=cite("pelvex_2018"),
        population=_PELVEX_2018,
        note="55.4% printed; 656/1184 derived.",
    ),
    *(
        Reference(
            id=f"pelvex_2018.os_3y_{status.lower()}",
            label=f"3-year overall survival after {status} resection of LRRC (PelvEx 2018)",
            measure="overall_survival",
            value=value,
            better="higher",
            endpoint="overall",
            at_years=3,
            subgroup=status,
            evidence=cite("pelvex_2018"),
            population=Population(
                f"{_PELVEX_2018.description}, {status} resection",
                setting="recurrence",
                procedures=_PELVEX_2018.procedures,
                r_status=(status,),
                origin="operation",
                period=_PELVEX_2018.period,
            ),
        )
        for status, value in (("R0", 0.481), ("R1", 0.339), ("R2", 0.15))
    ),
    Reference(
        id="pelvex_2018.mortality_30d",
        label="30-day mortality, LRRC exenteration (PelvEx 2018)",
        measure="mortality_30d",
        value=0.018,
        better="lower",
        evidence=cite("pelvex_2018"),
        population=_PELVEX_2018,
    ),
    Reference(
        id="pelvex_2018.major_complications",
        label="Major complications, LRRC exenteration (PelvEx 2018)",
        measure="major_complications",
        value=0.321,
        better="lower",
        evidence=cite("pelvex_2018"),
        population=_PELVEX_2018,
    ),
    Reference(
        id="pelvex_2019.larc_r0_high_volume",
        label="R0, LARC exenteration in high-volume centres, latest period (PelvEx 2019)",
        measure="r0",
        value=0.884,
        better="higher",
        evidence=cite("pelvex_2019"),
        population=_LARC_EXENTERATION,
        note="Rose from 83.5%; counts per period not retrieved.",
    ),
    Reference(
        id="pelvex_2019.larc_r0_low_volume",
        label="R0, LARC exenteration in low-volume centres, latest period (PelvEx 2019)",
        measure="r0",
        value=0.80,
        better="higher",
        evidence=cite("pelvex_2019"),
        population=_LARC_EXENTERATION,
        note="Rose from 62.5%; counts per period not retrieved.",
    ),
    *_brown_2024(
        "larc",
        _LARC_EXENTERATION,
        {
            "major_complications": 0.44,
            "cci": 30.2,
            "mortality_30d": 0.0,
            "mortality_90d": 0.043,
            "r0": 0.79,
        },
    ),
    *_brown_2024(
        "lrrc",
        _LRRC_EXENTERATION,
        {
            "major_complications": 0.53,
            "cci": 34.1,
            "mortality_30d": 0.0,
            "mortality_90d": 0.06,
            "r0": 0.77,
        },
    ),
    *(
        Reference(
            id=f"{source}.tme_free_{years}y_{arm}",
            label=f"{years}-year TME-free survival, {arm_label} (OPRA)",
            measure="tme_free_survival",
            value=value,
            better="higher",
            endpoint="tme_free",
            at_years=years,
            evidence=cite(source),
            population=_OPRA,
        )
        for source, years, arm, arm_label, value in (
            ("opra_2022", 3, "induction", "induction chemotherapy then CRT", 0.41),
            ("opra_2022", 3, "consolidation", "CRT then consolidation chemotherapy", 0.53),
            ("opra_2024", 5, "induction", "induction chemotherapy then CRT", 0.39),
            ("opra_2024", 5, "consolidation", "CRT then consolidation chemotherapy", 0.54),
        )
    ),
    *(
        Reference(
            id=f"opra_2024.regrowth_{arm}",
            label=f"Local regrowth among watch-and-wait patients, {arm_label} (OPRA)",
            measure="local_regrowth",
            value=value,
            better="lower",
            evidence=cite("opra_2024"),
            population=Population(
                _OPRA.description + ", watch-and-wait",
                setting="primary",
                neoadjuvant=_OPRA.neoadjuvant,
                watch_and_wait=True,
            ),
            note="94% of regrowths within 2 years, 99% within 3.",
        )
        for arm, arm_label, value in (
            ("induction", "induction chemotherapy then CRT", 0.44),
            ("consolidation", "CRT then consolidation chemotherapy", 0.29),
        )
    ),
    Reference(
        id="iwwd_2018.regrowth_2y",
        label="2-year local regrowth after clinical complete response (IWWD)",
        measure="local_regrowth",
        value=0.252,
        n=880,
        better="lower",
        at_years=2,
        evidence=cite("iwwd_2018"),
        population=_WATCH_AND_WAIT,
        note="Cumulative incidence; 88% of regrowths in the first 2 years.",
    ),
    Reference(
        id="iknl_2022.concordance",
        label="MDT concordant with guideline decision trees (IKNL / Oncoguide 2022)",
        measure="concordance",
        value=249 / 296,
        k=249,
        n=296,
        better="higher",
        evidence=cite("iknl_decision_trees"),
        population=_decisions(
            "breast, colorectal and prostate cancer MDT decisions with complete data"
        ),
        note="Fully concordant only; 24 more (8.1%) were conditionally concordant.",
    ),
    Reference(
        id="german_ccc_2023.adherence",
        label="Tumour-board recommendations implemented (bicentric German CCC 2023)",
        measure="adherence",
        value=872 / 949,
        k=872,
        n=949,
        published_ci=(0.90, 0.935),
        better="higher",
        evidence=cite("german_ccc_adherence"),
        population=_decisions("8 tumour boards at 2 comprehensive cancer centres", "2018-21"),
        note="Implementation of the board's decision, not agreement with a guideline engine; "
        "91.9% printed, 872/949 derived.",
    ),
    Reference(
        id="bonn_2025.implemented",
        label="Tumour-board recommendations fully or partially implemented (Bonn 2025)",
        measure="adherence",
        value=0.842,
        n=13050,
        better="higher",
        evidence=cite("bonn_tumour_boards"),
        population=_decisions("10 tumour boards, University Hospital Bonn", "2014-16"),
        note="68.1% fully + 16.1% partially implemented; implementation, not guideline "
        "concordance.",
    ),
)

_BY_ID = {ref.id: ref for ref in REFERENCES}
if len(_BY_ID) != len(REFERENCES):  # pragma: no cover - a data-entry error
    raise RuntimeError("duplicate benchmark reference id")


def reference(reference_id: str) -> Reference:
    """The reference with this id; a `FieldError` naming the known ids otherwise."""
    try:
        return _BY_ID[reference_id]
    except KeyError:
        raise FieldError(
            "reference", f"{reference_id!r} is not a benchmark id (see `benchmark --list`)"
        ) from None


def references_for(measure: str, *, include_subgroups: bool = False) -> tuple[Reference, ...]:
    """Every reference for ``measure`` (subgroup figures only on request)."""
    return tuple(
        ref
        for ref in REFERENCES
        if ref.measure == measure and (include_subgroups or not ref.subgroup)
    )


# --- comparison ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """A cohort figure set against one reference, with the verdict and why.

    ``subset_n`` and ``criteria`` say which registry patients were compared (the part that
    matches the reference's population); ``estimate`` is ``None`` when none match.
    """

    reference: Reference
    estimate: float | None
    lower: float | None
    upper: float | None
    n: int
    verdict: Verdict
    explanation: str
    k: int | None = None
    method: str = "wilson"
    difference: tuple[float, float, float] | None = None
    alpha: float = 0.05
    evidence: tuple[str, ...] = field(default=())
    subset_n: int | None = None
    criteria: tuple[str, ...] = ()

    @property
    def has_verdict(self) -> bool:
        return self.verdict.is_verdict

    def to_dict(self) -> dict:
        return {
            "reference": self.reference.to_dict(),
            "cohort": {
                "subset_n": self.n if self.subset_n is None else self.subset_n,
                "criteria": list(self.criteria),
                "k": self.k,
                "n": self.n,
                "estimate": self.estimate,
                "lower": self.lower,
                "upper": self.upper,
                "method": self.method,
                "alpha": self.alpha,
            },
            "difference": (
                dict(zip(("estimate", "lower", "upper"), self.difference, strict=True))
                if self.difference
                else None
            ),
            "verdict": str(self.verdict),
            "explanation": self.explanation,
            "evidence": list(self.evidence),
        }


def _better_side(better: Better, above: bool) -> Verdict:
    return Verdict.BETTER if above == (better == "higher") else Verdict.WORSE


def _cohort_text(estimate, lower, upper, n: int, k: int | None, ref: Reference, n_label: str):
    counts = f"{k}/{n}" if k is not None else f"{n_label}={n}"
    value = _format(estimate, ref.scale)
    if lower is None or upper is None:
        return f"{value} ({counts})"
    return f"{value} ({counts}; CI {_format(lower, ref.scale)} to {_format(upper, ref.scale)})"


def _threshold_verdict(estimate, lower, upper, ref: Reference) -> tuple[Verdict, str]:
    met = estimate >= ref.value if ref.better == "higher" else estimate <= ref.value
    verdict = Verdict.MEETS if met else Verdict.MISSES
    if lower is None or upper is None:
        return verdict, ""
    crosses = lower < ref.value < upper
    return verdict, ("; the interval crosses the threshold" if crosses else "")


def compare_estimate(
    estimate: float,
    lower: float | None,
    upper: float | None,
    n: int,
    ref: Reference | str,
    *,
    k: int | None = None,
    method: str = "wilson",
    alpha: float = 0.05,
    min_patients: int = MIN_PATIENTS_FOR_VERDICT,
    n_label: str = "n",
) -> Comparison:
    """Set any cohort figure with its interval (a Kaplan–Meier S(t), a proportion, a score)
    against ``ref``. An estimate-type reference needs the cohort interval; a threshold does
    not. ``n`` is what the "too few" rule counts: for S(t), pass the number still at risk at
    t and say so in ``n_label``."""
    ref = reference(ref) if isinstance(ref, str) else ref
    if isinstance(n, bool) or int(n) != n or n < 0:
        raise FieldError("n", f"{n!r} is not a number of patients")
    if ref.kind == "estimate" and (lower is None or upper is None):
        raise FieldError("interval", f"{ref.id} is an estimate: give the cohort's interval")
    cohort = _cohort_text(estimate, lower, upper, int(n), k, ref, n_label)
    difference = None
    evidence: tuple[str, ...] = ref.evidence
    if n < min_patients:
        verdict, why = Verdict.TOO_FEW, f" (fewer than {min_patients} patients)"
    elif ref.kind == "threshold":
        verdict, why = _threshold_verdict(estimate, lower, upper, ref)
    elif k is not None and ref.k is not None and ref.n is not None:
        low, high = confint_proportions_2indep(
            k, n, ref.k, ref.n, method="newcomb", compare="diff", alpha=alpha
        )
        difference = (estimate - ref.value, float(low), float(high))
        evidence = evidence + DIFFERENCE_EVIDENCE
        if low <= 0 <= high:
            verdict = Verdict.CONSISTENT
        else:
            verdict = _better_side(ref.better, above=low > 0)
        why = f"; difference {difference[0]:+.1%} (Newcombe CI {low:+.1%} to {high:+.1%})"
    elif lower <= ref.value <= upper:
        verdict, why = Verdict.CONSISTENT, "; the reference lies inside the cohort's interval"
    else:
        verdict = _better_side(ref.better, above=lower > ref.value)
        why = "; the reference lies outside the cohort's interval"
    if verdict is Verdict.TOO_FEW:
        explanation = f"Cohort {cohort}: too few to compare with {ref.label}, {ref.statement}{why}"
    else:
        explanation = f"Cohort {cohort}: {verdict} {ref.label}, {ref.statement}{why}"
    return Comparison(
        reference=ref,
        estimate=float(estimate),
        lower=None if lower is None else float(lower),
        upper=None if upper is None else float(upper),
        n=int(n),
        k=k,
        verdict=verdict,
        explanation=explanation,
        method=method,
        difference=difference,
        alpha=alpha,
        evidence=evidence,
    )


def nothing_to_compare(
    ref: Reference | str, *, min_patients: int = MIN_PATIENTS_FOR_VERDICT, alpha: float = 0.05
) -> Comparison:
    """The comparison when no registry patient matches the reference's population."""
    ref = reference(ref) if isinstance(ref, str) else ref
    return Comparison(
        reference=ref,
        estimate=None,
        lower=None,
        upper=None,
        n=0,
        verdict=Verdict.TOO_FEW,
        explanation=f"No patient matches: too few to compare with {ref.label}, {ref.statement} "
        f"(fewer than {min_patients} patients)",
        alpha=alpha,
        evidence=ref.evidence,
    )


def compare(
    cohort_k: int,
    cohort_n: int,
    ref: Reference | str,
    *,
    alpha: float = 0.05,
    min_patients: int = MIN_PATIENTS_FOR_VERDICT,
) -> Comparison:
    """``cohort_k`` of ``cohort_n`` patients (with its Wilson interval) against ``ref``."""
    ref = reference(ref) if isinstance(ref, str) else ref
    if ref.scale != "proportion":
        raise FieldError("reference", f"{ref.id} is a {ref.scale}, not a proportion")
    alpha = check_alpha(alpha)
    cohort = wilson(cohort_k, cohort_n, alpha=alpha)
    return compare_estimate(
        cohort.estimate,
        cohort.lower,
        cohort.upper,
        cohort.n,
        ref,
        k=cohort.k,
        alpha=alpha,
        min_patients=min_patients,
    )


def comparisons_figure(
    comparisons: Iterable[Comparison], path: str | None = None, **options
) -> Figure:
    """Forest plot: each cohort figure with its interval, each reference marked on its row."""
    from rectoplan.analytics import plots

    return plots.benchmark_figure(list(comparisons), path=path, **options)

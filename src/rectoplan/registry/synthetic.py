"""A seeded generator of realistic synthetic rectal-cancer episodes for a demo registry.

Each record is in the registry's import format (patient, case, decisions), so the demo goes
through the same validated import path as real data. Everything that happened to the patient
is in the case, as in any episode (operations, complications, the recurrence, follow-up
events); the registry's tables are its projection.
The case mix follows the domain notes where they give a figure (dMMR 5-10%, MDT concordance
84%, deviation reasons medical 45% / patient wish 35% / unknown 20%, OPRA cCR and regrowth,
CR07 CRM positivity); outcome hazards are demo assumptions, named in `DemoAssumptions`, not
clinical claims. Same seed, same cohort.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from rectoplan.clinical.case import Case
from rectoplan.registry.records import canonical_assessment


@dataclass(frozen=True)
class DemoAssumptions:
    """Rates used to draw a demo cohort; sourced where the domain notes give one."""

    dmmr_rate: float = 0.07  # ASCRS: dMMR is about 5-10% of rectal cancers
    metastatic_rate: float = 0.12  # demo assumption
    wants_organ_preservation_rate: float = 0.4  # demo assumption
    concordance_rate: float = 0.84  # IKNL decision trees: 84.1% concordant
    ccr_after_tnt_rate: float = 0.35  # demo assumption, OPRA-like
    regrowth_2y_rate: float = 0.252  # IWWD 2018: 2-year local regrowth 25.2%
    crm_positive_rate: float = 0.11  # MRC CR07: CRM+ 11%
    five_year_os_by_stage: tuple[tuple[str, float], ...] = (
        ("I", 0.90),  # demo assumption
        ("II", 0.80),  # demo assumption
        ("III", 0.70),  # demo assumption (PRODIGE 23 7-y OS 76-82% for II/III)
        ("IV", 0.15),  # demo assumption
    )
    complication_rate: float = 0.35  # demo assumption (MRC CR07-era TME morbidity order)
    complication_grades: tuple[tuple[str, float], ...] = (
        # demo assumption; the 2024 benchmark allows <= 44-53% major (>= IIIa) after exenteration
        ("I", 0.35),
        ("II", 0.35),
        ("IIIa", 0.1),
        ("IIIb", 0.12),
        ("IVa", 0.08),
    )
    """No grade V: a death belongs in the follow-up events, which the outcome model draws."""
    deviation_codes: tuple[tuple[str, float], ...] = (
        # German CCC: medical 45.4%, patient wish 35.1%, unknown 19.5%
        ("patient-contraindication", 0.20),
        ("risk-benefit-ratio", 0.15),
        ("comorbidity-disability", 0.10),
        ("prefers-alternative", 0.20),
        ("patient-refuses", 0.15),
        ("need-more-info", 0.20),
    )


DEFAULT_ASSUMPTIONS = DemoAssumptions()
_START = dt.date(2018, 1, 1)
_CENSOR = dt.date(2026, 6, 30)


def generate_cohort(
    n: int, seed: int = 2026, assumptions: DemoAssumptions = DEFAULT_ASSUMPTIONS
) -> Iterator[dict]:
    """Yield ``n`` import records; episode ``i`` depends only on ``(seed, i)``."""
    if n < 0:
        raise ValueError("n must not be negative")
    for index in range(n):
        rng = random.Random(f"{seed}:{index}")
        yield _Episode(rng, index, assumptions).record()


class _Episode:
    """One synthetic patient journey: diagnosis, treatment, decision and outcome events."""

    def __init__(self, rng: random.Random, index: int, a: DemoAssumptions) -> None:
        self.rng, self.index, self.a = rng, index, a
        self.diagnosed = _START + dt.timedelta(days=rng.randrange((_CENSOR - _START).days - 120))
        self.events: list[dict] = []
        self.complications: list[dict] = []

    def record(self) -> dict:
        case = self._case()
        assessment = canonical_assessment(Case.model_validate(case))
        decision = self._decision(assessment)
        self._outcome(case, assessment)
        if self.complications:
            case["complications"] = self.complications
        if self.events:
            case["follow_up"] = self.events
        return {
            "patient": {
                "pseudonym": f"DEMO-{self.index:07d}",
                "sex": case["patient"]["sex"],
                "birth_year": self.diagnosed.year - case["patient"]["age_years"],
            },
            "case": case,
            "decisions": [decision],
        }

    # --- the case at diagnosis, then the later phases ----------------------------------------

    def _case(self) -> dict:
        rng, a = self.rng, self.a
        t = rng.choices(["T1", "T2", "T3", "T4a", "T4b"], [8, 20, 55, 7, 10])[0]
        n = rng.choices(["N0", "N1a", "N1b", "N2a", "N2b"], [40, 20, 15, 15, 10])[0]
        case: dict = {
            "case_id": f"demo-{self.index:07d}",
            "diagnosis_date": self.diagnosed.isoformat(),
            "patient": {
                "age_years": int(min(90, max(30, rng.gauss(64, 11)))),
                "sex": rng.choices(["male", "female"], [60, 40])[0],
                "ecog": rng.choices([0, 1, 2], [60, 30, 10])[0],
                "fit_for_chemotherapy": rng.random() > 0.08,
                "wants_organ_preservation": rng.random() < a.wants_organ_preservation_rate,
            },
            "tumour": {
                "distance_from_anal_verge_cm": round(rng.uniform(1.0, 14.5), 1),
                "longest_diameter_cm": round(rng.uniform(1.0, 7.0), 1),
                "circumferential_extent_pct": rng.choice([20, 30, 50, 75, 100]),
                "grade": rng.choices(["G1", "G2", "G3"], [15, 70, 15])[0],
                "mmr_status": "dMMR" if rng.random() < a.dmmr_rate else "pMMR",
                "mobile": t in ("T1", "T2"),
                "submucosal_depth": rng.choice(["sm1", "sm2", "sm3"]) if t == "T1" else None,
                "biopsy_lvi": False,
                "biopsy_pni": False,
            },
            "mri": {
                "ct": t,
                "extramural_depth_mm": round(rng.expovariate(1 / 5), 1) if t == "T3" else None,
                "cn": n,
                "mrf_distance_mm": round(rng.lognormvariate(1.2, 0.9), 1),
                "emvi": rng.random() < 0.25,
                "distance_to_anorectal_ring_mm": round(rng.uniform(0, 40), 1),
                "internal_sphincter_invaded": rng.random() < 0.05,
                "external_sphincter_invaded": rng.random() < 0.03,
            },
            "distant": {"sites": self._metastases()},
        }
        if t in ("T1", "T2"):
            case["mri"]["extramural_depth_mm"] = None
        self._later_phases(case)
        return case

    def _metastases(self) -> list[str]:
        if self.rng.random() >= self.a.metastatic_rate:
            return []
        sites = ["liver", "lung", "peritoneum", "non_regional_node"]
        return self.rng.sample(sites, self.rng.choices([1, 2], [75, 25])[0])

    def _later_phases(self, case: dict) -> None:
        """Most episodes have moved on: neoadjuvant therapy, restaging and an operation."""
        rng = self.rng
        stage_progress = rng.choices(["diagnosis", "restaging", "operated"], [25, 20, 55])[0]
        if stage_progress == "diagnosis" or case["distant"]["sites"]:
            return
        neo = case["mri"]["ct"] in ("T3", "T4a", "T4b") or case["mri"]["cn"] != "N0"
        start = self.diagnosed + dt.timedelta(days=rng.randint(14, 35))
        if neo:
            end = start + dt.timedelta(days=35)
            case["neoadjuvant"] = {
                "radiotherapy": {
                    "total_dose_gy": 50.0,
                    "fractions": 25,
                    "concurrent_chemotherapy": "capecitabine",
                    "start_date": start.isoformat(),
                    "end_date": end.isoformat(),
                }
            }
            restaged = end + dt.timedelta(days=rng.randint(42, 70))
            ccr = rng.random() < self.a.ccr_after_tnt_rate
            case["restaging"] = {
                "date": restaged.isoformat(),
                "endoscopy": "flat_white_scar" if ccr else "visible_tumour",
                "dre": "normal" if ccr else "palpable_tumour",
                "mri_t2": "dark_only" if ccr else "intermediate",
                "mri_dwi": "no_visible_tumour" if ccr else "little_regression",
                "residual_size_cm": 0.0 if ccr else round(rng.uniform(0.8, 4.0), 1),
            }
            surgery_day = restaged + dt.timedelta(days=rng.randint(14, 42))
            if ccr or stage_progress == "restaging":
                return
        else:
            surgery_day = start
        self._operation(case, surgery_day)

    def _operation(self, case: dict, day: dt.date) -> None:
        rng = self.rng
        low = case["tumour"]["distance_from_anal_verge_cm"] < 5
        kind = rng.choice(["apr", "isr_partial"]) if low else "lar"
        case["operations"] = [{"type": kind, "date": day.isoformat(), "approach": "laparoscopic"}]
        positive = rng.choices([0, 1, 2, 5, 8], [55, 15, 12, 10, 8])[0]
        crm = (
            round(rng.uniform(0.0, 1.0), 1)
            if rng.random() < self.a.crm_positive_rate
            else (round(rng.uniform(1.5, 15.0), 1))
        )
        case["pathology"] = {
            "specimen": kind,
            "t": ("yp" if "neoadjuvant" in case else "p") + rng.choice(["T1", "T2", "T3"]),
            "nodes_examined": rng.randint(8, 25),
            "nodes_positive": positive,
            "crm_distance_mm": crm,
            "distal_margin_mm": round(rng.uniform(8, 40), 0),
            "tme_grade": rng.choices(
                ["mesorectal", "intramesorectal", "muscularis_propria"], [52, 34, 13]
            )[0],
        }
        case["pathology"]["nodes_examined"] = max(positive, case["pathology"]["nodes_examined"])
        if rng.random() < self.a.complication_rate:
            grades, weights = zip(*self.a.complication_grades, strict=True)
            self.complications.append(
                {
                    "clavien_dindo": rng.choices(grades, weights)[0],
                    "description": "post-operative complication (synthetic)",
                    "date": (day + dt.timedelta(days=rng.randint(1, 20))).isoformat(),
                    "operation": 0,
                }
            )

    # --- the MDT decision and what happened afterwards ---------------------------------------

    def _decision(self, assessment) -> dict:
        rng = self.rng
        preferred = [r.id for r in assessment.preferred()]
        others = [r.id for r in assessment.recommendations if r.id not in preferred]
        decided = self.diagnosed + dt.timedelta(days=rng.randint(3, 14))
        self.decided = decided
        follows = rng.random() < self.a.concordance_rate
        codes, weights = zip(*self.a.deviation_codes, strict=True)
        chosen = (
            rng.choice(preferred or others or [None]) if follows else rng.choice(others or [None])
        )
        return {
            "decided_at": dt.datetime.combine(decided, dt.time(14, 0), dt.UTC).isoformat(),
            "chosen_option_id": chosen,
            "deviation_code": None if follows else rng.choices(codes, weights)[0],
            "deviation_note": None,
            "meeting": {"held_on": decided.isoformat(), "title": f"Colorectal MDT {decided}"},
        }

    def _outcome(self, case: dict, assessment) -> None:
        """Death and recurrence from stage-specific exponential hazards; censor at follow-up."""
        rng, a = self.rng, self.a
        stage = assessment.stage.group if assessment.stage else "III"
        five_year = dict(a.five_year_os_by_stage).get(stage.rstrip("ABC"), 0.7)
        hazard = -math.log(five_year) / (5 * 365.25)
        death = self.diagnosed + dt.timedelta(days=rng.expovariate(hazard))
        treated = [c["date"] for c in (*self.complications, *case.get("operations", ()))]
        death = max([death, *(dt.date.fromisoformat(d) + dt.timedelta(days=1) for d in treated)])
        recurrence = self.diagnosed + dt.timedelta(days=rng.expovariate(hazard * 1.3))
        last = min(_CENSOR, self.diagnosed + dt.timedelta(days=rng.randint(90, 8 * 365)))
        if (
            "restaging" in case
            and "pathology" not in case
            and case["restaging"]["endoscopy"] == ("flat_white_scar")
        ):
            regrowth_hazard = -math.log(1 - a.regrowth_2y_rate) / (2 * 365.25)
            regrowth = self.diagnosed + dt.timedelta(days=rng.expovariate(regrowth_hazard))
            tme = regrowth + dt.timedelta(days=30)
            if tme < min(last, death):
                self._event("local_regrowth", regrowth)
                self._event("tme", tme)
        elif "pathology" in case:
            self._event("tme", dt.date.fromisoformat(case["operations"][0]["date"]))
        if self.decided < recurrence < min(last, death) and recurrence <= _CENSOR:
            compartment = rng.choice(["central", "posterior", "lateral", "anterior_below_pr"])
            case["recurrence"] = {"date": recurrence.isoformat(), "compartments": [compartment]}
        if death <= last:
            self._event("death", death)
        else:
            self._event("last_contact", last)

    def _event(self, kind: str, day: dt.date) -> None:
        if day <= _CENSOR:
            self.events.append({"kind": kind, "date": day.isoformat()})

"""Radiotherapy dose arithmetic: BED and EQD2 from the linear-quadratic model, named schedules.

Short-course (5 x 5 Gy) and long-course (45-50.4 Gy in 25-28 fractions) radiotherapy can only be
compared on one scale, so the MDT reads them as biologically effective dose (BED) and the
equivalent dose in 2 Gy fractions (EQD2):

    BED  = n d (1 + d / (alpha/beta))
    EQD2 = BED / (1 + 2 / (alpha/beta))

What the numbers leave out (domain notes §6): no time or repopulation term, so the one week of
short-course and the five and a half weeks of chemoradiation count the same; concurrent
chemotherapy is not modelled; the formulas hold for uniform fractionation only, so a course with
phases of different dose per fraction is summed phase by phase (`course_bed`, `course_eqd2`).

The functions take floats or numpy arrays and broadcast, so a whole dose-per-fraction sweep is one
call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from rectoplan.errors import FieldError
from rectoplan.evidence import cite

ALPHA_BETA_TUMOUR_GY = 10.0
"""Conventional alpha/beta for tumour (early-responding tissue)."""
ALPHA_BETA_LATE_GY = 3.0
"""Conventional alpha/beta for late-responding normal tissue."""
ALPHA_BETA_RECTAL_SUWINSKI_GY = 5.06
"""Rectal-cancer estimate without a time factor (Suwinski 2007; 95% CI -0.1 to 10.3 Gy)."""

ALPHA_BETA_REFERENCE_GY: tuple[float, ...] = (
    ALPHA_BETA_TUMOUR_GY,
    ALPHA_BETA_RECTAL_SUWINSKI_GY,
    ALPHA_BETA_LATE_GY,
)
"""The three values an MDT reads side by side when no single alpha/beta is asked for."""

LQ_EVIDENCE = cite("lq_bed_eqd2")
SUWINSKI_EVIDENCE = cite("suwinski_2007")


def _positive(value: ArrayLike, argument: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise FieldError(argument, f"{value!r} is not a number") from None
    if not np.all(np.isfinite(array)) or np.any(array <= 0):
        raise FieldError(argument, f"must be a finite number > 0, not {value!r}")
    return array


def _fractions(value: ArrayLike) -> np.ndarray:
    array = _positive(value, "fractions")
    if np.any(array != np.floor(array)):
        raise FieldError("fractions", f"must be a whole number, not {value!r}")
    return array


def _result(array: np.ndarray) -> float | np.ndarray:
    return float(array) if array.ndim == 0 else array


def _bed(total_dose_gy: ArrayLike, fractions: ArrayLike, alpha_beta_gy: ArrayLike) -> np.ndarray:
    dose = _positive(total_dose_gy, "total_dose_gy")
    n = _fractions(fractions)
    alpha_beta = _positive(alpha_beta_gy, "alpha_beta_gy")
    with np.errstate(over="ignore", under="ignore"):
        result = dose * (1.0 + (dose / n) / alpha_beta)
    if not np.all(np.isfinite(result)):  # no course is near this; a unit or typing slip
        raise FieldError(
            "total_dose_gy",
            f"{total_dose_gy!r} Gy is too large for the LQ model (its BED overflows); "
            "give the course's total dose in Gy",
        )
    return result


def _bed_to_eqd2(bed_gy: np.ndarray, alpha_beta_gy: ArrayLike) -> np.ndarray:
    return bed_gy / (1.0 + 2.0 / _positive(alpha_beta_gy, "alpha_beta_gy"))


def bed(
    total_dose_gy: ArrayLike, fractions: ArrayLike, alpha_beta_gy: ArrayLike
) -> float | np.ndarray:
    """Biologically effective dose in Gy for ``total_dose_gy`` given in ``fractions`` equal
    fractions; no time factor. Non-positive or non-finite input raises a `FieldError` naming
    the argument."""
    return _result(_bed(total_dose_gy, fractions, alpha_beta_gy))


def eqd2(
    total_dose_gy: ArrayLike, fractions: ArrayLike, alpha_beta_gy: ArrayLike
) -> float | np.ndarray:
    """Equivalent dose in 2 Gy fractions, in Gy; same inputs and caveats as `bed`."""
    return _result(_bed_to_eqd2(_bed(total_dose_gy, fractions, alpha_beta_gy), alpha_beta_gy))


@dataclass(frozen=True, slots=True)
class Schedule:
    """A named fractionation with the trial or guideline that uses it."""

    name: str
    total_dose_gy: float
    fractions: int
    description: str
    evidence: tuple[str, ...]

    @property
    def dose_per_fraction_gy(self) -> float:
        return self.total_dose_gy / self.fractions

    def bed(self, alpha_beta_gy: ArrayLike) -> float | np.ndarray:
        return bed(self.total_dose_gy, self.fractions, alpha_beta_gy)

    def eqd2(self, alpha_beta_gy: ArrayLike) -> float | np.ndarray:
        return eqd2(self.total_dose_gy, self.fractions, alpha_beta_gy)


def _schedules(*schedules: Schedule) -> dict[str, Schedule]:
    return {schedule.name: schedule for schedule in schedules}


SCHEDULES: dict[str, Schedule] = _schedules(
    Schedule(
        "scrt_5x5",
        25.0,
        5,
        "Short-course radiotherapy, 5 x 5 Gy over one week (RAPIDO experimental arm)",
        cite("rapido_2021", "lq_bed_eqd2"),
    ),
    Schedule(
        "crt_45_25",
        45.0,
        25,
        "Long-course chemoradiation, 25 x 1.8 Gy (RAPIDO standard arm option)",
        cite("rapido_2021", "lq_bed_eqd2"),
    ),
    Schedule(
        "crt_50_25",
        50.0,
        25,
        "Long-course chemoradiation, 25 x 2 Gy with capecitabine (PRODIGE 23; RAPIDO standard arm)",
        cite("prodige23_2021", "rapido_2021", "lq_bed_eqd2"),
    ),
    Schedule(
        "crt_50_4_28",
        50.4,
        28,
        "Long-course chemoradiation, 28 x 1.8 Gy over 5.5 weeks (PROSPECT)",
        cite("prospect_2023", "lq_bed_eqd2"),
    ),
    Schedule(
        "crt_54_30",
        54.0,
        30,
        "Long-course chemoradiation, 30 x 1.8 Gy (within OPRA's 50-56 Gy range)",
        cite("opra_2022", "lq_bed_eqd2"),
    ),
)


Phase = Schedule | tuple[float, int]
"""One uniformly fractionated part of a course: a `Schedule` or ``(total_dose_gy, fractions)``."""


def _phase_dose(phase: Phase) -> tuple[float, int]:
    if isinstance(phase, Schedule):
        return phase.total_dose_gy, phase.fractions
    total_dose_gy, fractions = phase
    return total_dose_gy, fractions


def course_bed(phases: Iterable[Phase], alpha_beta_gy: ArrayLike) -> float | np.ndarray:
    """BED of a course given in phases of different dose per fraction (e.g. 45/25 then a
    5.4/3 boost): each phase is computed on its own and the BEDs add."""
    doses = [_phase_dose(phase) for phase in phases]
    if not doses:
        raise FieldError("phases", "give at least one phase")
    return _result(sum(_bed(dose, n, alpha_beta_gy) for dose, n in doses))


def course_eqd2(phases: Iterable[Phase], alpha_beta_gy: ArrayLike) -> float | np.ndarray:
    """EQD2 of a multi-phase course; the sum of the phases' EQD2 values (see `course_bed`)."""
    total = np.asarray(course_bed(phases, alpha_beta_gy))
    return _result(_bed_to_eqd2(total, alpha_beta_gy))

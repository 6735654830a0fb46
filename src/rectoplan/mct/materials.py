"""Sintered NdFeB grades and the step from a datasheet to the polarization of the rigid model.

The force kernels take one number per magnet, the polarization J in tesla. A datasheet gives
the remanence Br at 20 degC; in the body the magnet is warmer and partly demagnetized by its
own field, and each effect costs a few percent of force (force goes as J1*J2):

* temperature: ``Br(T) = Br20 (1 + alpha_Br (T - 20))``; at 37 degC with alpha = -0.12 %/K
  that is -2 % in J and -4 % in force;
* recoil permeability mu_r ~ 1.05: a magnet in its own demagnetizing field settles at
  ``J_eff = Br / (1 + (mu_r - 1) N)`` with N the volume-averaged demagnetizing factor
  (magnet-physics.md section 2.9: within ~1 % of a self-consistent magpylib solve).

`MaterialModel.rigid()` switches both off (the datasheet Br as J, as magpylib or magcode do).
Grade values are the consolidated vendor tables of magnet-physics.md section 5 (GB/T 13560
grading); where vendors disagree the conservative end is stored (lowest HcJ, lowest maximum
working temperature). N38 and N40 are not in those tables and carry an unverified source.
"""

from __future__ import annotations

from dataclasses import dataclass

from rectoplan.errors import FieldError
from rectoplan.evidence import cite

#: Datasheet reference temperature (degC): the vendors' tables are at room temperature.
DATASHEET_TEMPERATURE_C = 20.0

#: Body (core) temperature in degC. Assumption: the rectal lumen is at core temperature.
BODY_TEMPERATURE_C = 37.0

GRADE_EVIDENCE = cite("ndfeb_vendor_tables")
UNVERIFIED_GRADE_EVIDENCE = cite("gbt13560_grades")
TEMPERATURE_EVIDENCE = cite("ndfeb_vendor_tables")
DEMAG_EVIDENCE = cite("magpylib_material_response", "ndfeb_vendor_tables")


@dataclass(frozen=True, slots=True)
class Grade:
    """One sintered NdFeB grade at 20 degC (SI units: T, A/m, J/m^3, degC)."""

    name: str
    br_min_t: float
    br_max_t: float
    br_nominal_t: float
    hcb_min_a_per_m: float
    hcj_min_a_per_m: float
    bh_max_min_j_per_m3: float
    bh_max_max_j_per_m3: float
    max_working_temperature_c: float
    evidence: tuple[str, ...] = GRADE_EVIDENCE


def _grade(name, br_min, br_max, br_nom, hcb_ka, hcj_ka, bh_min, bh_max, t_max, evidence=None):
    return Grade(
        name,
        br_min,
        br_max,
        br_nom,
        hcb_ka * 1e3,
        hcj_ka * 1e3,
        bh_min * 1e3,
        bh_max * 1e3,
        t_max,
        evidence or GRADE_EVIDENCE,
    )


#: Grade name -> `Grade`. Columns: Br min, max, nominal (T); HcB min, HcJ min (kA/m);
#: (BH)max range (kJ/m^3); maximum working temperature at L/D = 0.7 (degC).
GRADES: dict[str, Grade] = {
    g.name: g
    for g in (
        _grade("N35", 1.17, 1.22, 1.195, 868, 955, 263, 287, 80),
        _grade("N38", 1.22, 1.25, 1.235, 899, 955, 287, 310, 80, UNVERIFIED_GRADE_EVIDENCE),
        _grade("N40", 1.25, 1.28, 1.265, 923, 955, 302, 326, 80, UNVERIFIED_GRADE_EVIDENCE),
        _grade("N42", 1.28, 1.32, 1.300, 915, 955, 318, 342, 80),
        _grade("N45", 1.32, 1.37, 1.345, 876, 955, 342, 366, 80),
        _grade("N48", 1.37, 1.42, 1.395, 836, 900, 358, 390, 80),
        _grade("N50", 1.39, 1.44, 1.420, 859, 955, 374, 406, 70),
        _grade("N52", 1.42, 1.46, 1.445, 836, 876, 390, 422, 70),
    )
}


def grade(name: str) -> Grade:
    """The `Grade` called ``name`` (case-insensitive); a `FieldError` on ``grade`` lists the
    known ones."""
    key = name.strip().upper()
    if key not in GRADES:
        known = ", ".join(GRADES)
        raise FieldError("grade", f"unknown NdFeB grade {name!r}; known grades: {known}")
    return GRADES[key]


@dataclass(frozen=True, slots=True)
class MaterialModel:
    """How a datasheet Br becomes the J of the rigid model, and the coercivity at temperature.

    Defaults: body temperature, alpha_Br = -0.12 %/K, mu_r = 1.05 (all ``ndfeb_vendor_tables``),
    alpha_HcJ = -0.76 %/K (the most negative N-grade value in the same tables, because it only
    feeds the demagnetization screen, where the conservative end belongs) and
    ``knee_fraction`` = 0.9. The knee fraction is an assumption: the field at which the
    intrinsic curve leaves its plateau (Hk) is typically >= 0.9 HcJ for sintered NdFeB, but
    no retrieved source fixes it per grade.
    """

    temperature_c: float = BODY_TEMPERATURE_C
    datasheet_temperature_c: float = DATASHEET_TEMPERATURE_C
    alpha_br_per_k: float = -0.0012
    alpha_hcj_per_k: float = -0.0076
    recoil_permeability: float = 1.05
    knee_fraction: float = 0.9

    @classmethod
    def rigid(cls) -> MaterialModel:
        """No temperature and no demagnetization correction: J = datasheet Br."""
        return cls(temperature_c=DATASHEET_TEMPERATURE_C, recoil_permeability=1.0)

    @property
    def is_rigid(self) -> bool:
        return self.temperature_c == self.datasheet_temperature_c and self.recoil_permeability == 1

    def _warming(self) -> float:
        return self.temperature_c - self.datasheet_temperature_c

    def remanence_t(self, br20_t):
        """Br at ``temperature_c`` from the 20 degC value (reversible coefficient only)."""
        return br20_t * (1.0 + self.alpha_br_per_k * self._warming())

    def effective_polarization_t(self, br20_t, demagnetization_factor):
        """J of the rigid model: warmed Br lowered by the recoil response to its own field."""
        susceptibility = self.recoil_permeability - 1.0
        return self.remanence_t(br20_t) / (1.0 + susceptibility * demagnetization_factor)

    def knee_field_a_per_m(self, hcj20_a_per_m):
        """|H| beyond which the magnet loses polarization irreversibly, at ``temperature_c``."""
        return self.knee_fraction * hcj20_a_per_m * (1.0 + self.alpha_hcj_per_k * self._warming())

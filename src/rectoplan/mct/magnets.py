"""`RingMagnet`: one axially magnetized ring or disc, in SI units, validated once.

The object layer above the array kernels (as magpylib's classes sit over ``magpylib.func``):
it checks its own numbers when it is built, so the kernels never have to. Its
``polarization_t`` is the J the rigid model uses; `RingMagnet.from_mm` derives it from a
grade, the body temperature and the ring's own demagnetizing factor
(`rectoplan.mct.materials.MaterialModel`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rectoplan.errors import FieldError
from rectoplan.mct.demag import demagnetization_factor
from rectoplan.mct.materials import MaterialModel
from rectoplan.mct.materials import grade as lookup_grade
from rectoplan.mct.units import MM

#: Largest |J| accepted (T). No permanent magnet exceeds ~1.5 T; the cap catches unit slips
#: (13 for 1.3) rather than encoding any physics.
MAX_POLARIZATION_T = 2.5

#: Largest dimension accepted (m). Surgical rings are millimetres; a 20 here is almost
#: certainly millimetres typed into the SI constructor.
MAX_DIMENSION_M = 1.0


def _check_length(field: str, value: float, *, allow_zero: bool = False) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise FieldError(field, "must be a finite number")
    if value < 0 or (value == 0 and not allow_zero):
        raise FieldError(field, "must be positive" + (" or 0" if allow_zero else ""))
    if value > MAX_DIMENSION_M:
        raise FieldError(field, f"{value} m is too large (millimetres given as metres?)")
    return value


@dataclass(frozen=True, slots=True)
class RingMagnet:
    """An axially polarized ring (``inner_diameter_m == 0``: a disc); SI units throughout.

    ``grade`` records where the polarization came from (for reports); the physics uses only
    the four numbers.
    """

    outer_diameter_m: float
    inner_diameter_m: float
    height_m: float
    polarization_t: float
    grade: str | None = None

    def __post_init__(self) -> None:
        outer = _check_length("outer_diameter_m", self.outer_diameter_m)
        inner = _check_length("inner_diameter_m", self.inner_diameter_m, allow_zero=True)
        height = _check_length("height_m", self.height_m)
        if inner >= outer:
            raise FieldError(
                "inner_diameter_m",
                f"must be smaller than the outer diameter ({inner * 1e3:g} mm >= "
                f"{outer * 1e3:g} mm)",
            )
        polarization = float(self.polarization_t)
        if not math.isfinite(polarization) or abs(polarization) > MAX_POLARIZATION_T:
            raise FieldError(
                "polarization_t", f"must be a finite number of tesla within +/-{MAX_POLARIZATION_T}"
            )
        for name, value in (
            ("outer_diameter_m", outer),
            ("inner_diameter_m", inner),
            ("height_m", height),
            ("polarization_t", polarization),
        ):
            object.__setattr__(self, name, value)

    @classmethod
    def from_mm(
        cls,
        od_mm: float,
        id_mm: float,
        height_mm: float,
        grade: str = "N45",
        *,
        polarization_t: float | None = None,
        material: MaterialModel | None = None,
    ) -> RingMagnet:
        """A ring from millimetres and a grade, with J corrected for body temperature and
        self-demagnetization (``material=MaterialModel.rigid()`` for the datasheet Br).

        ``polarization_t`` replaces the grade's 20 degC remanence (a measured or calibrated
        Br); the corrections of ``material`` still apply to it.
        """
        material = material or MaterialModel()
        shape = cls(od_mm * MM, id_mm * MM, height_mm * MM, 0.0)
        spec = None if polarization_t is not None else lookup_grade(grade)
        br20 = polarization_t if spec is None else spec.br_nominal_t
        factor = demagnetization_factor(shape.inner_radius_m, shape.outer_radius_m, shape.height_m)
        j_eff = float(material.effective_polarization_t(br20, factor))
        label = None if spec is None else spec.name
        return cls(shape.outer_diameter_m, shape.inner_diameter_m, shape.height_m, j_eff, label)

    @property
    def outer_radius_m(self) -> float:
        return 0.5 * self.outer_diameter_m

    @property
    def inner_radius_m(self) -> float:
        return 0.5 * self.inner_diameter_m

    @property
    def is_disc(self) -> bool:
        return self.inner_diameter_m == 0

    @property
    def face_area_m2(self) -> float:
        return math.pi * (self.outer_radius_m**2 - self.inner_radius_m**2)

    @property
    def volume_m3(self) -> float:
        return self.face_area_m2 * self.height_m

    @property
    def demagnetization_factor(self) -> float:
        """Volume-averaged axial demagnetizing factor N of this shape (0 < N < 1)."""
        return float(
            demagnetization_factor(self.inner_radius_m, self.outer_radius_m, self.height_m)
        )

    def with_polarization(self, polarization_t: float) -> RingMagnet:
        """The same shape with another J (for scaling checks and calibrated lots)."""
        return RingMagnet(
            self.outer_diameter_m, self.inner_diameter_m, self.height_m, polarization_t, self.grade
        )

    def describe(self) -> str:
        """``OD20/ID8/h5 mm, N45, J 1.283 T`` (for tables and explanations)."""
        size = (
            f"OD{self.outer_diameter_m * 1e3:g}/ID{self.inner_diameter_m * 1e3:g}/"
            f"h{self.height_m * 1e3:g} mm"
        )
        source = f", {self.grade}" if self.grade else ""
        return f"{size}{source}, J {self.polarization_t:.3f} T"

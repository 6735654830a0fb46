"""RingMagnet: validation names the field; millimetre and grade constructors."""

from __future__ import annotations

import math

import pytest

from rectoplan.errors import FieldError
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.materials import GRADES, MaterialModel


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ((0.0, 0.0, 0.005, 1.3), "outer_diameter_m"),
        ((-0.02, 0.0, 0.005, 1.3), "outer_diameter_m"),
        ((0.02, 0.02, 0.005, 1.3), "inner_diameter_m"),
        ((0.02, 0.03, 0.005, 1.3), "inner_diameter_m"),
        ((0.02, -0.001, 0.005, 1.3), "inner_diameter_m"),
        ((0.02, 0.008, 0.0, 1.3), "height_m"),
        ((0.02, 0.008, math.nan, 1.3), "height_m"),
        ((0.02, 0.008, 0.005, 13.0), "polarization_t"),
        ((20.0, 8.0, 5.0, 1.3), "outer_diameter_m"),  # millimetres typed as metres
    ],
)
def test_invalid_rings_raise_value_error_naming_the_field(arguments, field):
    with pytest.raises(ValueError, match=field) as info:
        RingMagnet(*arguments)
    assert isinstance(info.value, FieldError)
    assert info.value.field == field


def test_disc_and_geometry_properties():
    disc = RingMagnet(0.02, 0.0, 0.005, 1.3)
    assert disc.is_disc
    assert disc.face_area_m2 == pytest.approx(math.pi * 0.01**2)
    ring = RingMagnet(0.02, 0.008, 0.005, 1.3)
    assert ring.face_area_m2 * 1e6 == pytest.approx(264, abs=0.5)  # 264 mm^2 (domain notes)
    assert ring.volume_m3 == pytest.approx(ring.face_area_m2 * 0.005)


def test_from_mm_converts_units_and_applies_the_material_model():
    rigid = RingMagnet.from_mm(20, 8, 5, "N45", material=MaterialModel.rigid())
    assert (rigid.outer_diameter_m, rigid.inner_diameter_m, rigid.height_m) == pytest.approx(
        (0.020, 0.008, 0.005)
    )
    assert rigid.polarization_t == GRADES["N45"].br_nominal_t
    assert rigid.grade == "N45"
    body = RingMagnet.from_mm(20, 8, 5, "n45")
    # 37 degC (x0.980) and recoil with N = 0.549 (x 1/1.0275): about 0.953 of the datasheet.
    assert body.polarization_t / rigid.polarization_t == pytest.approx(0.953, abs=0.002)


def test_explicit_polarization_replaces_the_grade():
    ring = RingMagnet.from_mm(20, 8, 5, "N99", polarization_t=1.2, material=MaterialModel.rigid())
    assert ring.polarization_t == 1.2
    assert ring.grade is None


def test_from_mm_reports_unknown_grades_and_bad_sizes():
    with pytest.raises(FieldError):
        RingMagnet.from_mm(20, 8, 5, "N99")
    with pytest.raises(FieldError, match="inner_diameter_m"):
        RingMagnet.from_mm(20, 25, 5)

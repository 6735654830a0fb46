"""The one ring model (`RingSpec`): its limits, its grades, and that every interface uses it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rectoplan.clinical.case import NdfebGrade, RingSpec
from rectoplan.clinical.case.stenosis import RING_MAX_OD_MM, RING_MIN_DIMENSION_MM
from rectoplan.errors import field_errors
from rectoplan.mct.materials import GRADES


def test_the_grades_are_the_material_tables():
    assert [str(g) for g in NdfebGrade] == list(GRADES)


def test_a_grade_is_read_case_insensitively_and_an_unknown_one_is_refused():
    assert RingSpec(od_mm=20, id_mm=3, height_mm=8, grade=" n50 ").grade is NdfebGrade.N50
    with pytest.raises(ValidationError) as caught:
        RingSpec(od_mm=20, id_mm=3, height_mm=8, grade="N60")
    assert field_errors(caught.value)[0].field == "grade"


def test_the_inner_diameter_below_the_outer_is_named_as_its_own_field():
    with pytest.raises(ValidationError) as caught:
        RingSpec(od_mm=20, id_mm=20, height_mm=8)
    (error,) = field_errors(caught.value, "stenosis.rings[0]")
    assert error.field == "stenosis.rings[0].id_mm"
    assert "below the outer diameter" in error.message


@pytest.mark.parametrize(
    ("field", "value"),
    [("od_mm", RING_MIN_DIMENSION_MM / 2), ("od_mm", RING_MAX_OD_MM + 1), ("height_mm", 0)],
)
def test_sizes_outside_the_limits_are_refused(field, value):
    ring = {"od_mm": 20, "id_mm": 0, "height_mm": 5, field: value}
    with pytest.raises(ValidationError) as caught:
        RingSpec(**ring)
    assert field_errors(caught.value)[0].field == field


def test_every_interface_uses_the_one_ring_model():
    from rectoplan.cli.mct import PlanFile
    from rectoplan.registry.schemas import TreatmentIn
    from rectoplan.web.schemas import RingPair

    assert RingPair.model_fields["lower"].annotation is RingSpec
    assert PlanFile.model_fields["lower"].annotation is RingSpec
    assert RingSpec in TreatmentIn.model_fields["magnet_spec"].annotation.__args__

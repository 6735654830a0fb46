"""Grades and the datasheet-to-J corrections against the domain tables (magnet-physics.md 5)."""

from __future__ import annotations

import math

import pytest

from rectoplan.errors import FieldError
from rectoplan.evidence import lookup
from rectoplan.mct.materials import (
    GRADES,
    MaterialModel,
    grade,
)


def test_every_grade_is_sourced_and_consistent():
    for spec in GRADES.values():
        assert spec.br_min_t < spec.br_nominal_t < spec.br_max_t
        assert spec.bh_max_min_j_per_m3 < spec.bh_max_max_j_per_m3
        assert spec.hcb_min_a_per_m <= spec.hcj_min_a_per_m
        for source in spec.evidence:
            lookup(source)
    assert {"N35", "N42", "N45", "N48", "N50", "N52"} <= set(GRADES)
    assert not lookup(GRADES["N38"].evidence[0]).verified


@pytest.mark.parametrize("name", ["N35", "N42", "N45", "N48", "N50", "N52"])
def test_nominal_remanence_agrees_with_magcodes_grade_shortcut(name):
    # magcode's rule of thumb Br = 2 sqrt(N/100) T (the table's fourth column) is within 1 %.
    shortcut = 2 * math.sqrt(int(name[1:]) / 100)
    assert GRADES[name].br_nominal_t == pytest.approx(shortcut, rel=0.01)


def test_grade_lookup_is_case_insensitive_and_names_unknown_grades():
    assert grade(" n45 ").name == "N45"
    with pytest.raises(FieldError, match="N99") as info:
        grade("N99")
    assert info.value.field == "grade"
    assert "N52" in str(info.value)


def test_body_temperature_costs_two_percent_of_remanence_and_four_of_force():
    # magnet-physics.md 5: Br x 0.980 at 37 degC with -0.12 %/K; force falls to 0.960-0.966.
    model = MaterialModel()
    ratio = model.remanence_t(1.0)
    assert ratio == pytest.approx(0.980, abs=5e-4)
    assert 0.958 <= ratio**2 <= 0.966


def test_recoil_correction_matches_the_self_consistent_solve():
    # magnet-physics.md 2.9: chi = 0.05 with N = 0.549 (OD20/ID8/h5) gave a force ratio of
    # 0.948-0.956 in a self-consistent magpylib-material-response solve.
    model = MaterialModel(temperature_c=20.0)
    force_ratio = model.effective_polarization_t(1.0, 0.549) ** 2
    assert 0.940 <= force_ratio <= 0.956


def test_rigid_model_uses_the_datasheet_value_unchanged():
    rigid = MaterialModel.rigid()
    assert rigid.is_rigid
    assert rigid.effective_polarization_t(1.345, 0.6) == 1.345
    assert not MaterialModel().is_rigid


def test_coercivity_falls_8_to_13_percent_by_body_temperature():
    model = MaterialModel(knee_fraction=1.0)
    assert 0.87 <= model.knee_field_a_per_m(1.0) <= 0.92

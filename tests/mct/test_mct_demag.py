"""Demagnetizing factor and screen: domain tables, an independent Bessel integral, limits."""

from __future__ import annotations

import numpy as np
import pytest

from rectoplan.mct.demag import (
    demagnetization_factor,
    peak_internal_field_per_tesla,
    screen_demagnetization,
)
from rectoplan.mct.field import ring_field_rz
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.materials import GRADES
from rectoplan.mct.reference import bessel_demagnetization_factor

# magnet-physics.md 2.9: volume-averaged axial factors computed with magpylib (3 digits).
TABLE = [
    ((4.0e-3, 10e-3, 5e-3), 0.549),
    ((2.5e-3, 7.5e-3, 3e-3), 0.619),
    ((7.5e-3, 17.5e-3, 10e-3), 0.509),
    ((5.0e-3, 15e-3, 3e-3), 0.747),
    ((0.0, 10e-3, 5e-3), 0.635),
]


@pytest.mark.parametrize(("shape", "expected"), TABLE)
def test_factor_matches_domain_table_and_bessel_integral(shape, expected):
    value = float(demagnetization_factor(*shape))
    assert value == pytest.approx(expected, abs=1e-3)
    assert value == pytest.approx(bessel_demagnetization_factor(*shape), abs=1e-6)


def test_factor_equals_the_volume_average_of_the_internal_field():
    # A third route: N = -<H_z>/M over the volume, from the field function (cylinder L = D).
    x, w = np.polynomial.legendre.leggauss(120)
    r, z = 0.5 * (x + 1), 0.5 * (x + 1)  # quarter cross-section: r in [0, 1], z in [0, 1]
    rr, zz = np.meshgrid(r, z, indexing="ij")
    _, b_z = ring_field_rz(0.0, 1.0, 2.0, 1.0, rr, zz)
    weights = np.outer(0.5 * w * r * 2 * np.pi, 0.5 * w)
    volume_average = -np.sum(weights * (b_z - 1.0)) / np.pi
    assert float(demagnetization_factor(0.0, 1.0, 2.0)) == pytest.approx(volume_average, abs=1e-6)


def test_factor_limits_thin_plate_and_long_rod():
    plate, cube_like, rod, long_rod = demagnetization_factor(0.0, 0.05, [1e-5, 0.1, 1.0, 5.0])
    assert plate > 0.999
    assert plate > cube_like > rod > long_rod > 0
    assert long_rod < 0.01
    grid = demagnetization_factor(np.array([0.0, 0.004]), 0.01, np.array([[2e-3], [8e-3]]))
    assert grid.shape == (2, 2)
    assert np.all(grid[0] > grid[1])  # taller rings demagnetize less


def test_screen_reproduces_the_sampled_range_of_the_domain_notes():
    # magnet-physics.md 2.9: "worst sampled internal |H| ... Br = 1.45 T is 760-970 kA/m".
    shapes = np.array([shape for shape, _ in TABLE])
    field = 1.45 * peak_internal_field_per_tesla(*shapes.T) / 1e3
    assert np.all((field > 750) & (field < 975))


def test_screen_flags_thin_high_grade_rings_and_passes_ordinary_ones():
    def screen(od, id_, h, name):
        ring = RingMagnet.from_mm(od, id_, h, name)
        return screen_demagnetization(
            ring.inner_radius_m,
            ring.outer_radius_m,
            ring.height_m,
            ring.polarization_t,
            GRADES[name],
        )

    thin_n52 = screen(30, 10, 3, "N52")
    assert thin_n52.at_risk and thin_n52.margin < 0.9
    assert "at risk" in thin_n52.explain()
    ordinary = screen(20, 8, 5, "N35")
    assert not ordinary.at_risk
    assert screen(20, 8, 5, "N52").margin < ordinary.margin

"""The ring field against magpylib's independent implementation and the solenoid axis formula."""

from __future__ import annotations

import numpy as np
import pytest

from rectoplan.mct.field import ring_field

magpylib = pytest.importorskip("magpylib")

INNER, OUTER, HEIGHT, J = 0.004, 0.010, 0.005, 1.3


def _magpylib_ring_field(points):
    def cylinder(radius):
        return magpylib.func.cylinder_field(
            "B", points, dimensions=[(2 * radius, HEIGHT)], polarizations=[(0, 0, J)]
        )

    return cylinder(OUTER) - cylinder(INNER)


def test_ring_field_matches_magpylib_everywhere_including_awkward_points():
    rng = np.random.default_rng(3)
    points = rng.uniform(-0.03, 0.03, (4000, 3))
    awkward = np.array(
        [
            [OUTER, 0, 0.004],  # on the outer radius, above the magnet
            [0, OUTER, -0.01],
            [OUTER * (1 + 1e-9), 0, 0.003],
            [INNER, 0, 0.003],  # on the bore radius
            [0, 0, 0.0],  # centre of the bore
            [0, 0, 0.01],  # on the axis
            [0.007, 0.0, 0.0025],  # on the top face, inside the wall
        ]
    )
    points = np.vstack([points, awkward])
    ours = ring_field(INNER, OUTER, HEIGHT, J, points)
    reference = _magpylib_ring_field(points)
    scale = np.maximum(np.linalg.norm(reference, axis=1), 1e-3)
    assert np.max(np.abs(ours - reference).max(axis=1) / scale) < 1e-10


def test_on_axis_field_is_the_solenoid_formula():
    # B_z(0, z) of a disc of radius a: (J/2)[(z+h/2)/sqrt((z+h/2)^2+a^2) - (z-h/2)/sqrt(...)].
    z = np.linspace(-0.02, 0.02, 41)

    def axis(a):
        up, down = z + HEIGHT / 2, z - HEIGHT / 2
        return 0.5 * J * (up / np.hypot(up, a) - down / np.hypot(down, a))

    points = np.column_stack([np.zeros_like(z), np.zeros_like(z), z])
    field = ring_field(INNER, OUTER, HEIGHT, J, points)
    np.testing.assert_allclose(field[:, 2], axis(OUTER) - axis(INNER), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(field[:, :2], 0.0, atol=1e-15)


def test_field_of_a_long_rod_at_its_face_centre_is_half_the_polarization():
    # A semi-infinite uniformly polarized rod has B = J/2 on its end face (half the flux
    # of the inside leaves through the face): an analytic limit independent of both codes.
    long = 2.0  # metres: 200 radii
    b = ring_field(0.0, 0.01, long, J, np.array([[0.0, 0.0, long / 2]]))
    assert b[0, 2] == pytest.approx(J / 2, rel=1e-4)

"""Offset and tilt: the quadrature against the closed form, the Bessel integral and getFT.

Three independent routes meet here: the coaxial closed form (zero offset and tilt), the
Fourier-Bessel integral of the charge model (parallel offsets), and magpylib's meshed
``getFT`` (tilts; it shares nothing with the quadrature but the physics).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rectoplan.mct.force import axial_force
from rectoplan.mct.pose import pose_force, pose_reaction
from rectoplan.mct.reference import REFERENCE_PAIRS, RING_A, bessel_force


@pytest.mark.parametrize("name", sorted(REFERENCE_PAIRS))
def test_coaxial_quadrature_equals_the_closed_form_down_to_contact(name):
    lower, upper = REFERENCE_PAIRS[name]
    for gap in (0.0, 1e-6, 1e-4, 5e-4, 2e-3, 1e-2, 3e-2):
        force, torque = pose_force(lower, upper, gap)
        assert -force[2] == pytest.approx(float(axial_force(lower, upper, gap)), rel=1e-8)
        assert np.all(np.abs(force[:2]) <= 1e-9 * abs(force[2]))
        assert np.all(torque == pytest.approx(0.0, abs=1e-12))


def test_a_nanometre_offset_gives_the_coaxial_force():
    # magcode testcyl02.m: a 1e-9 m lateral offset reproduces the coaxial value. This runs
    # the general (non-axisymmetric) quadrature rule, not the coaxial one.
    for gap in (5e-4, 2e-3, 1e-2):
        force, _ = pose_force(RING_A, RING_A, gap, offset_m=1e-9)
        assert -force[2] == pytest.approx(float(axial_force(RING_A, RING_A, gap)), rel=1e-8)


@pytest.mark.parametrize("name", ["equal", "unequal", "disc"])
def test_lateral_offsets_agree_with_the_bessel_integral(name):
    lower, upper = REFERENCE_PAIRS[name]
    for gap in (1e-3, 5e-3):
        offsets = np.array([1e-3, 5e-3, 1e-2])
        forces, torques = pose_force(lower, upper, gap, offsets)
        for offset, force, torque in zip(offsets, forces, torques, strict=True):
            axial, radial = bessel_force(lower, upper, gap, offset)
            assert -force[2] == pytest.approx(axial, rel=1e-6)
            assert force[0] == pytest.approx(radial, rel=1e-6, abs=1e-6 * abs(axial))
            assert abs(force[1]) <= 1e-9 * abs(axial)
            assert abs(torque[0]) <= 1e-9 and abs(torque[2]) <= 1e-9


def test_an_offset_ring_is_pulled_back_toward_the_axis():
    force, _ = pose_force(RING_A, RING_A, 5e-3, offset_m=np.array([2e-3, -2e-3]))
    assert force[0, 0] < 0 < force[1, 0]
    assert force[0, 0] == pytest.approx(-force[1, 0], rel=1e-12)


def _magpylib_pose(magpylib, gap, offset, tilt, meshing):
    from scipy.spatial.transform import Rotation

    def ring(position, orientation=None):
        return magpylib.magnet.CylinderSegment(
            position=position,
            orientation=orientation,
            dimension=(RING_A.inner_radius_m, RING_A.outer_radius_m, RING_A.height_m, 0, 360),
            polarization=(0, 0, RING_A.polarization_t),
        )

    rotation = Rotation.from_rotvec([tilt, 0, 0])
    centroid = np.array([offset, 0.0, gap]) + 0.5 * RING_A.height_m * rotation.apply([0, 0, 1])
    lower = ring((0, 0, -0.5 * RING_A.height_m))
    return magpylib.getFT(lower, ring(centroid, rotation), meshing=meshing, pivot="centroid")


@pytest.mark.parametrize(("offset_mm", "tilt_deg"), [(0, 10), (5, 0), (3, 10), (5, 10), (2, 5)])
def test_offset_and_tilt_agree_with_magpylib_getft(offset_mm, tilt_deg):
    magpylib = pytest.importorskip("magpylib")
    gap, offset, tilt = 5e-3, offset_mm * 1e-3, math.radians(tilt_deg)
    force, torque = pose_force(RING_A, RING_A, gap, offset, tilt)
    f_ref, t_ref = _magpylib_pose(magpylib, gap, offset, tilt, meshing=10_000)
    assert np.max(np.abs(force - f_ref)) <= 1e-3 * np.linalg.norm(f_ref)
    assert np.max(np.abs(torque - t_ref)) <= 1e-3 * np.linalg.norm(t_ref)


@pytest.mark.parametrize(
    ("gap", "offset", "tilt_deg"), [(5e-3, 0.0, 10), (5e-3, 3e-3, 10), (2e-3, 2e-3, 5)]
)
def test_newtons_third_law(gap, offset, tilt_deg):
    # The reaction is integrated over the *lower* ring's faces in the upper ring's field.
    lower, upper = REFERENCE_PAIRS["unequal"]
    tilt = math.radians(tilt_deg)
    force, torque = pose_force(lower, upper, gap, offset, tilt)
    reaction, reaction_torque = pose_reaction(lower, upper, gap, offset, tilt)
    assert np.linalg.norm(force + reaction) <= 1e-5 * np.linalg.norm(force)
    # Angular momentum: total torque about the origin vanishes.
    axis = np.array([0.0, -math.sin(tilt), math.cos(tilt)])
    upper_centroid = np.array([offset, 0.0, gap]) + 0.5 * upper.height_m * axis
    lower_centroid = np.array([0.0, 0.0, -0.5 * lower.height_m])
    total = (
        torque
        + np.cross(upper_centroid, force)
        + reaction_torque
        + np.cross(lower_centroid, reaction)
    )
    assert np.linalg.norm(total) <= 1e-5 * np.linalg.norm(force) * upper.height_m


def test_poses_broadcast():
    forces, torques = pose_force(RING_A, RING_A, np.array([[2e-3], [5e-3]]), 1e-3, [0.0, 0.1])
    assert forces.shape == torques.shape == (2, 2, 3)
    single, _ = pose_force(RING_A, RING_A, 5e-3, 1e-3, 0.1)
    np.testing.assert_allclose(forces[1, 1], single, rtol=1e-14)


def test_impossible_poses_are_rejected_naming_the_argument():
    with pytest.raises(ValueError, match="gap_m"):
        pose_force(RING_A, RING_A, -1e-3)
    with pytest.raises(ValueError, match="tilt_rad"):
        pose_force(RING_A, RING_A, 1e-3, 0.0, math.radians(10))  # rim would cut the lower ring
    with pytest.raises(ValueError, match="offset_m"):
        pose_force(RING_A, RING_A, 1e-3, math.inf)

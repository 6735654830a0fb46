"""Magnetic flux density of an axially polarized cylinder or ring, in closed form.

The pose quadrature (`rectoplan.mct.pose`) and the demagnetization screen
(`rectoplan.mct.demag`) both need the source field at thousands of points. The engine may
import only NumPy and SciPy, so this is our own vectorized version of the formula magpylib
uses for full cylinders (Derby & Olbert 2010, source ``derby_olbert_2010``): a uniformly
polarized cylinder is an ideal solenoid with surface current J/mu0, and each component is two
`cel` calls. A ring is the outer cylinder minus the inner one (magpylib does the same for a
full 360-degree CylinderSegment). The tests compare it with ``magpylib.func.cylinder_field``
and with the on-axis solenoid formula.
"""

from __future__ import annotations

import numpy as np

from rectoplan.mct._elliptic import cel

#: Stand-in for gamma = 0 (a point on the cylinder's radius). There the B_z integral jumps
#: by the surface current; outside the magnet the jumps of the two end terms cancel, so any
#: one-sided value is exact.
_TINY_GAMMA = 1e-150


def cylinder_field_rz(radius, height, polarization, rho, z):
    """(B_rho, B_z) in tesla of a cylinder centred at the origin, axis z, polarized along +z.

    ``rho`` >= 0 and ``z`` are the observer's cylindrical coordinates; all arguments
    broadcast. Inside the magnet this is B (it includes J); H = B/mu0 - J/mu0 there.
    """
    a = np.asarray(radius, dtype=float)
    rho = np.asarray(rho, dtype=float)
    half = 0.5 * np.asarray(height, dtype=float)
    a_plus_rho = a + rho
    gamma = (a - rho) / a_plus_rho
    gamma = np.where(np.abs(gamma) < _TINY_GAMMA, _TINY_GAMMA, gamma)
    b_rho = 0.0
    b_z = 0.0
    for sign, zz in ((1.0, z + half), (-1.0, z - half)):
        reach = np.sqrt(zz * zz + a_plus_rho * a_plus_rho)
        kc = np.sqrt(zz * zz + (a - rho) ** 2) / reach
        kc = np.where(kc > 0, kc, _TINY_GAMMA)  # on the rim itself the field is singular
        b_rho = b_rho + sign * (a / reach) * cel(kc, 1.0, 1.0, -1.0)
        b_z = b_z + sign * (zz / reach) * cel(kc, gamma * gamma, 1.0, gamma)
    scale = np.asarray(polarization, dtype=float) / np.pi
    return scale * b_rho, scale * (a / a_plus_rho) * b_z


def ring_field_rz(inner_radius, outer_radius, height, polarization, rho, z):
    """(B_rho, B_z) of a ring (outer cylinder minus inner cylinder); inner radius 0 is a disc."""
    outer = cylinder_field_rz(outer_radius, height, polarization, rho, z)
    if np.all(np.asarray(inner_radius) == 0):
        return outer
    inner = cylinder_field_rz(np.maximum(inner_radius, 1e-300), height, polarization, rho, z)
    has_hole = np.asarray(inner_radius) > 0
    return tuple(o - np.where(has_hole, i, 0.0) for o, i in zip(outer, inner, strict=True))


def ring_field(inner_radius, outer_radius, height, polarization, points):
    """B (T) at ``points`` (..., 3) given in the ring's frame (centre at the origin, axis z)."""
    points = np.asarray(points, dtype=float)
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    rho = np.hypot(x, y)
    b_rho, b_z = ring_field_rz(inner_radius, outer_radius, height, polarization, rho, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos_phi = np.where(rho > 0, x / rho, 0.0)
        sin_phi = np.where(rho > 0, y / rho, 0.0)
    return np.stack([b_rho * cos_phi, b_rho * sin_phi, b_z], axis=-1)

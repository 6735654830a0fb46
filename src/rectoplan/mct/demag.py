"""Self-demagnetization of a ring: its demagnetizing factor and a screen for irreversible loss.

Two uses. The volume-averaged axial demagnetizing factor N sets the working polarization
``J_eff = Br / (1 + (mu_r - 1) N)`` (`rectoplan.mct.materials`). And a flat, high-grade ring
at body temperature can see an internal field close to its coercivity: the screen compares the
field inside the ring with the knee of the intrinsic curve at 37 degC, as magnet-physics.md
section 2.9 recommends for the optimizer.

N comes from the magnetostatic self-energy of the two charged faces. Their attraction at
separation c starts at ``J^2 A / (2 mu0)`` (two coincident sheets) and changes at the rate
given in closed form by `rectoplan.mct.force.disc_pair_flux_term`; integrating twice,

    N = 1 - 2 / (A L) * int_0^L (L - c) g(c) dc,   g = sum over rim pairs of s a3 [(1 - m/2) K - E]

a one-dimensional integral of elliptic functions. The integrand has a logarithmic singularity
at c = 0 (the rims of a face coincide with themselves), so it is integrated in ln(c), where it
is smooth and decays like c. It agrees with an independent Bessel integral and with the
factors computed with magpylib in the domain notes (0.549, 0.619, 0.509, 0.747, 0.635).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rectoplan.mct.field import ring_field_rz
from rectoplan.mct.force import disc_pair_flux_term
from rectoplan.mct.materials import Grade, MaterialModel
from rectoplan.mct.units import MU0

#: Quadrature of the self-energy integral in ln(c) over [1e-12 L, L]: 24 Gauss-Legendre nodes
#: give ~1e-8 for ordinary rings and ~1e-4 for thin-walled tubes ten wall-widths long (J_eff
#: moves by 5e-6 at most).
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)
_LOG_FLOOR = np.log(1e-12)


def demagnetization_factor(inner_radius, outer_radius, height):
    """Volume-averaged (magnetometric) axial demagnetizing factor of rings; arrays broadcast.

    0 < N < 1: thin wide plates approach 1, long rods approach 0; a disc has inner radius 0.
    """
    ri, ro, length = (
        np.asarray(v, dtype=float)[..., None] for v in (inner_radius, outer_radius, height)
    )
    log_c = 0.5 * _LOG_FLOOR * (1.0 - _NODES)  # maps [-1, 1] onto [ln 1e-12, 0]
    c = length * np.exp(log_c)
    weight = c * (0.5 * -_LOG_FLOOR) * _WEIGHTS
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (
            disc_pair_flux_term(ro, ro, c)
            - 2.0 * disc_pair_flux_term(ro, ri, c)
            + disc_pair_flux_term(ri, ri, c)
        )
    integral = np.sum((length - c) * g * weight, axis=-1)
    area = np.pi * (ro[..., 0] ** 2 - ri[..., 0] ** 2)
    return 1.0 - 2.0 * integral / (area * length[..., 0])


def peak_internal_field_per_tesla(inner_radius, outer_radius, height):
    """|H| (A/m) inside an isolated ring with J = 1 T, where the screen looks; arrays broadcast.

    The rigid model's field diverges (logarithmically) at the rims, so any "maximum" depends on
    how close to an edge one samples. The screen takes the larger of two points at mid-wall:
    the mid-plane and the pole face. With Br = 1.45 T this gives 760-960 kA/m for the rings of
    magnet-physics.md section 2.9, the range reported there. It speaks for the bulk of the
    ring, not for chipped corners. H scales with J, so multiply by the ring's J.
    """
    ri, ro, h = (np.asarray(v, dtype=float) for v in (inner_radius, outer_radius, height))
    mid_wall = 0.5 * (ri + ro)
    peak = 0.0
    for z in (0.0, 0.5 * h):  # the field is mirror-symmetric about the mid-plane
        b_rho, b_z = ring_field_rz(ri, ro, h, 1.0, mid_wall, z)
        peak = np.maximum(peak, np.hypot(b_rho, b_z - 1.0) / MU0)
    return peak


@dataclass(frozen=True, slots=True)
class DemagScreen:
    """Result of the demagnetization screen for one ring in one material model."""

    peak_field_a_per_m: float
    mean_field_a_per_m: float
    knee_field_a_per_m: float
    temperature_c: float

    @property
    def margin(self) -> float:
        """Knee field over the peak internal field; below 1 the ring may lose polarization."""
        return self.knee_field_a_per_m / self.peak_field_a_per_m

    @property
    def at_risk(self) -> bool:
        return self.margin < 1.0

    def explain(self) -> str:
        verdict = "at risk of irreversible loss" if self.at_risk else "passes"
        return (
            f"demagnetization screen at {self.temperature_c:g} degC {verdict}: internal field "
            f"{self.peak_field_a_per_m / 1e3:.0f} kA/m (mean {self.mean_field_a_per_m / 1e3:.0f})"
            f" against a knee of {self.knee_field_a_per_m / 1e3:.0f} kA/m "
            f"(margin {self.margin:.2f}); a screening estimate, verify thin rings with FE"
        )


def screen_demagnetization(
    inner_radius_m: float,
    outer_radius_m: float,
    height_m: float,
    polarization_t: float,
    spec: Grade,
    material: MaterialModel | None = None,
) -> DemagScreen:
    """Screen one ring: is the field inside it beyond the knee of its grade at temperature?"""
    material = material or MaterialModel()
    factor = float(demagnetization_factor(inner_radius_m, outer_radius_m, height_m))
    per_tesla = float(peak_internal_field_per_tesla(inner_radius_m, outer_radius_m, height_m))
    return DemagScreen(
        peak_field_a_per_m=abs(polarization_t) * per_tesla,
        mean_field_a_per_m=abs(polarization_t) * factor / MU0,
        knee_field_a_per_m=float(material.knee_field_a_per_m(spec.hcj_min_a_per_m)),
        temperature_c=material.temperature_c,
    )

"""Slow, independent references for validating the fast kernels (tests and benchmarks only).

* `closed_form_force_mp`: the Robertson/magcode closed form exactly as published
  (``a1 a2 a3 [K - E/a2 - (1 - a1^2/a3^2) Pi(n|m)]``), in 40-digit mpmath arithmetic with
  mpmath's own K, E and Pi. It shares no code and no algebraic rewriting with
  `rectoplan.mct.force`, so agreement checks both the rewrite and the float64 numerics.
  Needs ``mpmath`` (a dev dependency), imported on first use.
* `bessel_force`: the Fourier-Bessel (Hankel) form of the magnetic-charge model for parallel
  axes with a lateral offset (Furlani 1993; shared/domain/magnet-physics.md section 2.2),
  integrated with composite Gauss-Legendre. It is a different physical derivation from both
  the closed form and the surface-charge quadrature of `rectoplan.mct.pose`.
* `bessel_demagnetization_factor`: the volume-averaged axial demagnetizing factor of a ring
  from the same Hankel form, ``N = (2 pi / V) int S(k)^2 (1 - exp(-k L)) / k^2 dk``.
* `REFERENCE_PAIRS`: the ring pairs the tests and ``benchmarks/mct_force.py`` check, spanning
  equal and unequal rings, discs, thin and thick rings, and equal outer radii with different
  bores (rigid J; geometry A of the domain notes at its 1.3 T).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.units import MU0

RING_A = RingMagnet(0.020, 0.008, 0.005, 1.3)

REFERENCE_PAIRS: dict[str, tuple[RingMagnet, RingMagnet]] = {
    "equal": (RING_A, RING_A),
    "unequal": (RingMagnet(0.015, 0.006, 0.003, 1.2), RingMagnet(0.025, 0.010, 0.008, 1.35)),
    "disc": (RingMagnet(0.020, 0.0, 0.005, 1.3), RingMagnet(0.020, 0.0, 0.005, 1.3)),
    "thin": (RingMagnet(0.030, 0.010, 0.0015, 1.4), RingMagnet(0.030, 0.010, 0.0015, 1.4)),
    "thick": (RingMagnet(0.015, 0.005, 0.015, 1.2), RingMagnet(0.015, 0.005, 0.015, 1.2)),
    "same_od": (RingMagnet(0.020, 0.006, 0.004, 1.3), RingMagnet(0.020, 0.010, 0.006, 1.3)),
}

MU0_TEXT = "1.25663706212e-6"  # the same CODATA value as `units.MU0`, exact in decimal


def _term_mp(mp, r1, r2, a1):
    if a1 == 0:
        return mp.mpf(0)  # the published limit for touching faces
    a3 = mp.sqrt((r1 + r2) ** 2 + a1**2)
    m = 4 * r1 * r2 / a3**2
    if r1 == r2:  # a2 = 1 and n = -inf, where Pi -> 0
        return a1 * a3 * (mp.ellipk(m) - mp.ellipe(m))
    a2 = 1 + (r2 - r1) ** 2 / a1**2
    n = m / (1 - a2)
    bracket = mp.ellipk(m) - mp.ellipe(m) / a2 - (1 - a1**2 / a3**2) * mp.ellippi(n, m)
    return a1 * a2 * a3 * bracket


def closed_form_force_mp(lower, upper, gap_m, digits: int = 40):
    """Attractive force (N) between two coaxial `RingMagnet`s at one gap, as an mpmath number."""
    import mpmath

    with mpmath.workdps(digits):
        mp = mpmath.mp
        f = mp.mpf
        h1, h2 = f(lower.height_m), f(upper.height_m)
        z = f(gap_m) + h1 / 2 + h2 / 2
        total = f(0)
        radii1 = ((f(lower.outer_radius_m), 1), (f(lower.inner_radius_m), -1))
        radii2 = ((f(upper.outer_radius_m), 1), (f(upper.inner_radius_m), -1))
        for r1, s1 in radii1:
            for r2, s2 in radii2:
                if r1 == 0 or r2 == 0:
                    continue
                for i in (1, -1):
                    for j in (1, -1):
                        a1 = i * h1 / 2 - j * h2 / 2 - z
                        total += s1 * s2 * i * j * _term_mp(mp, r1, r2, a1)
        product = f(lower.polarization_t) * f(upper.polarization_t)
        return -product / (2 * f(MU0_TEXT)) * total


def _profile(k, inner_radius, outer_radius):
    """S(k) = a_o J1(k a_o) - a_i J1(k a_i): the Hankel transform of an annulus."""
    return outer_radius * special.j1(k * outer_radius) - inner_radius * special.j1(k * inner_radius)


def _gauss_legendre_grid(k_max: float, panel: float, order: int = 16):
    """Nodes and weights of composite Gauss-Legendre on [0, k_max] with panels of ``panel``."""
    x, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(0.0, k_max, max(int(np.ceil(k_max / panel)), 1) + 1)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    return (mid[:, None] + half[:, None] * x).ravel(), (half[:, None] * w).ravel()


def bessel_force(lower, upper, gap_m: float, offset_m: float = 0.0) -> tuple[float, float]:
    """(attractive axial force, radial force on the upper magnet) in N, parallel axes.

    The radial force is along the offset direction; negative means it pulls the upper magnet
    back toward the common axis. Accurate to ~1e-10 for gaps above ~0.3 mm: the integrand
    decays like exp(-k gap), so near contact it needs ever more nodes.
    """
    k_max = 45.0 / gap_m
    span = max(lower.outer_radius_m, upper.outer_radius_m) + offset_m
    k, w = _gauss_legendre_grid(k_max, panel=min(np.pi / span, 0.5 / gap_m))
    s1 = _profile(k, lower.inner_radius_m, lower.outer_radius_m)
    s2 = _profile(k, upper.inner_radius_m, upper.outer_radius_m)
    g = (
        s1
        * s2
        * -np.expm1(-k * lower.height_m)
        * -np.expm1(-k * upper.height_m)
        * np.exp(-k * gap_m)
        / k
    )
    scale = np.pi * lower.polarization_t * upper.polarization_t / MU0
    axial = scale * np.sum(w * g * special.j0(k * offset_m))
    radial = -scale * np.sum(w * g * special.j1(k * offset_m))
    return float(axial), float(radial)


def bessel_demagnetization_factor(inner_radius_m: float, outer_radius_m: float, height_m: float):
    """Volume-averaged axial demagnetizing factor of a ring, from the Hankel self-energy.

    The integrand decays like cos^2/k^3; the integral runs to k_max and adds the averaged
    tail ``(a_o + a_i) / (2 pi k_max^2)``, leaving ~1e-7 absolute.
    """
    k_max = 4000.0 / min(height_m, outer_radius_m - inner_radius_m)
    k, w = _gauss_legendre_grid(k_max, panel=np.pi / (2 * outer_radius_m))
    s = _profile(k, inner_radius_m, outer_radius_m)
    integral = np.sum(w * s * s * -np.expm1(-k * height_m) / (k * k))
    integral += (outer_radius_m + inner_radius_m) / (2 * np.pi * k_max**2)
    volume = np.pi * (outer_radius_m**2 - inner_radius_m**2) * height_m
    return float(2 * np.pi * integral / volume)

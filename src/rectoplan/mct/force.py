"""Exact axial force and stiffness between two coaxial, axially magnetized rings or discs.

The model is the rigid one every peer uses (magpylib, FEMM with mu_r = 1, magcode): each
magnet is uniformly polarized along its axis, both axes on z, ring 1 below ring 2, ``gap`` the
face-to-face distance. Under it the coaxial force has a closed form with complete elliptic
integrals (Ravaud et al. 2010, simplified by Robertson et al. 2011 and implemented in magcode's
``cylinder_force_coaxial.m``; sources ``ravaud_2010``, ``robertson_2011``, ``magcode``), which
is ~1000x faster than meshing a target and exact to rounding. A ring is an outer cylinder minus
an inner one, so a ring pair is four cylinder pairs and a cylinder pair is four end-face terms.

Each term ``a1 a2 a3 [K(m) - E(m)/a2 - (1 - a1^2/a3^2) Pi(n|m)]`` is evaluated as

    a3 a1 [(a1^2 + dr^2) cel(kc, 1 - n, 1/a3^2, m/dr^2 + 1/a3^2) - E(m)]    (dr != 0)
    a3 a1 cel(kc, 1, 0, m)   = a3 a1 [K(m) - E(m)]                          (dr == 0)

(``K - q Pi = cel(kc, p, 1 - q, p - q)``, and both of its coefficients carry ``a1^2``, which
cancels the ``1/a1`` of ``a2``). This form needs no guard for touching faces (``a1 -> 0``
gives 0, the term's limit, as magcode also uses) and no subtraction of nearly equal numbers;
equal radii (``dr = 0``, where ``n = -inf``) take the second line. Measured against a 40-digit
mpmath evaluation of the original formula it is within 1e-11 for gaps 0-30 mm. Far out
(gap >> radius) the force is a small difference of the 16 terms and the relative error grows:
~1e-9 for a 2 mm disc at 30 mm, 1e-8 at 15 radii (then well below a micronewton).

The stiffness ``dF/dgap`` comes from the magnetic-charge picture instead: moving one charged
face changes the force by the flux of the other face's radial field through its rim, and that
field is the current-loop integral ``r1 r2 int J1(k r1) J1(k r2) exp(-k c) dk =
a3 [(1 - m/2) K - E] / pi`` (Gradshteyn & Ryzhik 6.612.3), i.e. one `cel` per face pair with
no Pi at all. It diverges like ln(1/gap) at contact between equal radii, as the physics does.

All public functions here are array kernels: SI in, SI out, every argument broadcasts.
Validation lives one level up (`rectoplan.mct.magnets`), so sweeps pay for it once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from rectoplan.errors import FieldError
from rectoplan.mct._elliptic import cel
from rectoplan.mct.units import MU0

if TYPE_CHECKING:  # the object layer imports this module, not the other way round
    from rectoplan.mct.magnets import RingMagnet

#: Radii closer than this (relative to their sum) are treated as equal: below it the Pi term
#: is smaller than rounding, and at 1e-12 m the unguarded formula gave NaN in float64.
EQUAL_RADII_RTOL = 1e-12


def _end_face_term(r1, r2, a1, *, equal_radii: bool | None = None):
    """One (i, j) term of the Robertson sum for cylinders of radii r1, r2; ``a1`` signed.

    ``equal_radii`` lets a caller that knows the radii are equal (True) or different (False)
    skip a branch; ``None`` decides element by element.
    """
    a1s = a1 * a1
    d2 = (r2 - r1) ** 2
    a3s = (r1 + r2) ** 2 + a1s
    kc2 = (a1s + d2) / a3s
    touching = ~(kc2 > 0)  # a1 == 0 with equal radii (or both radii 0): the limit is 0
    kc = np.sqrt(np.where(touching, 1.0, kc2))
    m = 1.0 - np.where(touching, 0.0, kc2)
    scale = np.sqrt(a3s) * a1
    if equal_radii is True:
        value = scale * cel(kc, 1.0, 0.0, m)
    else:
        equal = d2 <= (EQUAL_RADII_RTOL * (r1 + r2)) ** 2
        safe_d2 = np.where(equal, 1.0, d2)
        pi_part = cel(kc, 1.0 + m * a1s / safe_d2, 1.0 / a3s, m / safe_d2 + 1.0 / a3s)
        value = scale * ((a1s + d2) * pi_part - special.ellipe(m))
        if equal_radii is None and np.any(equal):
            value = np.where(equal, scale * cel(kc, 1.0, 0.0, m), value)
    return np.where(touching | (a1 == 0), 0.0, value)


def _stack(columns):
    """Broadcast each column of a term list to one shape and stack them on a new first axis."""
    shape = np.broadcast_shapes(*(np.shape(c) for column in columns for c in column))
    return [np.stack([np.broadcast_to(c, shape) for c in column]) for column in columns]


def _weighted_terms(terms, **kind):
    """sum of ``weight * _end_face_term(r1, r2, a1)`` over (weight, r1, r2, a1) ``terms``.

    The terms are stacked and evaluated in one call: for short gap lists NumPy's per-call
    cost, not the arithmetic, dominates, and 16 small calls cost 16 times one large one.
    """
    weights = np.array([t[0] for t in terms])
    r1, r2, a1 = _stack([[t[i] for t in terms] for i in (1, 2, 3)])
    return np.tensordot(weights, _end_face_term(r1, r2, a1, **kind), axes=1)


def _cylinder_terms(weight, r1, h1, r2, h2, z, *, equal_heights: bool = False):
    """The (weight * i * j, r1, r2, a1) terms of one cylinder pair, centres ``z`` apart.

    The axial force on cylinder 2 is ``J1 J2 / (2 mu0)`` times their sum (negative =
    attraction). With equal heights the two ``i == j`` terms coincide: three terms, not four.
    """
    if equal_heights:
        return [(2 * weight, r1, r2, -z), (-weight, r1, r2, h1 - z), (-weight, r1, r2, -h1 - z)]
    half1, half2 = 0.5 * h1, 0.5 * h2
    return [
        (weight, r1, r2, half1 - half2 - z),
        (weight, r1, r2, -half1 + half2 - z),
        (-weight, r1, r2, half1 + half2 - z),
        (-weight, r1, r2, -half1 - half2 - z),
    ]


def _ring_pair_sum(ri1, ro1, h1, ri2, ro2, h2, z, *, identical: bool):
    """Superpose the four cylinder pairs (outer minus inner on each side)."""
    if identical:  # outer-outer and inner-inner have equal radii (no Pi); 9 terms, not 16
        same = _cylinder_terms(1.0, ro1, h1, ro1, h1, z, equal_heights=True)
        same += _cylinder_terms(1.0, ri1, h1, ri1, h1, z, equal_heights=True)
        mixed = _cylinder_terms(-2.0, ro1, h1, ri1, h1, z, equal_heights=True)
        return _weighted_terms(same, equal_radii=True) + _weighted_terms(mixed, equal_radii=False)
    terms = []
    for weight, r1, r2 in ((1.0, ro1, ro2), (-1.0, ro1, ri2), (-1.0, ri1, ro2), (1.0, ri1, ri2)):
        terms += _cylinder_terms(weight, r1, h1, r2, h2, z)
    return _weighted_terms(terms)


def _floats(*values):
    """Kernel arguments as float arrays, so Python scalars broadcast and never divide by 0."""
    return [np.asarray(v, dtype=float) for v in values]


def ring_pair_force(
    inner_radius_1,
    outer_radius_1,
    height_1,
    polarization_1,
    inner_radius_2,
    outer_radius_2,
    height_2,
    polarization_2,
    gap,
):
    """Axial force (N) between coaxial rings; attraction positive. Inner radius 0 is a disc.

    Ring 1 sits below with its top face at z = 0, ring 2 above with its bottom face at
    z = ``gap``; both polarized along +z when the polarizations are positive. A negative
    product of polarizations gives repulsion (a negative value).
    """
    ri1, ro1, h1, j1, ri2, ro2, h2, j2, gap = _floats(
        inner_radius_1,
        outer_radius_1,
        height_1,
        polarization_1,
        inner_radius_2,
        outer_radius_2,
        height_2,
        polarization_2,
        gap,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        z = gap + 0.5 * (h1 + h2)
        total = _ring_pair_sum(ri1, ro1, h1, ri2, ro2, h2, z, identical=False)
    return -(j1 * j2 / (2.0 * MU0)) * total


def identical_ring_pair_force(
    inner_radius, outer_radius, height, polarization_1, polarization_2, gap
):
    """`ring_pair_force` for two rings of the same geometry, at about 45 % of the cost.

    Design sweeps pair a ring with its twin, so the equal-radius terms need no Pi and the
    equal heights halve the end-face terms (9 instead of 16 elliptic evaluations).
    """
    ri, ro, h, j1, j2, gap = _floats(
        inner_radius, outer_radius, height, polarization_1, polarization_2, gap
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        total = _ring_pair_sum(ri, ro, h, ri, ro, h, gap + h, identical=True)
    return -(j1 * j2 / (2.0 * MU0)) * total


def disc_pair_flux_term(r1, r2, separation):
    """``a3 [(1 - m/2) K(m) - E(m)]`` = pi r1 r2 int J1(k r1) J1(k r2) exp(-k c) dk.

    For two coaxial charged discs ``c`` apart it is, up to ``J1 J2 / mu0``, the rate at which
    their axial force changes with ``c``; the stiffness and the demagnetizing factor are sums
    of it. Written as ``a3 (m/2) cel(kc, 1, -1, 1)``; +inf where the rims touch (c = 0, r1 = r2 > 0)
    and 0 for a rim of radius 0 (the missing inner rim of a disc).
    """
    a3s = (r1 + r2) ** 2 + separation**2
    kc2 = ((r2 - r1) ** 2 + separation**2) / a3s
    touching = kc2 == 0
    degenerate = ~(kc2 > 0)  # touching, or a3 = 0 for two zero radii at contact
    kc = np.sqrt(np.where(degenerate, 1.0, kc2))
    value = np.sqrt(a3s) * 0.5 * (1.0 - kc2) * cel(kc, 1.0, -1.0, 1.0)
    value = np.where(degenerate, 0.0, value)
    return np.where(touching & (r1 * r2 > 0), np.inf, value)


def ring_pair_stiffness(
    inner_radius_1,
    outer_radius_1,
    height_1,
    polarization_1,
    inner_radius_2,
    outer_radius_2,
    height_2,
    polarization_2,
    gap,
):
    """d(attraction)/d(gap) in N/m for the pair of `ring_pair_force` (negative for attraction).

    Sum over the four face pairs (sign = product of face charges, separation c) and the four
    rim pairs (sign = outer +, inner -) of ``(J1 J2 / mu0) * s * a3 [(1 - m/2) K - E]``.
    At contact between equal radii it is -inf: the stiffness diverges logarithmically.
    """
    ri1, ro1, h1, j1, ri2, ro2, h2, j2, gap = _floats(
        inner_radius_1,
        outer_radius_1,
        height_1,
        polarization_1,
        inner_radius_2,
        outer_radius_2,
        height_2,
        polarization_2,
        gap,
    )
    faces = (
        (-1.0, gap),  # top of 1 (+) with bottom of 2 (-)
        (1.0, gap + h2),  # top of 1 with top of 2
        (1.0, gap + h1),  # bottom of 1 with bottom of 2
        (-1.0, gap + h1 + h2),  # bottom of 1 with top of 2
    )
    rims = ((1.0, ro1, ro2), (-1.0, ro1, ri2), (-1.0, ri1, ro2), (1.0, ri1, ri2))
    combos = [(f * r, r1, r2, c) for f, c in faces for r, r1, r2 in rims]
    weights = np.array([c[0] for c in combos])
    r1, r2, separation = _stack([[c[i] for c in combos] for i in (1, 2, 3)])
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = disc_pair_flux_term(r1, r2, separation)
        # touching rims give +-inf; for valid rings they always carry the same sign
        total = np.tensordot(weights, terms, axes=1)
    return (j1 * j2 / MU0) * total


def _ring_arguments(ring) -> tuple[float, float, float, float]:
    return ring.inner_radius_m, ring.outer_radius_m, ring.height_m, ring.polarization_t


def _checked_gaps(gap_m) -> np.ndarray:
    gaps = np.asarray(gap_m, dtype=float)
    if not np.all(np.isfinite(gaps)) or np.any(gaps < 0):
        raise FieldError("gap_m", "every gap must be a finite distance >= 0 (faces cannot overlap)")
    return gaps


def axial_force(lower: RingMagnet, upper: RingMagnet, gap_m) -> np.ndarray:
    """Attractive axial force (N) between two coaxial `RingMagnet`s at ``gap_m`` (array ok).

    Attraction is positive; rings polarized against each other give negative values.
    """
    return ring_pair_force(*_ring_arguments(lower), *_ring_arguments(upper), _checked_gaps(gap_m))


def axial_stiffness(lower: RingMagnet, upper: RingMagnet, gap_m) -> np.ndarray:
    """d(attraction)/d(gap) in N/m (negative: the pull weakens as the gap opens); -inf at
    contact between faces of equal radii."""
    return ring_pair_stiffness(
        *_ring_arguments(lower), *_ring_arguments(upper), _checked_gaps(gap_m)
    )

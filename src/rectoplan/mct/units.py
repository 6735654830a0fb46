"""Physical constants and the unit conversions used at the edges of the engine.

Everything inside `rectoplan.mct` is SI (m, T, N, Pa); millimetres, kilopascals and mmHg
exist only where a person reads or types a number, so the conversions live in one place.
"""

from __future__ import annotations

import numpy as np

#: Vacuum permeability, N/A^2 (CODATA 2018 recommended value, source ``codata_2018``).
#: Since the 2019 SI it is measured, not defined; it differs from 4*pi*1e-7 by 5.5e-10.
MU0 = 1.25663706212e-6

#: One millimetre of mercury in pascals (conventional, exact; source ``bipm_si_2019``).
PA_PER_MMHG = 133.322387415

MM = 1e-3
KPA = 1e3


def mm_to_m(value):
    """Millimetres (scalar or array) to metres."""
    return np.asarray(value, dtype=float) * MM


def pa_to_kpa(value):
    return np.asarray(value, dtype=float) / KPA


def pa_to_mmhg(value):
    return np.asarray(value, dtype=float) / PA_PER_MMHG

"""Checks shared by every statistic: durations, event flags and counts arrive from exports and
hand-typed commands, so a bad value is reported with the field and the first row it occurs in
rather than surfacing later as a NaN in a survival table.

Analytics never imports the command line; a bad value is a `rectoplan.errors.FieldError`
naming the argument or column, which the CLI renames to its option (exit 2) and the API
answers with a 422.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rectoplan.errors import FieldError

_TRUE = frozenset({"1", "true", "t", "yes", "y"})
_FALSE = frozenset({"0", "false", "f", "no", "n"})


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 1


def as_flags(values: Sequence | np.ndarray | pd.Series, field: str) -> np.ndarray:
    """Booleans from bool, 0/1 or yes/no/true/false text; anything else (including a blank) is
    refused, because a missing event flag is not the same as a censored patient."""
    array = np.asarray(values)
    if array.dtype == bool:
        return array
    if array.dtype.kind in "iuf":
        bad = ~np.isin(array, (0, 1))
        if bad.any():
            row = _first_bad(bad)
            raise FieldError(field, f"row {row}: {array[row - 1]!r} is not 0/1 or true/false")
        return array.astype(bool)
    flags = np.empty(array.shape, dtype=bool)
    for i, value in enumerate(array):
        if isinstance(value, bool | np.bool_):
            flags[i] = bool(value)
            continue
        text = str(value).strip().lower()
        if text in _TRUE:
            flags[i] = True
        elif text in _FALSE:
            flags[i] = False
        else:
            raise FieldError(field, f"row {i + 1}: {value!r} is not 0/1 or true/false")
    return flags


def survival_arrays(
    durations: Sequence | np.ndarray | pd.Series,
    events: Sequence | np.ndarray | pd.Series,
    *,
    names: tuple[str, str] = ("durations", "events"),
) -> tuple[np.ndarray, np.ndarray]:
    """Durations as finite non-negative floats and events as booleans, of equal non-zero length.

    ``names`` lets a caller report the columns under their own names (``duration_days``).
    """
    duration_name, event_name = names
    try:
        times = np.asarray(durations, dtype=float)
    except (TypeError, ValueError):
        raise FieldError(duration_name, "every duration must be a number") from None
    if times.ndim != 1 or times.size == 0:
        raise FieldError(duration_name, "give at least one patient")
    bad = ~np.isfinite(times) | (times < 0)
    if bad.any():
        row = _first_bad(bad)
        raise FieldError(
            duration_name, f"row {row}: {times[row - 1]!r} is not a finite duration >= 0"
        )
    flags = as_flags(events, event_name)
    if flags.shape != times.shape:
        raise FieldError(
            event_name, f"{flags.size} event flags for {times.size} durations (must be equal)"
        )
    return times, flags


def count_pair(k: int, n: int, *, names: tuple[str, str] = ("k", "n")) -> tuple[int, int]:
    """``k`` successes of ``n`` as ints with 0 <= k <= n and n >= 1."""
    k_name, n_name = names
    whole = []
    for name, value in ((k_name, k), (n_name, n)):
        try:
            ok = not isinstance(value, bool) and int(value) == value
        except (TypeError, ValueError, OverflowError):
            ok = False
        if not ok:
            raise FieldError(name, f"{value!r} is not a whole number")
        whole.append(int(value))
    k, n = whole
    if n < 1:
        raise FieldError(n_name, f"{n} patients: need at least 1")
    if not 0 <= k <= n:
        raise FieldError(k_name, f"{k} is outside 0..{n}")
    return k, n

"""Facts that would make the case something else: refused outright, or a warning the engine repeats.

Three kinds, each decided by what the sources say rather than by taste:

* **A tumour above the rectum.** Where the rectum ends depends on how it is measured
  (`/work/shared/domain/clinical-guidelines.md`, "Extent of the rectum"): ESMO puts the limit
  at 15 cm from the anal margin *on a rigid sigmoidoscope*, SEER at 16 cm; the international
  Delphi consensus (D'Souza, Ann Surg 2019) defines the upper end anatomically, at the
  **sigmoid take-off** on CT/MRI, not by a distance; and heights differ by modality by
  centimetres (mean MRI 77.8, colonoscopy 68.9, DRE 52.9 mm). So only a rigid-scope height
  beyond every rigid-scope definition (16 cm) is refused as "not rectal"; a height above
  15 cm by any other modality (or an unknown one) may still be below the sigmoid take-off,
  and becomes a warning that asks for the take-off on MRI. A height no modality can place in
  the rectum (`IMPLAUSIBLE_HEIGHT_CM`) is refused whatever the modality.
* **A date in the future.** A fact recorded about a day that has not come is a typing error
  (2031 for 2021); refused, naming the field.
* **An age that contradicts the birth year.** Age at diagnosis must be the diagnosis year
  minus the birth year, or one less (birthday not yet reached); anything else is refused.

Pure functions over the case and a given "today"; the case model calls them with the
clock's date, the engine repeats the warnings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

RIGID_SCOPE_RECTUM_LIMIT_CM = 15.0
"""ESMO: the rectum extends up to 15 cm from the anal margin measured with a rigid scope."""

WIDEST_RIGID_SCOPE_LIMIT_CM = 16.0
"""SEER: up to 16 cm; the widest rigid-scope definition, beyond which no source calls it rectal."""

IMPLAUSIBLE_HEIGHT_CM = 25.0
"""[P] No modality's bias (a few centimetres between MRI, colonoscopy and DRE) puts a tumour
this far from the anal verge in the rectum. Unverified; configurable."""


def rectum_extent(distance_cm: float, modality: str | None) -> tuple[str | None, str | None]:
    """(refusal, warning) for a tumour ``distance_cm`` from the anal verge measured by
    ``modality`` (a `HeightModality` value, or None if not recorded)."""
    if distance_cm > IMPLAUSIBLE_HEIGHT_CM:
        return (
            f"{distance_cm:g} cm from the anal verge is above the rectum on every definition "
            f"(at most {WIDEST_RIGID_SCOPE_LIMIT_CM:g} cm); this is not a rectal tumour",
            None,
        )
    if modality == "rigid_sigmoidoscopy" and distance_cm > WIDEST_RIGID_SCOPE_LIMIT_CM:
        return (
            f"{distance_cm:g} cm on a rigid sigmoidoscope is above the rectum (ESMO 15 cm, "
            f"SEER {WIDEST_RIGID_SCOPE_LIMIT_CM:g} cm); this is not a rectal tumour",
            None,
        )
    if distance_cm > RIGID_SCOPE_RECTUM_LIMIT_CM:
        how = (
            "on a rigid sigmoidoscope"
            if modality == "rigid_sigmoidoscopy"
            else (
                "by a modality other than the rigid sigmoidoscope"
                if modality
                else "(modality not recorded)"
            )
        )
        return (
            None,
            f"the tumour is {distance_cm:g} cm from the anal verge {how}, above the 15 cm "
            "rectal limit (ESMO): confirm on MRI that it lies below the sigmoid take-off, "
            "or treat it as a colon cancer",
        )
    return None, None


def future_dates(data: Any, today: dt.date, path: str = "") -> list[tuple[str, str]]:
    """(field path, message) for every date after ``today`` in ``data`` (a model or its parts)."""
    found: list[tuple[str, str]] = []
    if isinstance(data, dt.date) and not isinstance(data, dt.datetime):
        if data > today:
            found.append((path, f"{data.isoformat()} is in the future (today is {today})"))
    elif isinstance(data, tuple | list):
        for index, item in enumerate(data):
            found += future_dates(item, today, f"{path}[{index}]")
    elif hasattr(data, "__class__") and hasattr(type(data), "model_fields"):
        for name in type(data).model_fields:
            found += future_dates(getattr(data, name), today, f"{path}.{name}" if path else name)
    return found


def age_contradiction(age_years: int, birth_year: int, on: dt.date) -> str | None:
    """Why ``age_years`` on the day ``on`` cannot belong to someone born in ``birth_year``,
    or None when they agree (the age is the difference of years, or one less)."""
    expected = on.year - birth_year
    if age_years in (expected, expected - 1):
        return None
    if expected < 0:
        return f"the birth year {birth_year} is after {on.year}"
    return (
        f"{age_years} years does not fit the birth year {birth_year}: on {on} the patient was "
        f"{max(expected - 1, 0)} or {expected}"
    )

"""RectoPlan's own identifiers for a new case: a case id and a registry pseudonym.

A referral typed on the web and a FHIR bundle from a hospital both arrive without them (the
hospital's bundle carries the hospital's record numbers, which are not RectoPlan's and must not
become its pseudonym). Both are random, carry no patient data, and stay editable on the form.
"""

from __future__ import annotations

import datetime as dt
import secrets


def new_case_id(today: dt.date | None = None) -> str:
    """``RP-20250110-3FA2C1``: the day it was made and 24 random bits (unique enough for one
    hospital's registry; the registry refuses a duplicate anyway)."""
    day = today or dt.date.today()
    return f"RP-{day:%Y%m%d}-{secrets.token_hex(3).upper()}"


def new_pseudonym() -> str:
    """``P-9C04D1E2``: a registry pseudonym that is never a name or a record number."""
    return f"P-{secrets.token_hex(4).upper()}"

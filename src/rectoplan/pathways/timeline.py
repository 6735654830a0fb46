"""When the assessment stands: the latest date the case records, and weeks since the resection.

The engine has no clock (the same case always gets the same answer), so "now" is read from the
case itself: the latest dated event (an operation, a complication, a stenosis procedure, a
recurrence, a follow-up event such as the last contact) or, for a stenosis, the resection date
plus the months the stenosis record gives. A case seen for a stenosis six months after its
resection is therefore assessed six months after it.
"""

from __future__ import annotations

import datetime as dt

from rectoplan.clinical.case import Case, Operation

DAYS_PER_MONTH = 365.25 / 12


def resection(case: Case) -> Operation | None:
    """The latest radical (non-local) operation, if any."""
    radical = [op for op in case.operations if not op.type.is_local]
    return radical[-1] if radical else None


def latest_date(case: Case) -> dt.date | None:
    """The latest date recorded anywhere in the case (None if the case holds no date)."""
    dates: list[dt.date] = [d for d in [case.diagnosis_date] if d]
    neo = case.neoadjuvant
    if neo is not None:
        courses = [neo.radiotherapy, *neo.chemotherapy, neo.immunotherapy]
        dates += [d for c in courses if c for d in (c.start_date, c.end_date) if d]
    if case.restaging is not None and case.restaging.date:
        dates.append(case.restaging.date)
    dates += [op.date for op in case.operations if op.date]
    dates += [c.date for c in case.complications if c.date]
    if case.recurrence is not None and case.recurrence.date:
        dates.append(case.recurrence.date)
    stenosis = case.stenosis
    if stenosis is not None:
        dates += [d for p in stenosis.procedures for d in (p.date, p.end_date) if d]
        op = resection(case)
        if op is not None and op.date and stenosis.months_since_surgery is not None:
            days = round(stenosis.months_since_surgery * DAYS_PER_MONTH)
            dates.append(op.date + dt.timedelta(days=days))
    return max(dates) if dates else None


def weeks_since_resection(case: Case) -> float | None:
    """Weeks from the latest resection to the latest date in the case (None if either is
    unknown)."""
    op = resection(case)
    now = latest_date(case)
    if op is None or op.date is None or now is None:
        return None
    return (now - op.date).days / 7

"""The patient header every case page and summary opens with: who, and where the episode stands.

The stage shown is the **current** one, with the prefix that says where it came from (TNM's
own convention): ``c`` from the baseline MRI and staging CT, ``yc`` after restaging, ``p`` or
``yp`` once the specimen's pathology is reported, and ``r`` once a local recurrence is recorded.
Each comes with the date it was set, so a reader knows how old it is. The baseline stays in the
timeline; the header only says what holds now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rectoplan.clinical.case import Case
from rectoplan.clinical.staging import UNSTAGEABLE, stage
from rectoplan.reports import labels


@dataclass(frozen=True, slots=True)
class CurrentStage:
    """``prefix`` (c, yc, p, yp, r), the stage in words, the day it was set (None if the
    record gives none) and what it rests on."""

    prefix: str
    text: str
    date: dt.date | None
    basis: str


def _group(t: str, n: str | None, m: str) -> str:
    if n is None:
        return ""
    result = stage(t, n, m)
    return "" if result.group == UNSTAGEABLE else f", stage {result.group}"


def current_stage(case: Case) -> CurrentStage | None:
    """Where the episode stands now (None before any staging is recorded)."""
    m = case.distant.cm.value if case.distant and case.distant.cm else "M0"
    if (rec := case.recurrence) is not None:
        text = f"local recurrence ({labels.listed(rec.compartments)})"
        return CurrentStage("r", text, rec.date, "local recurrence")
    if (path := case.pathology) is not None:
        p = path.prefix.value
        n = path.n.value if path.n else None
        text = f"{p}{path.t.value} {p}{n or 'NX'} c{m}{_group(path.t.value, n, m)}"
        dated = [op.date for op in case.operations if op.date]
        when = path.date or (max(dated) if dated else None)
        return CurrentStage(p, text, when, f"pathology of the {labels.label(path.specimen)}")
    if (r := case.restaging) is not None and r.yct is not None:
        n = r.ycn.value if r.ycn else None
        text = f"yc{r.yct.value} yc{n or 'NX'} c{m}{_group(r.yct.value, n, m)}"
        return CurrentStage("yc", text, r.date, "restaging after neoadjuvant therapy")
    if (mri := case.mri) is not None:
        t, n = mri.ct.value, mri.cn.value
        text = f"c{t} c{n} c{m}{_group(t, n, m)}"
        when = mri.date or (case.distant.date if case.distant else None) or case.diagnosis_date
        return CurrentStage("c", text, when, "baseline MRI and distant staging")
    return None

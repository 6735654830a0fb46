"""Guideline concordance of MDT decisions: how often the team chose the engine's preferred
recommendation, how that share moves over time, and why it deviated.

Each decision is concordant (the preferred option), an alternative (another option the
assessment listed) or a deviation (anything else, or declining treatment); the registry derives
the category from the assessment snapshot, and a frame without a ``category`` column reads
``followed_preferred`` as concordant / deviation. Concordance is the concordant share; a period
with fewer than `MIN_DECISIONS_PER_PERIOD` decisions is marked "too few" rather than drawn as
0% or 100%.

Deviation reasons are coded with the HL7 CDS Hooks non-adherence CodeSystem, whose top-level
concepts are categories ("recommendation does not align with patient preferences") over
specific reasons ("patient prefers an alternative approach"); the tally keeps both, and each
code also reads as one of the MDT's own seven reasons (`rectoplan.mdt_reasons`), which the
report rolls up by. A deviation without a code is tallied as "not recorded" rather than
dropped: missing documentation was the commonest reason for deviation in the Bonn tumour-board
audit. A decision whose concordance is unknown ("insufficient data") is counted apart, not as
a deviation.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from rectoplan.analytics.inputs import as_flags
from rectoplan.analytics.proportions import Proportion, check_alpha, wilson
from rectoplan.errors import FieldError
from rectoplan.evidence import cite
from rectoplan.mdt_reasons import reason_of

if TYPE_CHECKING:
    from matplotlib.figure import Figure

REASON_CODES_EVIDENCE = cite("cds_hooks_non_adherence")
CODESYSTEM_FILE = "CodeSystem-non-adherence-reason-codes.json"
NOT_RECORDED = "not recorded"
UNKNOWN = "not a code of the non-adherence CodeSystem"

CATEGORIES = ("concordant", "alternative", "deviation")
MIN_DECISIONS_PER_PERIOD = 5
"""Fewest decisions in a month or quarter for its share to be shown. A convention, not a
sourced value: with one decision a period reads 0% or 100%, with four each decision moves it by
25 points. Configurable per call (``min_per_period``)."""

Period = Literal["month", "quarter"]
_PERIOD_FREQ = {"month": "M", "quarter": "Q"}


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """One concept of the CodeSystem with the category (top-level concept) it sits under."""

    code: str
    display: str
    category: str
    category_display: str


def parse_codesystem(document: dict) -> dict[str, ReasonCode]:
    """Every concept of a FHIR CodeSystem, keyed by code, with its top-level ancestor."""
    codes: dict[str, ReasonCode] = {}

    def walk(concepts: list[dict], top: dict | None) -> None:
        for concept in concepts:
            category = top or concept
            codes[concept["code"]] = ReasonCode(
                code=concept["code"],
                display=concept.get("display", ""),
                category=category["code"],
                category_display=category.get("display", ""),
            )
            walk(concept.get("concept", []), category)

    walk(document.get("concept", []), None)
    return codes


@cache
def reason_codes(path: str | None = None) -> dict[str, ReasonCode]:
    """The non-adherence reason codes: from ``path``, else the copy the registry ships in
    ``rectoplan/registry/data`` (read as a file, without importing the registry). Empty if
    neither exists, in which case reasons are tallied by code alone."""
    if path is not None:
        source = Path(path)
    else:
        source = resources.files("rectoplan") / "registry" / "data" / CODESYSTEM_FILE
    if not source.is_file():
        return {}
    return parse_codesystem(json.loads(source.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class PeriodShare:
    """Concordance within one calendar month or quarter; ``too_few`` when it holds fewer
    decisions than the report's minimum (its share is then not shown)."""

    period: str
    start: date
    proportion: Proportion
    alternatives: int = 0
    too_few: bool = False

    def to_dict(self) -> dict:
        return {
            "period": self.period,
            "start": self.start.isoformat(),
            **self.proportion.to_dict(),
            "alternatives": self.alternatives,
            "deviations": self.proportion.n - self.proportion.k - self.alternatives,
            "too_few": self.too_few,
        }


@dataclass(frozen=True, slots=True)
class ReasonTally:
    """How many deviations gave one reason; ``code`` is ``None`` for "not recorded" and
    ``known`` is ``False`` for a code outside the CodeSystem."""

    code: str | None
    display: str
    category: str | None
    category_display: str | None
    count: int
    share: float
    known: bool
    reason: str = NOT_RECORDED

    def to_dict(self) -> dict:
        return {
            "reason": self.reason,
            "code": self.code,
            "display": self.display,
            "category": self.category,
            "category_display": self.category_display,
            "count": self.count,
            "share_of_deviations": self.share,
            "known": self.known,
        }


@dataclass(frozen=True, slots=True)
class ConcordanceReport:
    """Share of decisions that followed the preferred recommendation, overall and by period,
    and the tally of deviation reasons (most frequent first)."""

    overall: Proportion
    period: str
    periods: tuple[PeriodShare, ...]
    reasons: tuple[ReasonTally, ...]
    deviations: int
    not_assessable: int
    alternatives: int = 0
    min_per_period: int = MIN_DECISIONS_PER_PERIOD

    @property
    def by_reason(self) -> tuple[tuple[str, int, float], ...]:
        """Deviations per MDT reason (label, count, share), commonest first."""
        counts: Counter[str] = Counter()
        for tally in self.reasons:
            counts[tally.reason] += tally.count
        total = sum(counts.values())
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return tuple((label, count, count / total) for label, count in ordered)

    def to_dict(self) -> dict:
        return {
            "overall": self.overall.to_dict(),
            "period": self.period,
            "min_per_period": self.min_per_period,
            "periods": [p.to_dict() for p in self.periods],
            "alternatives": self.alternatives,
            "deviations": self.deviations,
            "reasons": [r.to_dict() for r in self.reasons],
            "by_reason": [
                {"reason": label, "count": count, "share_of_deviations": share}
                for label, count, share in self.by_reason
            ],
            "not_assessable": self.not_assessable,
            "evidence": list(REASON_CODES_EVIDENCE),
        }

    def plot(self, path: str | None = None, **options) -> Figure:
        """Concordance per period with its Wilson band and the overall share."""
        from rectoplan.analytics import plots

        return plots.concordance_figure(self, path=path, **options)


def _followed(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(assessable mask, followed flags for the assessable rows)."""
    blank = (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
    # flags for every row, so an error names the row as the caller numbers it
    flags = as_flags(values.astype(object).where(~blank, False).to_numpy(), "followed_preferred")
    return ~blank, flags[~blank]


def _decision_dates(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise FieldError("decided_at", f"row {row + 1}: {values.iloc[row]!r} is not a date")
    return parsed.dt.tz_convert(None)


def _tally(codes: pd.Series, known: dict[str, ReasonCode]) -> tuple[ReasonTally, ...]:
    texts = [
        None if pd.isna(code) or not str(code).strip() else str(code).strip() for code in codes
    ]
    counts = Counter(texts)
    total = sum(counts.values())
    rows = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0] or "")):
        concept = known.get(code) if code else None
        mdt = reason_of(code, concept.category if concept else None)
        rows.append(
            ReasonTally(
                code=code,
                display=concept.display if concept else (NOT_RECORDED if code is None else UNKNOWN),
                category=concept.category if concept else None,
                category_display=concept.category_display if concept else None,
                count=count,
                share=count / total,
                known=concept is not None or code is None,
                reason=mdt.label if mdt else NOT_RECORDED,
            )
        )
    return tuple(rows)


def _categories(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(assessable mask, category per assessable row): from ``category`` when the frame has
    it, else concordant / deviation from ``followed_preferred``."""
    if "category" not in frame:
        assessable, followed = _followed(frame["followed_preferred"])
        return assessable, np.where(followed, "concordant", "deviation")
    values = frame["category"].astype(object)
    assessable = ~(values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
    texts = values[assessable].astype(str).str.strip().str.lower().to_numpy()
    bad = ~np.isin(texts, CATEGORIES)
    if bad.any():
        row = int(np.flatnonzero(assessable)[int(np.flatnonzero(bad)[0])]) + 1
        raise FieldError("category", f"row {row}: {values.iloc[row - 1]!r} is not one of "
                        f"{', '.join(CATEGORIES)}")  # fmt: skip
    return assessable, texts


def concordance(
    decisions: pd.DataFrame,
    *,
    period: Period = "quarter",
    alpha: float = 0.05,
    codes: dict[str, ReasonCode] | None = None,
    min_per_period: int = MIN_DECISIONS_PER_PERIOD,
) -> ConcordanceReport:
    """Concordance from one row per MDT decision with ``decided_at`` and ``category``
    (concordant / alternative / deviation) or ``followed_preferred`` (true / false); blank for
    not assessable; optionally ``deviation_code``."""
    if period not in _PERIOD_FREQ:
        raise FieldError("period", f"{period!r} is not one of {', '.join(_PERIOD_FREQ)}")
    alpha = check_alpha(alpha)
    required = "category" if "category" in decisions else "followed_preferred"
    for column in ("decided_at", required):
        if column not in decisions:
            raise FieldError(column, "no such column")
    frame = decisions.reset_index(drop=True)
    assessable, category = _categories(frame)
    if not assessable.any():
        raise FieldError(required, "no decision with a known concordance")
    followed = category == "concordant"
    alternative = category == "alternative"
    deviated = category == "deviation"
    when = _decision_dates(frame["decided_at"])[assessable].reset_index(drop=True)
    labels = when.dt.to_period(_PERIOD_FREQ[period])
    periods = []
    for label in sorted(labels.unique()):
        mask = (labels == label).to_numpy()
        name = f"{label.year}-Q{label.quarter}" if period == "quarter" else label.strftime("%Y-%m")
        periods.append(
            PeriodShare(
                name,
                label.start_time.date(),
                wilson(int(followed[mask].sum()), int(mask.sum()), alpha=alpha),
                alternatives=int(alternative[mask].sum()),
                too_few=int(mask.sum()) < min_per_period,
            )
        )
    deviation_codes = (
        frame["deviation_code"] if "deviation_code" in frame else pd.Series([None] * len(frame))
    )
    reasons = deviation_codes[assessable].reset_index(drop=True)[deviated]
    return ConcordanceReport(
        overall=wilson(int(followed.sum()), int(followed.size), alpha=alpha),
        period=period,
        periods=tuple(periods),
        reasons=_tally(reasons, reason_codes() if codes is None else codes),
        deviations=int(deviated.sum()),
        not_assessable=int((~assessable).sum()),
        alternatives=int(alternative.sum()),
        min_per_period=min_per_period,
    )

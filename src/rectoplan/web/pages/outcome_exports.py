"""CSV downloads of the outcomes dashboard: every table, and the rows behind each figure.

Each export takes the dashboard's own query string and reads the same cached sections
(`rectoplan.web.pages.outcomes.dashboard`), so a download holds exactly the numbers on the
screen. The patient-level files are pseudonymised for export: no registry id, pseudonym or
date, only a row number (``P0001``...) assigned after sorting by group and time, so a file
cannot be joined back to the registry; durations are in days, as the statistics use them.
A Kaplan–Meier fit of ``km-patients.csv`` gives the dashboard's curves again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from rectoplan.errors import FieldError
from rectoplan.mdt_reasons import reason_of
from rectoplan.registry.codes import deviation_reasons
from rectoplan.registry.users import Role
from rectoplan.reports.cache import registry_version
from rectoplan.web.deps import Principal
from rectoplan.web.pages import outcomes as page
from rectoplan.web.pages.session import page_reader, page_role

router = APIRouter(include_in_schema=False)

Rows = tuple[list[str], list[list[Any]]]


def _survival(sections: dict[str, Any]):
    survival = sections["survival"]
    if survival is None:
        raise FieldError("endpoint", "no patient can contribute to this endpoint yet")
    return survival


def km_patients(sections: dict[str, Any]) -> Rows:
    """One row per patient behind the Kaplan–Meier figure: group, days, event (1/0)."""
    survival = _survival(sections)
    frame = survival.result.frame.copy()
    if "group" not in frame:
        frame["group"] = next(iter(survival.result.curves))
    frame = frame.sort_values(["group", "duration_days", "event"], kind="stable")
    rows = [
        [f"P{i:04d}", group, f"{days:g}", int(bool(event))]
        for i, (group, days, event) in enumerate(
            zip(frame["group"], frame["duration_days"], frame["event"], strict=True), start=1
        )
    ]
    return ["patient", "group", "duration_days", "event"], rows


def survival_rates(sections: dict[str, Any]) -> Rows:
    survival = _survival(sections)
    header = ["group", "years", "survival", "lower", "upper", "at_risk"]
    rows = [
        [label, r["years"], _n(r["survival"]), _n(r["lower"]), _n(r["upper"]), r["at_risk"]]
        for label, rates in survival.rates
        for r in rates
    ]
    return header, rows


def at_risk(sections: dict[str, Any]) -> Rows:
    survival = _survival(sections)
    header = ["group", *(f"day {t:g}" for t in survival.times)]
    return header, [[label, *counts] for label, counts in survival.at_risk]


def medians(sections: dict[str, Any]) -> Rows:
    survival = _survival(sections)
    header = ["group", "patients", "events", "median_days", "lower_days", "upper_days"]
    rows = []
    for label, curve in survival.result.curves.items():
        m = curve.median
        rows.append([label, curve.n, curve.events, _n(m.time), _n(m.lower), _n(m.upper)])
    return header, rows


def benchmarks(sections: dict[str, Any]) -> Rows:
    header = [
        "reference", "measure", "patients_compared", "criteria", "k", "n", "observed",
        "lower", "upper", "method", "benchmark", "kind", "verdict", "sources",
    ]  # fmt: skip
    rows = []
    for row in sections["benchmarks"]:
        c = row.comparison
        rows.append(
            [
                c.reference.id,
                c.reference.label,
                c.n if c.subset_n is None else c.subset_n,
                "; ".join(c.criteria),
                "" if c.k is None else c.k,
                c.n,
                _n(c.estimate),
                _n(c.lower),
                _n(c.upper),
                row.method,
                c.reference.statement,
                c.reference.kind,
                str(c.verdict),
                " ".join(c.reference.evidence),
            ]
        )
    return header, rows


def concordance(sections: dict[str, Any]) -> Rows:
    report = _report(sections)
    header = [
        report.period, "decisions", "concordant", "alternative", "deviation", "share",
        "lower", "upper", "too_few",
    ]  # fmt: skip
    rows = []
    for p in report.periods:
        q = p.proportion
        shown = not p.too_few
        rows.append(
            [
                p.period, q.n, q.k, p.alternatives, q.n - q.k - p.alternatives,
                _n(q.estimate if shown else None), _n(q.lower if shown else None),
                _n(q.upper if shown else None), int(p.too_few),
            ]
        )  # fmt: skip
    return header, rows


def deviation_reasons_rows(sections: dict[str, Any]) -> Rows:
    report = _report(sections)
    header = ["reason", "hl7_code", "hl7_display", "deviations", "share"]
    rows = [
        [r.reason, r.code or "", r.display if r.code else "", r.count, _n(r.share)]
        for r in report.reasons
    ]
    return header, rows


def decisions(sections: dict[str, Any]) -> Rows:
    """One row per MDT decision behind the concordance and reasons figures."""
    report = _report(sections)
    frame = sections["decisions"]
    codes = deviation_reasons()
    rows = []
    stamps = frame["decided_at"].dt.tz_convert(None)
    freq = "Q" if report.period == "quarter" else "M"
    periods = stamps.dt.to_period(freq)
    ordered = sorted(
        zip(periods, frame["category"], frame["deviation_code"], strict=True),
        key=lambda r: (str(r[0]), r[1], str(r[2])),
    )
    for i, (period, category, code) in enumerate(ordered, start=1):
        name = f"{period.year}-Q{period.quarter}" if freq == "Q" else period.strftime("%Y-%m")
        known = codes.get(code) if isinstance(code, str) else None
        reason = reason_of(code, known.category if known else None) if known else None
        rows.append([f"D{i:04d}", name, category, reason.label if reason else "", code or ""])
    return ["decision", report.period, "category", "reason", "hl7_code"], rows


def _report(sections: dict[str, Any]):
    report = sections["concordance"]
    if report is None:
        raise FieldError("period", "no MDT decision for these filters")
    return report


def _n(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def procedures(sections: dict[str, Any]) -> Rows:
    """One row per procedure and figure: value, interval, n, method."""
    header = ["procedure", "kind", "done", "figure", "value", "lower", "upper", "n", "method"]
    rows = [
        [row.procedure, row.kind, row.treatments, name, _n(e.value), _n(e.lower),
         _n(e.upper), e.n, e.method]
        for row in sections["procedures"]
        for name, e in row.figures.items()
    ]  # fmt: skip
    return header, rows


EXPORTS: dict[str, Callable[[dict[str, Any]], Rows]] = {
    "procedures": procedures,
    "km-patients": km_patients,
    "survival-rates": survival_rates,
    "at-risk": at_risk,
    "medians": medians,
    "benchmarks": benchmarks,
    "concordance": concordance,
    "deviation-reasons": deviation_reasons_rows,
    "decisions": decisions,
}


def as_csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


@router.get("/outcomes/export/{name}.csv")
def export(
    request: Request,
    name: str,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """One dashboard table or figure dataset as CSV, for the filters in the query."""
    if name not in EXPORTS:
        raise FieldError("name", f"{name!r} is not an export: one of {', '.join(EXPORTS)}")
    chosen = page.chosen_filters(dict(request.query_params))
    version = registry_version(db)
    errors = page.filter_errors(chosen, page.years(db, version))
    if errors:
        field, message = next(iter(errors.items()))
        raise FieldError(field, message)
    header, rows = EXPORTS[name](page.dashboard(db, chosen, version))
    filename = f"rectoplan-{name}.csv"
    return Response(
        as_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

"""Cohort analytics on the registry: Kaplan–Meier, benchmarks and MDT concordance.

Each answers JSON by default and the projector-ready figure with ``?format=png`` or ``svg``.
The statistics come from `rectoplan.analytics` on the registry's cohort frames, exactly as
``rectoplan analytics`` computes them; the comparison of the registry with every published
benchmark is the command line's own function, so the two can never disagree. Figures are
drawn with matplotlib's object API (thread-safe) and never touch the disk.

Answers are kept per registry version, like the dashboard's (`rectoplan.reports.cache`): the
statistics take seconds on a registry of thousands of episodes and change only with a write, so
a repeated question (a projector refreshing a figure, a script polling) is answered from memory
until the registry changes. The key is the route, every parameter, the format and the language
(the figures and display texts are in the request's language).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import Field
from sqlalchemy.orm import Session

from rectoplan.errors import FieldError
from rectoplan.i18n import current_locale
from rectoplan.registry import cohort
from rectoplan.registry.users import Role
from rectoplan.reports.cache import OUTCOMES, registry_version
from rectoplan.reports.drawing import rendered
from rectoplan.reports.outcomes import (
    CIMethod,
    Endpoint,
    Period,
    TimeUnit,
    plain,
    registry_comparisons,
    registry_concordance,
    registry_survival,
)
from rectoplan.web.deps import reader

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


class Format(StrEnum):
    json = "json"
    png = "png"
    svg = "svg"


GroupBy = StrEnum("GroupBy", {name: name for name in cohort.GROUPS})
MEDIA_TYPES = {Format.png: "image/png", Format.svg: "image/svg+xml"}
IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/svg+xml": {"schema": {"type": "string"}},
        },
        "description": "JSON, or the figure with ?format=png|svg",
    }
}

Alpha = Annotated[float, Query(ge=0.001, le=0.5, description="1 - confidence level")]
FormatQuery = Annotated[Format, Query(alias="format")]


def _answer(
    db: Session,
    key: tuple[Any, ...],
    compute: Callable[[], tuple[dict[str, Any], Any]],
    format_: Format,
) -> Any:
    """The JSON payload, or the figure in the asked-for format, from the cache when the
    registry has not changed since the same question was asked.

    ``compute()`` gives the payload and a function drawing its figure (or None); only the part
    asked for is made: the figure under the drawing lock (see `rectoplan.reports.drawing`).
    An input error raised by ``compute`` is not kept.
    """

    def answer() -> Any:
        payload, build = compute()
        if format_ is Format.json or build is None:
            return plain(payload)
        return rendered(build, format_.value, dpi=150)

    found = OUTCOMES.get(
        registry_version(db), ("api", *key, format_.value, current_locale()), answer
    )
    if isinstance(found, bytes):
        return Response(found, media_type=MEDIA_TYPES[format_])
    return found


@router.get("/km", responses=IMAGE_RESPONSES)
def kaplan_meier(
    db: Session = reader(Role.viewer),
    endpoint: Endpoint = Endpoint.overall,
    group_by: GroupBy | None = None,
    times: Annotated[
        list[Annotated[float, Field(ge=0, le=36_525)]] | None,
        Query(max_length=40, description="Days to report S(t) at (default: whole years)"),
    ] = None,
    ci: CIMethod = CIMethod.log_log,
    alpha: Alpha = 0.05,
    unit: TimeUnit = TimeUnit.months,
    format_: FormatQuery = Format.json,
) -> Any:
    """Kaplan–Meier survival of the registry cohort, per group with a log-rank test."""
    group = None if group_by is None else str(group_by.value)

    def compute() -> tuple[dict[str, Any], Any]:
        result = registry_survival(db, endpoint, group, alpha=alpha, ci_method=ci)
        if result is None:
            raise FieldError("endpoint", f"no patients for the {endpoint} endpoint yet")
        return result.to_dict(times), lambda: result.figure(unit)

    key = ("km", endpoint.value, group, tuple(times or ()), ci.value, alpha, unit.value)
    return _answer(db, key, compute, format_)


@router.get("/benchmark", responses=IMAGE_RESPONSES)
def benchmark(
    db: Session = reader(Role.viewer),
    alpha: Alpha = 0.05,
    min_n: Annotated[int, Query(ge=1, le=1_000_000, description="Fewest for a verdict")] = 10,
    format_: FormatQuery = Format.json,
) -> Any:
    """The registry's R0, organ preservation, survival and concordance against published
    figures, each with a verdict."""

    def compute() -> tuple[dict[str, Any], Any]:
        from rectoplan.analytics.benchmarks import comparisons_figure

        summary, comparisons = registry_comparisons(db, alpha, min_n)
        payload = {"cohort": summary, "comparisons": [c.to_dict() for c in comparisons]}
        if format_ is not Format.json and not comparisons:
            raise FieldError("format", "no benchmark applies to the registry yet")
        return payload, lambda: comparisons_figure(comparisons)

    return _answer(db, ("benchmark", alpha, min_n), compute, format_)


@router.get("/concordance", responses=IMAGE_RESPONSES)
def mdt_concordance(
    db: Session = reader(Role.viewer),
    period: Period = Period.quarter,
    alpha: Alpha = 0.05,
    format_: FormatQuery = Format.json,
) -> Any:
    """Share of MDT decisions that followed the preferred recommendation, per period, and
    the coded reasons for deviating."""

    def compute() -> tuple[dict[str, Any], Any]:
        report = registry_concordance(db, period, alpha)
        if report is None:
            raise FieldError("period", "the registry holds no MDT decisions yet")
        return report.to_dict(), report.plot

    return _answer(db, ("concordance", period.value, alpha), compute, format_)

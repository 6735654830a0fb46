"""Figures for the MDT meeting: Kaplan–Meier curves with a numbers-at-risk table, forest plots
(Cox hazard ratios, benchmark comparisons), concordance over time and the reasons for
deviating from the preferred recommendation.

They are drawn for a projector at the back of a meeting room: large type, thick lines, the
Okabe–Ito colour-blind-safe palette, intervals as bands or bars, and every number a reader
needs (at risk, HR and CI, n per period) printed rather than left to the axis. Figures are
built on matplotlib's object API with the Agg canvas, never pyplot, so drawing is thread-safe
and leaves no global state; the file extension picks PNG or SVG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MultipleLocator

from rectoplan.analytics.time_units import DAYS_PER_YEAR
from rectoplan.analytics.verdicts import Verdict
from rectoplan.errors import FieldError
from rectoplan.i18n.fonts import matplotlib_font_settings

if TYPE_CHECKING:
    from rectoplan.analytics.benchmarks import Comparison
    from rectoplan.analytics.concordance import ConcordanceReport, ReasonTally
    from rectoplan.analytics.survival import CoxResult, LogRank, SurvivalCurve

FORMATS = (".png", ".svg")
DPI = 150
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
GREY = "#555555"
LINE_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 3)), (0, (1, 3)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
"""Curves differ by line style and marker as well as colour, so they can be told apart in
grey print, on a washed-out projector and by a colour-blind reader."""
RATE_YEARS = (1, 3, 5)
"""Years at which a survival figure marks each curve and quotes S(t) in its legend."""
FONT = {
    "font.size": 15,
    "axes.titlesize": 18,
    "axes.labelsize": 16,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "legend.fontsize": 14,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 1.2,
}
DAYS_PER_UNIT = {"days": 1.0, "months": DAYS_PER_YEAR / 12, "years": DAYS_PER_YEAR}
_TICK_STEPS = {
    "days": (7, 14, 30, 60, 90, 180, 365, 730, 1825),
    "months": (1, 3, 6, 12, 24, 36, 60, 120),
    "years": (0.5, 1, 2, 5, 10, 20),
}
MAX_CENSOR_MARKS = 2000
CURVES_IN_LEGEND_INSIDE = 3
"""Up to this many curves the legend sits in the plot and bands are clearly shaded; more
curves move the legend above the plot and lighten the bands so the curves stay readable."""


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save(figure: Figure, path: str | Path) -> Path:
    """Write ``figure`` as PNG or SVG according to the extension."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise FieldError("plot", f"{target.name!r}: the file must end in .png or .svg")
    if not target.parent.exists():
        raise FieldError("plot", f"the folder {str(target.parent)!r} does not exist")
    figure.savefig(target, format=suffix[1:], dpi=DPI)
    return target


def _finish(figure: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        save(figure, path)
    return figure


def _nice_step(span: float, unit: str, max_ticks: int = 10) -> float:
    for step in _TICK_STEPS[unit]:
        if span / step <= max_ticks:
            return float(step)
    return float(_TICK_STEPS[unit][-1])


def _styled(function):
    """Draw under the projector style, with a font for the current locale's script (Noto
    Sans CJK for Chinese), without touching matplotlib's global settings."""
    from functools import wraps

    from matplotlib import rc_context

    @wraps(function)
    def wrapper(*args, **kwargs):
        with rc_context({**FONT, **matplotlib_font_settings()}):
            return function(*args, **kwargs)

    return wrapper


# --- Kaplan–Meier --------------------------------------------------------------------------


def _time_axis(curves: Mapping[str, SurvivalCurve], time_unit: str) -> tuple[float, float]:
    """(last follow-up, tick step), both in ``time_unit``."""
    last = max(float(c.times[-1]) for c in curves.values()) / DAYS_PER_UNIT[time_unit]
    return last, _nice_step(last, time_unit)


def at_risk_times(curves: Mapping[str, SurvivalCurve], time_unit: str = "months") -> np.ndarray:
    """The times, in days, at which `survival_figure` prints the numbers at risk by default
    (its x-axis ticks), so a page can print the same table as text beside the image."""
    if time_unit not in DAYS_PER_UNIT:
        raise FieldError("time_unit", f"{time_unit!r} is not one of {', '.join(DAYS_PER_UNIT)}")
    if not curves:
        raise FieldError("curves", "nothing to plot")
    last, step = _time_axis(curves, time_unit)
    return np.arange(0, last + 1e-9, step) * DAYS_PER_UNIT[time_unit]


@_styled
def survival_figure(
    curves: Mapping[str, SurvivalCurve],
    *,
    path: str | Path | None = None,
    time_unit: str = "months",
    title: str | None = None,
    ylabel: str = "Survival probability",
    at_risk_times: Sequence[float] | None = None,
    logrank: LogRank | None = None,
    band: bool = True,
) -> Figure:
    """Kaplan–Meier curves with their interval bands and a numbers-at-risk table underneath.

    ``at_risk_times`` are in days (the unit of the data); by default the table sits under the
    x-axis ticks, which step by whole months or years.
    """
    if time_unit not in DAYS_PER_UNIT:
        raise FieldError("time_unit", f"{time_unit!r} is not one of {', '.join(DAYS_PER_UNIT)}")
    if not curves:
        raise FieldError("curves", "nothing to plot")
    scale = DAYS_PER_UNIT[time_unit]
    last, step = _time_axis(curves, time_unit)
    if at_risk_times is None:
        ticks = np.arange(0, last + 1e-9, step)
    else:
        ticks = np.asarray(at_risk_times, dtype=float) / scale
    rows = len(curves)
    shade = 0.18 if rows <= CURVES_IN_LEGEND_INSIDE else 0.07
    legend_lines = 0 if rows <= CURVES_IN_LEGEND_INSIDE else (rows + 1) // 2
    figure = _figure(12, 6.6 + 0.42 * rows + 0.35 * legend_lines)
    grid = figure.add_gridspec(2, 1, height_ratios=(6.0, 0.55 + 0.42 * rows))
    ax = figure.add_subplot(grid[0])
    table = figure.add_subplot(grid[1], sharex=ax)

    handles = []
    for i, curve in enumerate(curves.values()):
        colour = PALETTE[i % len(PALETTE)]
        style, marker = LINE_STYLES[i % len(LINE_STYLES)], MARKERS[i % len(MARKERS)]
        x = curve.times / scale
        ax.step(x, curve.survival, where="post", color=colour, lw=2.8, ls=style)
        marks = _rate_rows(curve)
        ax.plot(
            [row[0] * DAYS_PER_YEAR / scale for row in marks],
            [row[1] for row in marks],
            ls="none",
            marker=marker,
            ms=10,
            color=colour,
            mec="white",
            mew=1.2,
            zorder=4,
        )
        handles.append(
            Line2D(
                [], [], color=colour, lw=2.8, ls=style, marker=marker, ms=10, mec="white",
                label=_legend(curve, time_unit),
            )
        )  # fmt: skip
        if band:
            ax.fill_between(x, curve.lower, curve.upper, step="post", color=colour, alpha=shade)
        censored = curve.censored > 0
        if 0 < censored.sum() <= MAX_CENSOR_MARKS:
            ax.plot(x[censored], curve.survival[censored], "|", color=colour, ms=11, mew=1.8)
        counts = curve.number_at_risk(ticks * scale)
        for t, count in zip(ticks, counts, strict=True):
            table.text(t, rows - 1 - i, f"{count:,}", ha="center", va="center", color=colour)

    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, max(last, ticks[-1] if len(ticks) else last) * 1.02)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.grid(axis="y", alpha=0.3, lw=1)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(f"Time ({time_unit})")
    ax.tick_params(labelbottom=True)
    level = round(100 * (1 - next(iter(curves.values())).alpha))
    method = next(iter(curves.values())).ci_method
    note = f"shaded: {level}% CI ({method});  | censored"
    if logrank is not None:
        note = (
            f"log-rank χ² = {logrank.statistic:.2f}, df {logrank.df}, p {_p(logrank.p_value)}"
            f"\n{note}"
        )
    ax.set_title(note, loc="right", color=GREY, fontsize=13)
    if rows > CURVES_IN_LEGEND_INSIDE:
        figure.legend(
            handles=handles, loc="outside upper center", ncol=2, frameon=False, fontsize=12
        )
    else:
        ax.legend(handles=handles, loc="lower left", frameon=False, fontsize=13)
    if title:
        ax.set_title(title, loc="left", weight="bold")

    table.set_ylim(-0.6, rows - 0.4)
    table.set_yticks(range(rows), list(curves)[::-1])
    table.tick_params(axis="y", length=0, pad=34)
    for label, colour in zip(table.get_yticklabels()[::-1], PALETTE, strict=False):
        label.set_color(colour)
        label.set_fontweight("bold")
    table.tick_params(axis="x", labelbottom=False, length=0)
    for side in ("left", "bottom"):
        table.spines[side].set_visible(False)
    table.set_title("Number at risk", loc="left", fontsize=14, color=GREY, pad=4)
    return _finish(figure, path)


_UNIT_ABBREVIATION = {"days": "d", "months": "mo", "years": "y"}


def _rate_rows(curve: SurvivalCurve) -> list[tuple[float, float, float, float]]:
    """(years, S, lower, upper) at each of `RATE_YEARS` the curve's follow-up reaches."""
    last = float(curve.times[-1]) if len(curve.times) else 0.0
    reached = [y for y in RATE_YEARS if y * DAYS_PER_YEAR <= last]
    if not reached:
        return []
    table = curve.survival_at([y * DAYS_PER_YEAR for y in reached])
    return [
        (y, float(r.survival), float(r.lower), float(r.upper))
        for y, r in zip(reached, table.itertuples(), strict=True)
    ]


def _legend(curve: SurvivalCurve, time_unit: str) -> str:
    median = curve.median.time
    if median is None:
        shown = "not reached"
    else:
        digits = 0 if time_unit == "days" else 1
        value = median / DAYS_PER_UNIT[time_unit]
        shown = f"{value:,.{digits}f} {_UNIT_ABBREVIATION[time_unit]}"
    events = f"{curve.events:,} event{'' if curve.events == 1 else 's'}"
    rates = "  ".join(f"{y} y {s:.0%} ({lo:.0%}–{hi:.0%})" for y, s, lo, hi in _rate_rows(curve))
    head = f"{curve.label} (n={curve.n:,}, {events}, median {shown})"
    return f"{head}\n{rates}" if rates else head


def _p(p: float) -> str:
    """``< 0.001`` or ``= 0.012``: a p-value as a report writes it after "p"."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


# --- forest plots --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForestRow:
    """One line of a forest plot: a point with its interval and the text printed beside it;
    ``marker`` is a per-row reference value (a benchmark) drawn as an open diamond."""

    label: str
    estimate: float
    lower: float | None
    upper: float | None
    text: str
    marker: float | None = None
    colour: str = PALETTE[0]
    text_colour: str = "black"


def _forest(
    rows: Sequence[ForestRow],
    *,
    xlabel: str,
    log: bool,
    line: float | None,
    title: str | None,
    percent: bool,
    text_header: str = "",
    legend: Sequence[tuple[str, dict]] = (),
) -> Figure:
    figure = _figure(13, 2.0 + 0.8 * len(rows))
    grid = figure.add_gridspec(1, 2, width_ratios=(3.0, 1.45))
    ax = figure.add_subplot(grid[0])
    side = figure.add_subplot(grid[1], sharey=ax)
    y = np.arange(len(rows))[::-1]
    for yi, row in zip(y, rows, strict=True):
        if row.lower is not None and row.upper is not None:
            ax.plot(
                [row.lower, row.upper], [yi, yi], color=row.colour, lw=3.2, solid_capstyle="butt"
            )
        ax.plot(row.estimate, yi, "s", color=row.colour, ms=11)
        if row.marker is not None:
            ax.plot(row.marker, yi, "D", mfc="white", mec="black", mew=2, ms=11)
        side.text(0, yi, row.text, va="center", ha="left", fontsize=14, color=row.text_colour)
    if line is not None:
        ax.axvline(line, color=GREY, lw=1.6, ls="--")
    if log:
        _log_ratio_axis(ax, rows, line)
    if text_header:
        side.text(
            0,
            len(rows) - 0.45,
            text_header,
            va="bottom",
            ha="left",
            color=GREY,
            fontsize=14,
            weight="bold",
        )
    if percent:
        ax.set_xlim(-0.02, 1.02)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_yticks(y, [row.label for row in rows])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    side.axis("off")
    side.set_xlim(0, 1)
    if legend:
        handles = [ax.plot([], [], label=label, **style)[0] for label, style in legend]
        figure.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    if title:
        figure.suptitle(title, x=0.01, ha="left", weight="bold", fontsize=18)
    return figure


_RATIO_TICK_TIERS = (
    (0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2),
    (0.5, 0.75, 1, 1.5, 2),
    (0.25, 0.5, 1, 2, 4),
    (0.1, 0.2, 0.5, 1, 2, 5, 10),
    (0.01, 0.1, 1, 10, 100),
    (0.001, 0.01, 0.1, 1, 10, 100, 1000),
)
_MAX_RATIO_TICKS = 7


def _log_ratio_axis(ax, rows: Sequence[ForestRow], line: float | None) -> None:
    """A log axis spanning the intervals and the line of no effect, labelled with plain
    ratios (0.5, 1, 2) from the densest tier that stays legible."""
    from matplotlib.ticker import FixedLocator, NullFormatter

    values = [v for r in rows for v in (r.estimate, r.lower, r.upper) if v is not None]
    values.append(line or 1.0)
    span = np.log(max(values) / min(values)) or np.log(2)
    low, high = min(values) * np.exp(-0.08 * span), max(values) * np.exp(0.08 * span)
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    for tier in _RATIO_TICK_TIERS:  # densest first; stop at the first that spans the axis
        ticks = [t for t in tier if low <= t <= high]
        spans = len(ticks) >= 2 and ticks[0] <= low * 5 and ticks[-1] >= high / 5
        if spans and len(ticks) <= _MAX_RATIO_TICKS:
            break
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


@_styled
def hazard_ratio_figure(
    result: CoxResult, *, path: str | Path | None = None, title: str | None = None
) -> Figure:
    """Hazard ratios with their intervals on a log axis; left of 1 means a lower hazard."""
    level = round(100 * (1 - result.alpha))
    reference = ", ".join(f"{k} = {v}" for k, v in result.reference.items())
    rows = [
        ForestRow(
            label=term.term,
            estimate=term.hazard_ratio,
            lower=term.lower,
            upper=term.upper,
            text=f"{term.hazard_ratio:.2f} ({term.lower:.2f}-{term.upper:.2f})"
            f"   p {_p(term.p_value)}",
        )
        for term in result.terms
    ]
    heading = title or "Cox proportional hazards"
    if reference:
        heading += f" (reference: {reference})"
    return _finish(
        _forest(
            rows,
            xlabel=f"Hazard ratio ({level}% CI, log scale; n={result.n:,}, "
            f"{result.events:,} events)",
            log=True,
            line=1.0,
            title=heading,
            percent=False,
            text_header=f"HR ({level}% CI)",
        ),
        path,
    )


@_styled
def benchmark_figure(
    comparisons: Sequence[Comparison], *, path: str | Path | None = None, title: str | None = None
) -> Figure:
    """Each cohort proportion with its interval against its benchmark (open diamond); colour
    gives the verdict."""

    colours = {
        Verdict.BETTER: PALETTE[2],
        Verdict.MEETS: PALETTE[2],
        Verdict.WORSE: PALETTE[1],
        Verdict.MISSES: PALETTE[1],
        Verdict.CONSISTENT: PALETTE[0],
        Verdict.TOO_FEW: GREY,
    }
    shown = [c for c in comparisons if c.reference.scale == "proportion" and c.estimate is not None]
    if not shown:
        raise FieldError("comparisons", "no proportion benchmark to plot")
    rows = [
        ForestRow(
            label=_wrap(c.reference.label, 46),
            estimate=c.estimate,
            lower=c.lower,
            upper=c.upper,
            text=f"{c.estimate:.0%} vs {c.reference.statement}\n{c.verdict}",
            marker=c.reference.value,
            colour=colours[c.verdict],
            text_colour=colours[c.verdict],
        )
        for c in shown
    ]
    legend = [
        ("cohort (95% CI)", {"color": PALETTE[0], "marker": "s", "lw": 3, "ms": 10}),
        (
            "benchmark",
            {"marker": "D", "mfc": "white", "mec": "black", "mew": 2, "ls": "", "ms": 10},
        ),
    ]
    return _finish(
        _forest(
            rows,
            xlabel="Proportion of patients",
            log=False,
            line=None,
            title=title or "Cohort against published benchmarks",
            percent=True,
            legend=legend,
        ),
        path,
    )


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


# --- concordance over time -----------------------------------------------------------------


@_styled
def concordance_figure(
    report: ConcordanceReport,
    *,
    path: str | Path | None = None,
    title: str | None = None,
    reference: float | None = None,
    reference_label: str = "reference",
    intervals: Literal["band", "bars"] = "band",
) -> Figure:
    """Share of decisions following the preferred recommendation per period, with its Wilson
    interval (a band, or with ``intervals="bars"`` a bar per period, which reads better when
    periods are few or far apart), the overall share as a dashed line and n printed under
    each period. A period with too few decisions is left undrawn and marked "too few"."""
    if intervals not in ("band", "bars"):
        raise FieldError("intervals", f"{intervals!r} is not one of band, bars")
    figure = _figure(11, 6.2)
    ax = figure.add_subplot()
    x = np.arange(len(report.periods))
    shown = np.array([not p.too_few for p in report.periods])
    share = np.where(shown, [p.proportion.estimate for p in report.periods], np.nan)
    lower = np.where(shown, [p.proportion.lower for p in report.periods], np.nan)
    upper = np.where(shown, [p.proportion.upper for p in report.periods], np.nan)
    ci_label = f"{round(100 * (1 - report.overall.alpha))}% CI (Wilson)"
    if intervals == "band":
        ax.fill_between(x, lower, upper, color=PALETTE[0], alpha=0.18, lw=0, label=ci_label)
    else:
        ax.errorbar(
            x,
            share,
            yerr=(share - lower, upper - share),
            fmt="none",
            ecolor=PALETTE[0],
            elinewidth=2.2,
            capsize=6,
            capthick=2.2,
            label=ci_label,
        )
    ax.plot(x, share, "-o", color=PALETTE[0], lw=2.8, ms=9, label="followed preferred")
    overall = report.overall
    ax.axhline(
        overall.estimate,
        color=GREY,
        ls="--",
        lw=1.6,
        label=f"overall {overall.estimate:.0%} ({overall.k}/{overall.n})",
    )
    if reference is not None:
        ax.axhline(reference, color=PALETTE[1], ls=":", lw=2.2, label=reference_label)
    crowded = len(x) > 8
    for xi, period, drawn in zip(x, report.periods, shown, strict=True):
        if not drawn:
            ax.text(
                xi, 0.5, "too few", ha="center", va="center", rotation=90, color=GREY, fontsize=12
            )
        ax.text(
            xi,
            0.02,
            f"{period.proportion.n}",
            ha="center",
            va="bottom",
            color=GREY,
            fontsize=12 if crowded else 14,
        )
    ax.text(
        -0.01,
        0.02,
        "n",
        transform=ax.get_yaxis_transform(),
        ha="right",
        va="bottom",
        color=GREY,
        fontsize=14,
    )
    ax.set_xticks(x, [p.period for p in report.periods])
    if crowded:
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
            label.set_rotation_mode("anchor")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_ylabel("Decisions following the preferred option")
    ax.set_xlabel(report.period.capitalize())
    ax.grid(axis="y", alpha=0.3)
    figure.legend(loc="outside lower center", ncol=2, frameon=False)
    ax.set_title(
        title or "MDT concordance with the preferred recommendation", loc="left", weight="bold"
    )
    return _finish(figure, path)


# --- deviation reasons ---------------------------------------------------------------------


@_styled
def deviation_reasons_figure(
    reasons: Sequence[ReasonTally], *, path: str | Path | None = None, title: str | None = None
) -> Figure:
    """Horizontal bars of how often each coded reason was given for deviating from the
    preferred recommendation, commonest at the top, with the count and share printed at the
    end of each bar; the code is printed beside its text so no colour has to be decoded."""
    if not reasons:
        raise FieldError("reasons", "no deviation to plot")
    figure = _figure(12, 1.8 + 0.75 * len(reasons))
    ax = figure.add_subplot()
    y = np.arange(len(reasons))[::-1]
    counts = np.array([r.count for r in reasons])
    colours = [PALETTE[0] if r.code and r.known else GREY for r in reasons]
    ax.barh(y, counts, color=colours, height=0.62)
    for yi, reason in zip(y, reasons, strict=True):
        ax.text(
            reason.count,
            yi,
            f"  {reason.count:,} ({reason.share:.0%})",
            va="center",
            ha="left",
            fontsize=14,
        )
    labels = [_wrap(r.reason, 42) + (f"\n({r.code})" if r.code else "") for r in reasons]
    ax.set_yticks(y, labels)
    ax.set_xlim(0, counts.max() * 1.25)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(f"Deviations (of {counts.sum():,})")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(
        title or "Reasons for deviating from the preferred recommendation",
        loc="left",
        weight="bold",
    )
    return _finish(figure, path)

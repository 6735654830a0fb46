"""A line chart as inline SVG text: curves, threshold lines and a marked point, log or linear y.

The stenosis planner draws its force and pressure curves with this instead of matplotlib: an
SVG of a few hundred points is built in about a millisecond where a PNG figure costs a
hundred or more, it scales on the MDT's projector, and it needs no script (the page's content
security policy allows none inline). Only presentation attributes are used (no ``style``),
and every text is escaped. The chart carries its own title and description for screen
readers; the data table beside it holds the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 430
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 40, 52
LEGEND_LINE = 15


@dataclass(frozen=True, slots=True)
class Curve:
    """One curve: points (x, y) and how it is drawn; y <= 0 is left out on a log axis."""

    xs: Sequence[float]
    ys: Sequence[float]
    label: str
    colour: str
    dash: str = ""
    width: float = 2.0


@dataclass(frozen=True, slots=True)
class Level:
    """A horizontal line across the chart (a threshold)."""

    y: float
    label: str
    colour: str
    dash: str = "6 4"


@dataclass(frozen=True, slots=True)
class Marker:
    """A vertical line at ``x`` with a dot at (x, y) and its text."""

    x: float
    y: float
    label: str
    text: str


def _nice_step(span: float, count: int = 6) -> float:
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _log_ticks(low: float, high: float) -> list[float]:
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 2, 5):
            value = mantissa * 10.0**exponent
            if low <= value <= high:
                ticks.append(value)
    return ticks


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.0e}"


def line_chart_svg(
    *,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    curves: Sequence[Curve],
    levels: Sequence[Level] = (),
    marker: Marker | None = None,
    x_range: tuple[float, float],
    log_y: bool = True,
    element_id: str = "",
) -> str:
    """The chart as an ``<svg>`` element (a string for the template's ``| safe``)."""
    x0, x1 = x_range
    values = [y for c in curves for y in c.ys if (y > 0 or not log_y) and math.isfinite(y)]
    values += [lv.y for lv in levels] + ([marker.y] if marker else [])
    low, high = min(values), max(values)
    if log_y:
        low, high = 10 ** math.floor(math.log10(low)), 10 ** math.ceil(math.log10(high))
    elif high == low:
        high = low + 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * plot_w

    def sy(y: float) -> float:
        if log_y:
            share = (math.log10(y) - math.log10(low)) / (math.log10(high) - math.log10(low))
        else:
            share = (y - low) / (high - low)
        return TOP + (1 - share) * plot_h

    ident = f' id="{escape(element_id)}"' if element_id else ""
    parts = [
        f'<svg{ident} xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{escape(element_id)}-title {escape(element_id)}-desc" '
        'class="chart" font-family="sans-serif" font-size="12">',
        f'<title id="{escape(element_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(element_id)}-desc">{escape(description)}</desc>',
        f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="13">{escape(title)}</text>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#888"/>',
    ]
    y_ticks = _log_ticks(low, high) if log_y else _linear_ticks(low, high)
    for y in y_ticks:
        py = sy(y)
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{py:.1f}" y2="{py:.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end">{_number(y)}</text>'
        )
    for x in _linear_ticks(x0, x1):
        px = sx(x)
        parts.append(
            f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#eee"/>'
            f'<text x="{px:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{_number(x)}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 12}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text transform="translate(16 {TOP + plot_h / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    for level in levels:
        py = sy(level.y)
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{py:.1f}" y2="{py:.1f}" '
            f'stroke="{level.colour}" stroke-width="1.5" stroke-dasharray="{level.dash}"/>'
        )
    for curve in curves:
        points = " ".join(
            f"{sx(x):.1f},{sy(y):.1f}"
            for x, y in zip(curve.xs, curve.ys, strict=True)
            if x0 <= x <= x1 and math.isfinite(y) and (y > 0 or not log_y) and low <= y <= high
        )
        dash = f' stroke-dasharray="{curve.dash}"' if curve.dash else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{curve.colour}" '
            f'stroke-width="{curve.width}"{dash}/>'
        )
    if marker is not None:
        px, py = sx(marker.x), sy(marker.y)
        parts.append(
            f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#000"/>'
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="#000"/>'
            f'<text x="{px + 7:.1f}" y="{py - 7:.1f}">{escape(marker.text)}</text>'
        )
    legend = [(c.label, c.colour, c.dash) for c in curves]
    legend += [(lv.label, lv.colour, lv.dash) for lv in levels]
    if marker is not None:
        legend.append((marker.label, "#000", ""))
    for index, (label, colour, dash) in enumerate(legend):
        y = TOP + 14 + index * LEGEND_LINE
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{WIDTH - RIGHT - 300}" x2="{WIDTH - RIGHT - 276}" y1="{y - 4}" '
            f'y2="{y - 4}" stroke="{colour}" stroke-width="2"{dashed}/>'
            f'<text x="{WIDTH - RIGHT - 270}" y="{y}" font-size="11">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _linear_ticks(low: float, high: float) -> list[float]:
    step = _nice_step(high - low)
    first = math.ceil(low / step - 1e-9)
    ticks = []
    value = first * step
    while value <= high + 1e-9 * step:
        ticks.append(round(value, 12))
        value += step
    return ticks

"""Force and contact pressure against the gap, with the coupling thresholds and the planned gap.

One drawing for the command line (``rectoplan mct plot``: both panels in one image) and the
stenosis planner page (each panel as its own image with its own alt text), so the picture the
surgeon prints and the one on the screen in the MDT are the same. The thresholds drawn are
the verdict's own (`rectoplan.mct.design.CouplingSettings`, all assumptions); on the pressure
panel they appear as the pressure their force gives over the rings' overlap.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")  # no display on a server or in CI

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from rectoplan.mct.design import CouplingSettings
from rectoplan.mct.force import axial_force
from rectoplan.mct.tissue import format_pressure, mean_pressure_pa, ring_overlap_area
from rectoplan.mct.units import KPA, MM, PA_PER_MMHG
from rectoplan.reports.mct_tables import misaligned_curve, pair_title

ASSUMPTION_NOTE = (
    "Thresholds are assumptions (rectoplan.mct.design.CouplingSettings); "
    "no pressure window is established in the literature."
)
DENSE_POINTS = 400
"""Points of the coaxial curves: closed forms, cheap, and smooth at any width."""


def _planned(axis: Axes, planned_gap_m: float, value: float, text: str) -> None:
    axis.axvline(
        planned_gap_m / MM, color="black", lw=1.2, label=f"planned gap {planned_gap_m / MM:g} mm"
    )
    axis.plot([planned_gap_m / MM], [value], "ko")
    axis.annotate(
        text, (planned_gap_m / MM, value), xytext=(6, 6), textcoords="offset points", fontsize=9
    )


def _finish(axis: Axes) -> None:
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(loc="upper right", fontsize=8)


def draw_force(
    axis: Axes, lower, upper, settings: CouplingSettings, planned_gap_m, right_m: float
) -> None:
    """Coaxial and directly placed pull (log scale) against the two force thresholds."""
    gaps = np.linspace(0.0, right_m, DENSE_POINTS)
    axis.semilogy(
        gaps / MM, axial_force(lower, upper, gaps), color="tab:blue", lw=2, label="pull, coaxial"
    )
    direct_gaps, direct_force = misaligned_curve(lower, upper, settings, right_m)
    axis.semilogy(
        direct_gaps / MM,
        direct_force,
        color="tab:blue",
        ls="--",
        label=f"pull, placed directly ({settings.direct_offset_m / MM:g} mm offset, "
        f"{math.degrees(settings.direct_tilt_rad):g} deg tilt)",
    )
    axis.axhline(
        settings.rail_force_n,
        color="tab:green",
        ls="-.",
        label=f"rail coupling threshold {settings.rail_force_n:g} N (assumption)",
    )
    axis.axhline(
        settings.direct_force_n,
        color="tab:orange",
        ls=":",
        lw=2,
        label=f"direct coupling threshold {settings.direct_force_n:g} N (assumption)",
    )
    if planned_gap_m is not None:
        at_plan = float(axial_force(lower, upper, planned_gap_m))
        _planned(axis, planned_gap_m, at_plan, f"{at_plan:.2f} N")
    axis.set_ylabel("force (N)")
    _finish(axis)


def draw_pressure(
    axis: Axes, lower, upper, settings: CouplingSettings, planned_gap_m, right_m: float
) -> None:
    """Mean contact pressure (log scale, kPa with mmHg on the right) and the pressure each
    force threshold gives over the overlap of the ring faces."""
    gaps = np.linspace(0.0, right_m, DENSE_POINTS)
    area = float(ring_overlap_area(lower, upper))
    pressure_kpa = mean_pressure_pa(axial_force(lower, upper, gaps), area) / KPA
    axis.semilogy(gaps / MM, pressure_kpa, color="tab:red", lw=2, label="mean contact pressure")
    mmhg = axis.secondary_yaxis(
        "right",
        functions=(lambda k: k * KPA / PA_PER_MMHG, lambda m: m * PA_PER_MMHG / KPA),
    )
    mmhg.set_ylabel("pressure (mmHg)")
    for force, name, colour, style in (
        (settings.rail_force_n, "rail", "tab:green", "-."),
        (settings.direct_force_n, "direct", "tab:orange", ":"),
    ):
        axis.axhline(
            force / area / KPA,
            color=colour,
            ls=style,
            lw=1.5,
            label=f"{name} threshold {force:g} N = {format_pressure(force / area)} (assumption)",
        )
    if planned_gap_m is not None:
        at_plan = float(axial_force(lower, upper, planned_gap_m)) / area
        _planned(axis, planned_gap_m, at_plan / KPA, format_pressure(at_plan))
    axis.set_ylabel("pressure (kPa)")
    _finish(axis)


GAP_LABEL = "gap between the ring faces = stenosis length (mm)"


def coupling_figure(
    lower, upper, settings: CouplingSettings, planned_gap_m, right_m: float
) -> Figure:
    """Both panels, sharing the gap axis: the command line's image."""
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(8.0, 7.5))
    draw_force(top, lower, upper, settings, planned_gap_m, right_m)
    draw_pressure(bottom, lower, upper, settings, planned_gap_m, right_m)
    bottom.set_xlabel(GAP_LABEL)
    top.set_title(pair_title(lower, upper), fontsize=10)
    figure.text(0.01, 0.005, ASSUMPTION_NOTE, fontsize=7, color="gray")
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    return figure


def _single(draw, title: str, lower, upper, settings, planned_gap_m, right_m) -> Figure:
    figure, axis = plt.subplots(figsize=(7.5, 4.6))
    draw(axis, lower, upper, settings, planned_gap_m, right_m)
    axis.set_xlabel(GAP_LABEL)
    axis.set_title(f"{title}: {pair_title(lower, upper)}", fontsize=10)
    figure.tight_layout()
    return figure


def force_gap_figure(lower, upper, settings, planned_gap_m, right_m: float) -> Figure:
    """The force panel alone (the planner page shows each panel with its own description)."""
    return _single(draw_force, "Force", lower, upper, settings, planned_gap_m, right_m)


def pressure_gap_figure(lower, upper, settings, planned_gap_m, right_m: float) -> Figure:
    """The pressure panel alone."""
    return _single(draw_pressure, "Pressure", lower, upper, settings, planned_gap_m, right_m)


def plot_right_edge(planned_gap_m: float | None, max_gap_m: float) -> float:
    """Right end of the gap axis: ``max_gap_m``, or a quarter beyond the planned gap."""
    return max(max_gap_m, 1.25 * planned_gap_m) if planned_gap_m else max_gap_m

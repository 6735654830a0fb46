"""The sacrectomy plan drawn as the surgeon sees it on the mid-sagittal image.

The anterior sacral curve through the landmarks, the tumour's upper extent, the transection
line (perpendicular to the curve at the planned point) and the vascular tape along the curve
from the promontory: the picture that goes to theatre with the premeasured tape.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from rectoplan.clinical.sacrum import SacralCurve, SacrectomyPlan

TAPE_COLOUR = "#d62728"
CURVE_COLOUR = "#555555"


def sacrectomy_figure(curve: SacralCurve, plan: SacrectomyPlan, tumour_point, title: str = ""):
    """A matplotlib figure of curve, landmarks, tumour, tape and transection line."""
    fig, ax = plt.subplots(figsize=(6.4, 7.2))
    points = curve.sample(300)
    ax.plot(points[:, 0], points[:, 1], color=CURVE_COLOUR, lw=2.5, label="anterior sacral surface")
    for label, (x, y) in zip(curve.labels, curve.points_mm, strict=True):
        ax.plot(x, y, "o", color=CURVE_COLOUR, ms=5)
        ax.annotate(label, (x, y), xytext=(8, 0), textcoords="offset points", va="center")
    tape = _tape(curve, plan)
    ax.plot(
        tape[:, 0],
        tape[:, 1],
        color=TAPE_COLOUR,
        lw=5,
        alpha=0.6,
        label=f"vascular tape {plan.tape_length_mm:.0f} mm",
    )
    tx, ty = tumour_point
    ax.plot(tx, ty, "X", color="#9467bd", ms=12, label="tumour upper extent")
    _transection_line(ax, curve, plan)
    ax.set_aspect("equal")
    ax.set_xlabel("posterior  <-  x (mm)  ->  anterior")
    ax.set_ylabel("caudal  <-  y (mm)  ->  cranial")
    ax.set_title(title or f"Transection at {plan.level}, {plan.margin_mm:g} mm above the tumour")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig


def _tape(curve: SacralCurve, plan: SacrectomyPlan) -> np.ndarray:
    steps = np.linspace(0.0, plan.transection_arc_mm, 60)
    return np.array([curve.point_at_arc(s) for s in steps])


def _transection_line(ax, curve: SacralCurve, plan: SacrectomyPlan, half_length_mm: float = 25):
    """Draw the cut perpendicular to the sacral curve at the planned point."""
    delta = 0.5
    a = curve.point_at_arc(max(plan.transection_arc_mm - delta, 0.0))
    b = curve.point_at_arc(min(plan.transection_arc_mm + delta, curve.length_mm))
    tangent = (b - a) / np.linalg.norm(b - a)
    normal = np.array([-tangent[1], tangent[0]])
    centre = np.asarray(plan.transection_point_mm)
    ends = np.array([centre - half_length_mm * normal, centre + half_length_mm * normal])
    ax.plot(ends[:, 0], ends[:, 1], "--", color="black", lw=2, label=f"transection ({plan.level})")


def save_figure(fig, path: Path) -> Path:
    """Write PNG or SVG by the file's extension."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"{path.name}: the plot must be a .png or .svg file")
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path

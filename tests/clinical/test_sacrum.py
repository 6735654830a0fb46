"""Sacral curve geometry against curves with known answers (straight line, circular arc)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rectoplan.clinical.sacrum import SacralCurve, plan_sacrectomy
from rectoplan.errors import FieldError

LABELS = ["S1", "S2", "S3", "S4", "S5", "Co1"]


def _circle(radius: float, start: float, stop: float, n: int = 6) -> list[tuple[float, float]]:
    """Points on a circle centred at (-radius, 0): concave anteriorly like a sacrum."""
    return [
        (radius * math.cos(t) - radius, radius * math.sin(t)) for t in np.linspace(start, stop, n)
    ]


def test_straight_line_arc_length_is_exact():
    curve = SacralCurve.through(LABELS, [(0.0, -20.0 * i) for i in range(6)])
    assert curve.length_mm == pytest.approx(100.0, abs=1e-6)
    assert curve.arc_length_to((7.0, -65.0)) == pytest.approx(65.0, abs=1e-6)


@pytest.mark.parametrize("radius", [60.0, 100.0, 150.0])
def test_circular_arc_length_matches_r_theta(radius):
    start, stop = math.pi / 4, -math.pi / 4
    curve = SacralCurve.through(LABELS, _circle(radius, start, stop))
    assert curve.length_mm == pytest.approx(radius * (start - stop), rel=2e-4)
    theta = -0.1
    point = (radius * math.cos(theta) - radius, radius * math.sin(theta))
    assert curve.arc_length_to(point) == pytest.approx(radius * (start - theta), rel=2e-4)


def test_plan_puts_the_line_a_margin_above_the_tumour_on_a_circle():
    radius, start = 100.0, math.pi / 4
    curve = SacralCurve.through(LABELS, _circle(radius, start, -start))
    theta = -0.2
    plan = plan_sacrectomy(curve, (radius * math.cos(theta) - radius, radius * math.sin(theta)))
    assert plan.tape_length_mm == pytest.approx(radius * (start - theta) - 10.0, rel=2e-4)
    # the transection point lies on the circle, 10 mm of arc above the tumour
    x, y = plan.transection_point_mm
    assert math.hypot(x + radius, y) == pytest.approx(radius, abs=0.05)
    assert math.atan2(y, x + radius) == pytest.approx(theta + 10.0 / radius, abs=5e-4)


def test_levels_are_named_as_body_or_disc():
    curve = SacralCurve.through(LABELS, [(0.0, -20.0 * i) for i in range(6)])
    assert plan_sacrectomy(curve, (0.0, -65.0)).level == "S3 body"  # transection at 55 mm
    assert plan_sacrectomy(curve, (0.0, -51.0)).level == "S2/S3"  # 41 mm: 1 mm from S3's top
    assert plan_sacrectomy(curve, (0.0, -35.0)).high  # S2 body: high sacrectomy


@pytest.mark.parametrize(
    ("labels", "points", "message"),
    [
        (["S1", "S3", "S2"], [(0, 0), (0, -20), (0, -40)], "cranial to caudal"),
        (["S2", "S3", "S4"], [(0, 0), (0, -20), (0, -40)], "promontory"),
        (["S1", "S2", "S9"], [(0, 0), (0, -20), (0, -40)], "unknown level"),
        (["S1", "S2", "S3"], [(0, 0), (0, -20), (0, 10)], "y_mm must fall"),
        (["S1", "S2"], [(0, 0), (0, -20)], "at least 3"),
    ],
)
def test_bad_landmarks_are_refused(labels, points, message):
    with pytest.raises(FieldError, match=message):
        SacralCurve.through(labels, points)


def test_margin_above_the_promontory_is_refused():
    curve = SacralCurve.through(LABELS, [(0.0, -20.0 * i) for i in range(6)])
    with pytest.raises(FieldError, match="above S1"):
        plan_sacrectomy(curve, (0.0, -5.0))

"""Magnetic compression physics: pure vectorised numerics in SI units (m, T, N, Pa).

Layers, bottom up (each imports only the ones below it, NumPy, SciPy, `rectoplan.evidence` and
`rectoplan.errors`: a value the physics cannot use is a `FieldError` naming the argument):

* array kernels: `force` (exact coaxial force and stiffness), `field` (ring field), `demag`
  (demagnetizing factor and screen), `tissue` (contact area and pressure);
* objects: `materials.Grade` / `MaterialModel` and `magnets.RingMagnet`;
* poses: `pose.pose_force` (offset and tilt by surface-charge quadrature);
* planning: `design.assess_coupling` (the coupling verdict) and `design.design_rings` (the
  Pareto set of ring designs within delivery limits).

`reference` holds slow independent oracles (mpmath, Bessel integrals) for tests and benchmarks.
"""

from rectoplan.mct.design import (
    CouplingAssessment,
    CouplingSettings,
    DeliveryLimits,
    DesignGrid,
    DesignResult,
    Objective,
    RingDesign,
    Verdict,
    assess_coupling,
    design_rings,
)
from rectoplan.mct.force import axial_force, axial_stiffness
from rectoplan.mct.magnets import RingMagnet
from rectoplan.mct.materials import GRADES, MaterialModel
from rectoplan.mct.pose import pose_force, pose_reaction
from rectoplan.mct.tissue import PressureStatus, PressureWindow

__all__ = [
    "GRADES",
    "CouplingAssessment",
    "CouplingSettings",
    "DeliveryLimits",
    "DesignGrid",
    "DesignResult",
    "MaterialModel",
    "Objective",
    "PressureStatus",
    "PressureWindow",
    "RingDesign",
    "RingMagnet",
    "Verdict",
    "assess_coupling",
    "axial_force",
    "axial_stiffness",
    "design_rings",
    "pose_force",
    "pose_reaction",
]

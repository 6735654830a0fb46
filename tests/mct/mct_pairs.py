"""Ring pairs shared by the magnet-engine tests (SI units, rigid J unless a test says so).

A plain module rather than a conftest: tests/ has no packages, and a second ``conftest``
module name would collide with tests/conftest.py.

The geometries span what the "Done when" list asks for: equal rings, unequal rings, discs,
thin and thick rings, and equal outer radii with different bores.
"""

from __future__ import annotations

from rectoplan.mct.magnets import RingMagnet

#: Geometry A of magnet-physics.md (OD20/ID8/h5) at the 1.3 T of its tables.
RING_A = RingMagnet(0.020, 0.008, 0.005, 1.3)

PAIRS = {
    "equal": (RING_A, RING_A),
    "unequal": (RingMagnet(0.015, 0.006, 0.003, 1.2), RingMagnet(0.025, 0.010, 0.008, 1.35)),
    "disc": (RingMagnet(0.020, 0.0, 0.005, 1.3), RingMagnet(0.020, 0.0, 0.005, 1.3)),
    "thin": (RingMagnet(0.030, 0.010, 0.0015, 1.4), RingMagnet(0.030, 0.010, 0.0015, 1.4)),
    "thick": (RingMagnet(0.015, 0.005, 0.015, 1.2), RingMagnet(0.015, 0.005, 0.015, 1.2)),
    "same_od": (RingMagnet(0.020, 0.006, 0.004, 1.3), RingMagnet(0.020, 0.010, 0.006, 1.3)),
}

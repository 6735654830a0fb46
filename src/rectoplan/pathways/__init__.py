"""Case -> Assessment: small rule functions that each return Recommendations."""

from rectoplan.pathways.engine import assess

__all__ = ["assess"]

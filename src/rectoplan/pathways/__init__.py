"""Case -> Assessment: small rule functions that each return Recommendations."""

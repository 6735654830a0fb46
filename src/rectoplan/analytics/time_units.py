"""Time units shared by the statistics and their figures (a leaf module: `plots` reads it
without importing `survival`, which calls `plots`)."""

from __future__ import annotations

DAYS_PER_YEAR = 365.25
"""Julian year: survival times are stored in days and reported at whole years."""

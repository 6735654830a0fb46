"""The words a comparison with a published figure ends in.

A leaf module: `benchmarks` decides a verdict and `plots` colours it, and neither may import
the other's caller (plots is called by benchmarks), so the vocabulary lives apart from both.
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    CONSISTENT = "consistent with"
    BETTER = "better than"
    WORSE = "worse than"
    MEETS = "meets"
    MISSES = "does not meet"
    TOO_FEW = "too few to compare"

    @property
    def is_verdict(self) -> bool:
        """False for "too few to compare": the figure is shown without a verdict word."""
        return self is not Verdict.TOO_FEW

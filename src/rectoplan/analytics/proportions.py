"""Binomial proportions with Wilson score intervals.

Registry rates (R0, organ preservation, concordance) are small-n case series, where the Wald
interval that statsmodels uses by default undercovers and can leave [0, 1]. The Wilson interval
(Wilson 1927; recommended by Newcombe 1998 among seven methods) stays inside [0, 1] and gives a
usable upper bound for 0/n. The method is always passed by name so a library default can never
decide it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from statsmodels.stats.proportion import proportion_confint

from rectoplan.analytics.inputs import count_pair
from rectoplan.errors import FieldError
from rectoplan.evidence import cite

WILSON_EVIDENCE = cite("wilson_1927", "newcombe_1998")
METHOD = "wilson"


@dataclass(frozen=True, slots=True)
class Proportion:
    """``k`` of ``n`` with its ``1 - alpha`` confidence interval."""

    k: int
    n: int
    estimate: float
    lower: float
    upper: float
    method: str = METHOD
    alpha: float = 0.05

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        level = round(100 * (1 - self.alpha))
        return (
            f"{self.k}/{self.n} = {self.estimate:.1%} "
            f"({level}% CI {self.lower:.1%}-{self.upper:.1%}, {self.method})"
        )


def check_alpha(alpha: float) -> float:
    """``alpha`` strictly between 0 and 1 (0.05 gives 95% intervals)."""
    if not 0 < alpha < 1:
        raise FieldError("alpha", f"{alpha!r} must be between 0 and 1 (0.05 for 95% intervals)")
    return float(alpha)


def wilson(k: int, n: int, *, alpha: float = 0.05) -> Proportion:
    """``k`` successes in ``n`` patients with a Wilson score interval."""
    k, n = count_pair(k, n)
    alpha = check_alpha(alpha)
    lower, upper = proportion_confint(k, n, alpha=alpha, method=METHOD)
    # At 0/n and n/n the Wilson bound is exactly 0 or 1; floating point lands a hair off
    # (1 - 1e-16), which would put the estimate outside its own interval.
    lower = 0.0 if k == 0 else float(lower)
    upper = 1.0 if k == n else float(upper)
    return Proportion(k, n, k / n, lower, upper, METHOD, alpha)

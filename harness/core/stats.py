"""Percentiles, one way: nearest rank, so every figure reported is a value that was actually measured.

The p-th percentile of n sorted values is the value at rank ceil(p / 100 * n) (1-based). The same
rule over a histogram (value -> count) gives Locust's merged latencies.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def nearest_rank(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) of `values` by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def histogram_rank(hist: Counter[float], p: float) -> float | None:
    """The p-th percentile (0-100) of a histogram (value -> count) by nearest rank; None when empty."""
    total = sum(hist.values())
    if not total:
        return None
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if seen >= rank:
            return value
    return None

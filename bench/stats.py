"""Percentiles of one run, and medians with their spread over repeated runs."""

import math
import statistics
from collections.abc import Iterable, Sequence


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of sorted values, interpolating between the closest ranks."""
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Iterable[float]) -> dict[str, float]:
    """n, p50, p95, p99 and max of a set of measurements."""
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": percentile(ordered, 50),
        "p95": percentile(ordered, 95),
        "p99": percentile(ordered, 99),
        "max": ordered[-1] if ordered else math.nan,
    }


def spread(values: Iterable[float]) -> tuple[float, float, float]:
    """Median, lowest and highest of the same figure over repeated runs (NaNs left out)."""
    known = [v for v in values if not math.isnan(v)]
    if not known:
        return math.nan, math.nan, math.nan
    return statistics.median(known), min(known), max(known)

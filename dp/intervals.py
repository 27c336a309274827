"""Figures derived from DP counts, with intervals that hold for all of a release at once.

A release of ``n`` counts gives each count the interval of OpenDP's accuracy at
``alpha / n`` (``VectorNoise.accuracy``), so by the union bound every count's noise lies
inside its interval at once with probability at least ``1 - alpha``. Every figure below is
a monotone function of counts, so its interval (taken at the counts' extremes) holds
whenever theirs do: all intervals derived from one release hold together with at least
``1 - alpha``. They cover the noise only; ``wilson`` gives the sampling interval of a
share beside them, treating the noisy counts as counts (post-processing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: A count as (value, low, high), never below 0.
Count = tuple[float, float, float]
_Z95 = 1.959963984540054


def count(value: float, half_width: float, cells: int = 1) -> Count:
    """Return a sum of ``cells`` noisy counts with its interval (each within ``half_width``).

    >>> count(10.0, 3.0, cells=2)
    (10.0, 4.0, 16.0)
    """
    spread = cells * half_width
    return max(0.0, value), max(0.0, value - spread), max(0.0, value + spread)


@dataclass(frozen=True)
class Estimate:
    """A derived figure and its interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"

    @property
    def width(self) -> float:
        """How wide the interval is."""
        return self.high - self.low


def share(yes: Count, no: Count) -> Estimate:
    """Return ``yes / (yes + no)`` with its interval from the two counts' intervals.

    The share rises with ``yes`` and falls with ``no`` (both at least 0), so its extremes
    are at opposite corners: ``[yes_lo / (yes_lo + no_hi), yes_hi / (yes_hi + no_lo)]``.

    >>> str(share((30.0, 25.0, 35.0), (70.0, 65.0, 75.0)))
    '0.300 [0.250, 0.350]'
    """
    (y, y_lo, y_hi), (n, n_lo, n_hi) = yes, no
    value = y / (y + n) if y + n > 0 else 0.5
    low = y_lo / (y_lo + n_hi) if y_lo + n_hi > 0 else 0.0
    high = y_hi / (y_hi + n_lo) if y_hi + n_lo > 0 else 1.0
    return Estimate(value, low, high)


def ratio(b: Estimate, a: Estimate) -> Estimate:
    """Return ``b / a`` with its interval: ``[b_lo / a_hi, b_hi / a_lo]`` (rates >= 0)."""
    value = b.value / a.value if a.value > 0 else (math.nan if b.value == 0 else math.inf)
    low = b.low / a.high if a.high > 0 else 0.0
    high = b.high / a.low if a.low > 0 else math.inf
    return Estimate(value, low, high)


def gap(b: Estimate, a: Estimate) -> Estimate:
    """Return ``b - a`` with its interval: ``[b_lo - a_hi, b_hi - a_lo]``."""
    return Estimate(b.value - a.value, b.low - a.high, b.high - a.low)


def wilson(yes: float, no: float) -> Estimate | None:
    """Return the 95% Wilson sampling interval of ``yes / (yes + no)`` (None if empty).

    >>> str(wilson(30.0, 70.0))
    '0.300 [0.219, 0.396]'
    """
    n = yes + no
    if n < 1:
        return None
    p = yes / n
    centre = (p + _Z95**2 / (2 * n)) / (1 + _Z95**2 / n)
    half = _Z95 * math.sqrt(p * (1 - p) / n + _Z95**2 / (4 * n * n)) / (1 + _Z95**2 / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half))

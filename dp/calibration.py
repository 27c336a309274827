"""Calibrate a weight-of-evidence card's odds from one more DP count table.

A weight-of-evidence card adds every feature's evidence as if the features were
independent. They are not (income, balances and bill payments move together), so the
summed log-odds overstate how far a person is from the average: the scores rank people
well, but the odds they stand for are too extreme (ADR 0010; on the synthetic population
the uncalibrated card predicted a 13.3% default rate where 6.0% was observed).

The fix is the classic one, done privately: release the (band of the card's own log-odds
x outcome) counts of the training data through OpenDP, with public band edges, then fit
``calibrated = a + b * raw`` to the noisy counts by logistic maximum likelihood. Each
person adds one to exactly one cell, so the table's sensitivity is 1. The fit is
post-processing. The card is folded: every weight of evidence times ``b``, the intercept
``a + b * intercept``, so the score stays a sum of per-feature points and every
explanation still adds up exactly; with ``b > 0`` the ranking (and the AUC) is unchanged.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .mechanisms import LossRequest, VectorNoise, make_vector_noise

#: The share of a training run's epsilon that buys the calibration table.
SHARE: Final = Fraction(1, 5)
#: Public edges of the bands of uncalibrated log-odds of default (natural log): one unit
#: wide, chosen before any data, wide enough for every card seen on the synthetic data.
EDGES: Final = tuple(float(x) for x in range(-8, 4))
#: Where each band's people are taken to sit: the middle (half a unit past an open end).
MIDPOINTS: Final = (
    EDGES[0] - 0.5,
    *[(lo + hi) / 2 for lo, hi in itertools.pairwise(EDGES)],
    EDGES[-1] + 0.5,
)
#: The slope is kept within these bounds, whatever noise does to a small table.
SLOPE_BOUNDS: Final = (0.05, 2.0)
#: A weak pull towards "no change" (a = 0, b = 1), in counts: it only matters when the
#: noisy table holds almost nothing, and keeps the fit defined then.
PRIOR_WEIGHT: Final = 1.0


@dataclass(frozen=True)
class Calibration:
    """``calibrated log-odds = intercept + slope * raw log-odds``."""

    intercept: float
    slope: float

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the model card."""
        return {"intercept": round(self.intercept, 6), "slope": round(self.slope, 6)}


def cells() -> int:
    """Return the number of cells of the calibration table."""
    return 2 * (len(EDGES) + 1)


def split(epsilon: Fraction) -> tuple[Fraction, Fraction]:
    """Return the epsilon of the tables and of the calibration (they add up to ``epsilon``).

    >>> split(Fraction(1))
    (Fraction(4, 5), Fraction(1, 5))
    """
    return epsilon * (1 - SHARE), epsilon * SHARE


def noise(epsilon: Fraction) -> VectorNoise:
    """Return the calibration table's noise at pure ``epsilon`` (sensitivity 1)."""
    return make_vector_noise(cells=cells(), sensitivity=1, request=LossRequest("epsilon", epsilon))


def table(raw: npt.NDArray[np.float64], outcomes: npt.NDArray[np.bool_]) -> list[int]:
    """Return the exact (band x outcome) counts: repaid and defaulted interleaved per band."""
    band = np.searchsorted(np.asarray(EDGES), raw, side="right")
    cell = band * 2 + np.asarray(outcomes, dtype=np.int64)
    return [int(v) for v in np.bincount(cell, minlength=cells())]


def fit(counts: Sequence[int]) -> Calibration:
    """Fit ``a + b * raw`` to a (noisy) band table by logistic maximum likelihood.

    Negative noisy counts count as zero. Newton's method on two parameters with a weak
    pull towards ``a = 0, b = 1``; the slope is kept within ``SLOPE_BOUNDS``.

    Evidence counted three times over: people whose card says log-odds ``x`` default at
    the rate of ``x / 3``, so the fit finds a slope near one third.

    >>> import math
    >>> people = [1000 if -6 < x < 1 else 0 for x in MIDPOINTS]
    >>> rate = [1 / (1 + math.exp(-x / 3)) for x in MIDPOINTS]
    >>> table = [round(v) for n, r in zip(people, rate) for v in (n * (1 - r), n * r)]
    >>> round(fit(table).slope, 2)
    0.33
    """
    values = np.maximum(np.asarray(counts, dtype=np.float64), 0.0).reshape(-1, 2)
    repaid, defaulted = values[:, 0], values[:, 1]
    total = repaid + defaulted
    x = np.asarray(MIDPOINTS)[: len(total)]
    a, b = 0.0, 1.0
    for _ in range(100):
        p = 0.5 * (1.0 + np.tanh(0.5 * (a + b * x)))  # the logistic function, no overflow
        residual = defaulted - total * p
        weight = total * p * (1 - p)
        gradient = np.array(
            [residual.sum() - PRIOR_WEIGHT * a, (residual * x).sum() - PRIOR_WEIGHT * (b - 1)]
        )
        hessian = np.array(
            [
                [weight.sum() + PRIOR_WEIGHT, (weight * x).sum()],
                [(weight * x).sum(), (weight * x * x).sum() + PRIOR_WEIGHT],
            ]
        )
        step = np.linalg.solve(hessian, gradient)
        # Damped: a step never moves the line by more than one unit of log-odds.
        step = step / max(1.0, float(np.abs(step).max()))
        a, b = a + float(step[0]), b + float(step[1])
        b = min(max(b, SLOPE_BOUNDS[0]), SLOPE_BOUNDS[1])
        if math.hypot(*step) < 1e-10:
            break
    return Calibration(a, b)

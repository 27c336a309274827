"""How well a deployed scorecard ranks and how well its scores are calibrated.

Measured on the points exactly as they score people (the neutral 0 for a missing or
withheld fact, the insufficient-data rule), so the accuracy an explanation quotes is the
accuracy of what decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from .batch import Column, score_frame
from .scorecard import FACTOR, OFFSET, Scorecard

Float = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def auc(score: Float, outcome: Mask) -> float:
    """Return the AUC of ``score`` for ``outcome`` (ties count a half).

    >>> auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([False, False, True, True]))
    0.75
    """
    positives = int(outcome.sum())
    negatives = outcome.size - positives
    if positives == 0 or negatives == 0:
        raise ValueError("the AUC needs both outcomes")
    order = np.argsort(score, kind="stable")
    ordered = score[order]
    ranks = np.empty(score.size, dtype=np.float64)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], score.size]
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    total = ranks[outcome].sum() - positives * (positives + 1) / 2.0
    return float(total / (positives * negatives))


def default_probability(scores: npt.NDArray[np.integer[Any]] | Float) -> Float:
    """Return the default probability a score stands for (the card's own scaling).

    >>> round(float(default_probability(np.array([600]))[0]), 4)  # 50 repayments to 1
    0.0196
    """
    odds = np.exp((scores.astype(np.float64) - OFFSET) / FACTOR)
    return 1.0 / (1.0 + odds)


def deployed_metrics(
    card: Scorecard, columns: Mapping[str, Column], defaulted: Mask, *, bands: int = 10
) -> dict[str, Any]:
    """Return AUC and calibration of ``card`` as deployed, over the people it can score.

    Calibration compares, in ``bands`` score bands of equal size, the default rate the
    scores stand for with the rate observed.
    """
    batch = score_frame(card, columns)
    scorable = batch.scorable
    scores, outcome = batch.scores[scorable], np.asarray(defaulted, dtype=bool)[scorable]
    return {
        "auc": round(auc(-scores.astype(np.float64), outcome), 4),
        "scored": int(scorable.sum()),
        "not_scorable": int((~scorable).sum()),
        "calibration": calibration(scores, outcome, bands=bands),
    }


def calibration(
    scores: npt.NDArray[np.integer[Any]] | Float, outcome: Mask, *, bands: int = 10
) -> dict[str, Any]:
    """Compare predicted and observed default rates in ``bands`` score bands.

    The bands are of equal size; the predicted rate is what the scores stand for (the
    card's own scaling).
    """
    predicted = default_probability(np.asarray(scores))
    order = np.argsort(scores, kind="stable")
    table: list[dict[str, Any]] = []
    gap = 0.0
    for part in np.array_split(order, bands):
        if part.size == 0:
            continue
        expected = round(float(predicted[part].mean()), 4)
        seen = round(float(outcome[part].mean()), 4)
        gap = max(gap, abs(expected - seen))
        table.append(
            {
                "scores": [int(scores[part].min()), int(scores[part].max())],
                "predicted": expected,
                "observed": seen,
            }
        )
    return {
        "predicted_default_rate": round(float(predicted.mean()), 4),
        "observed_default_rate": round(float(outcome.mean()), 4),
        "largest_band_gap": round(gap, 4),
        "bands": table,
    }

"""Vectorised scoring of a population frame, with reason codes, for benchmarks and audits.

The same card and the same rules as ``scorecard.score`` (tested equal), over NumPy arrays:
one column per feature, ``NaN`` for a missing value. A withheld category is passed as a
column of ``NaN`` (its features then score the neutral 0, as for one person). Reason codes
are the indices (in contract order) of the features that scored furthest below neutral
(ties: the larger loss against the best value, then contract order), ``-1`` where fewer
than four scored below 0: the ranking of ``reasons.principal_reasons``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .categorical import CategoricalFeature
from .reasons import MAX_REASONS
from .scorecard import MIN_HISTORY_MONTHS, Scorecard

Column = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BatchScores:
    """Scores, reason codes and who could not be scored, for every row."""

    scores: npt.NDArray[np.int32]
    reasons: npt.NDArray[np.int8]
    scorable: npt.NDArray[np.bool_]


def score_frame(card: Scorecard, columns: Mapping[str, Column]) -> BatchScores:
    """Score every row of ``columns``; rows with too little history get no score (0)."""
    n = len(columns["history_months"])
    count = len(card.features)
    lost = np.empty((n, count), dtype=np.int64)
    below = np.empty((n, count), dtype=np.int64)
    total = np.full(n, card.base, dtype=np.int32)
    for j, table in enumerate(card.features):
        if isinstance(table.feature, CategoricalFeature):
            raise TypeError("score_frame scores the contract's features; see score_codes")
        values = np.asarray(columns[table.feature.name], dtype=np.float64)
        missing = np.isnan(values)
        codes = np.searchsorted(np.asarray(table.feature.bins), values, side="right")
        # The missing bin scores the neutral 0 and loses nothing: it was not used.
        lookup = np.asarray([*table.valued, 0], dtype=np.int32)
        codes[missing] = len(table.valued)
        points = lookup[codes]
        total += points
        lost[:, j] = np.where(missing, 0, table.best - points)
        below[:, j] = np.where(missing, 0, -points)
    history = np.asarray(columns["history_months"], dtype=np.float64)
    scorable = ~np.isnan(history) & (history >= MIN_HISTORY_MONTHS)
    # Rank by points below neutral, then points lost, then contract order: each key holds
    # them in that order of significance (the feature's index reversed last), so the
    # largest key is the furthest below neutral, earliest first.
    keys = (below * 4096 + lost) * 64 + (63 - np.arange(count, dtype=np.int64))
    keys[(below <= 0) | (lost <= 0)] = -1
    reasons = np.full((n, MAX_REASONS), -1, dtype=np.int8)
    rows = np.arange(n)
    for k in range(MAX_REASONS):
        at = keys.argmax(axis=1)
        best = keys[rows, at]
        reasons[:, k] = np.where(best >= 0, at, -1)
        keys[rows, at] = -1
    reasons[~scorable] = -1
    return BatchScores(np.where(scorable, total, 0).astype(np.int32), reasons, scorable)


def score_codes(card: Scorecard, codes: Mapping[str, npt.NDArray[np.int64]]) -> Column:
    """Score rows given each feature's bin index (every feature used, none missing).

    For a model trained from a lender's mapping, whose rows are checked whole before they
    are scored (``scoring.own_data.history_file``): the same points ``scorecard.score`` adds up.
    """
    first = next(iter(codes.values()))
    total = np.full(len(first), card.base, dtype=np.float64)
    for table in card.features:
        total += np.asarray(table.valued, dtype=np.float64)[codes[table.feature.name]]
    return total

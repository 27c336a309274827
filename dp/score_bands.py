"""Scores as a public group key: the deployed card applied to a snapshot's facts.

A statistic by ``score_band`` or an ``approval_rate`` scores every subject it reads with
the scorecard in force, passed in (never stored decisions: a person who never asked for
a decision is scored too, so the grid is complete). The bands are public and fixed, the
same for every model: 50 points wide from 300 to 850, one band below and one above, and
``not scorable`` for a person with too little history. Every band is a cell whether
anyone falls in it or not.

A person's score here is the one a decision would give them on the categories they
share for ``statistics``: a fact of a category they did not share, or under an open
dispute, scores the neutral 0 (``score_inputs``), as ``scoring.card.scorecard.score`` does;
fewer than ``MIN_HISTORY_MONTHS`` months (or disputed months) is ``not scorable``, as
``scoring.card.scorecard.insufficient_data`` says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from consent import DataCategory
from scoring.card import Scorecard, score_frame
from scoring.contract import FEATURES

#: The group key of score bands, and the column holding each subject's score.
SCORE_BAND: Final = "score_band"
SCORE: Final = "score"
#: The public band edges: 300, 350, ..., 850.
BAND_EDGES: Final = tuple(range(300, 851, 50))
NOT_SCORABLE: Final = "not scorable"


def band_labels() -> list[str]:
    """Return the public score bands, in order (``not scorable`` last).

    >>> labels = band_labels()
    >>> labels[:2], labels[-3:], len(labels)
    (['below 300', '[300, 350)'], ['[800, 850)', '850 and above', 'not scorable'], 14)
    """
    inner = [f"[{a}, {b})" for a, b in pairwise(BAND_EDGES)]
    return [f"below {BAND_EDGES[0]}", *inner, f"{BAND_EDGES[-1]} and above", NOT_SCORABLE]


def band_codes(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Return each score's band (its index in ``band_labels``; NaN: not scorable).

    >>> band_codes(np.array([299.0, 300.0, 549.0, 550.0, 850.0, np.nan])).tolist()
    [0, 1, 5, 6, 12, 13]
    """
    codes = np.searchsorted(np.asarray(BAND_EDGES, dtype=np.float64), scores, side="right")
    return np.where(np.isnan(scores), len(BAND_EDGES) + 1, codes).astype(np.int64)


def score_inputs(
    facts: Mapping[str, Any], *, allowed: Iterable[DataCategory], disputed: Iterable[str] = ()
) -> dict[str, float | None]:
    """Return the facts a decision would use: unshared or disputed ones become missing.

    >>> score_inputs({"history_months": 9, "bureau_open_tradelines": 3},
    ...              allowed={DataCategory.BANK_CASHFLOW})["bureau_open_tradelines"] is None
    True
    """
    shared, left_out = frozenset(allowed), frozenset(disputed)
    return {
        name: facts.get(name) if spec.category in shared and name not in left_out else None
        for name, spec in FEATURES.items()
    }


def scores_of(
    card: Scorecard, inputs: Mapping[str, npt.NDArray[np.float64]]
) -> npt.NDArray[np.float64]:
    """Return each subject's score under ``card`` as floats (NaN: not scorable)."""
    batch = score_frame(card, inputs)
    return np.where(batch.scorable, batch.scores.astype(np.float64), np.nan)

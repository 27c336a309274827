"""Train the scoring model from DP count tables: weight of evidence, free post-processing.

Per feature, a table of (public bin x outcome) counts over the full public grid (every
cell released, so no delta and no threshold). Each subject adds one to exactly one cell of
each of the ``F`` tables, so the concatenated vector moves by ``F`` in L1 when one subject
is added or removed: one OpenDP discrete Laplace measurement on it, charged
``map(F) = epsilon`` (the same as ``F`` tables at ``epsilon / F`` each, composed: tested).

Points are weights of evidence, ``ln(P(bin | default) / P(bin | repaid))`` from the noisy
counts (plus a pseudo-count in every cell: half a count, or two noise scales when there
is noise, which shrinks noisy bins towards no evidence and keeps every log finite),
shaped by ``dp.shaping`` (small bins merged, the contract's directions enforced, the
neutral of not sharing placed by the sharing policy: ADR 0017), and added up with the
noisy prior log-odds: a naive-Bayes scorecard whose higher score means higher risk. Its
odds are then calibrated from one more DP table, the (band of the card's log-odds x
outcome) counts (``dp.calibration``): the tables get four fifths of the run's epsilon, the
calibration one fifth, so the run costs exactly its epsilon (basic composition).
Everything after the noise is post-processing and costs nothing (ADR 0010).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from scoring.card import MappedFeature, labels_of
from scoring.contract import FEATURE_NAMES, FEATURES

from . import calibration, shaping
from .loss import PrivacyLoss
from .mechanisms import LossRequest, VectorNoise, make_vector_noise
from .statistics import bin_labels, codes

Columns = Mapping[str, npt.NDArray[np.float64]]
Outcomes = npt.NDArray[np.bool_]
#: Pseudo-count added to each cell before taking logs (post-processing): half a count,
#: or this many noise scales when there is noise (the scale is public, so it is free).
SMOOTHING = 0.5
NOISE_SMOOTHING = 2.0


@dataclass(frozen=True)
class WoeCard:
    """A weight-of-evidence card: float log-odds per feature and public bin, and the intercept.

    Higher means riskier. It is what training releases; the integer points a person is
    scored and shown are ``scoring.card.Scorecard``, built from its ``as_dict``.

    ``shaping`` says, per feature, which bins were merged or pooled (``dp.shaping``).
    """

    intercept: float
    points: dict[str, list[float]]
    shaping: dict[str, dict[str, Any]] = field(default_factory=dict)

    def score(self, columns: Columns) -> npt.NDArray[np.float64]:
        """Return each subject's risk score (log-odds scale)."""
        n = len(columns[FEATURE_NAMES[0]])
        total = np.full(n, self.intercept)
        for name, points in self.points.items():
            total += np.asarray(points)[codes(name, columns)]
        return total

    def calibrated(self, fit: calibration.Calibration) -> WoeCard:
        """Return the card whose log-odds are ``fit.intercept + fit.slope * mine``."""
        return WoeCard(
            fit.intercept + fit.slope * self.intercept,
            {name: [fit.slope * p for p in pts] for name, pts in self.points.items()},
            self.shaping,
        )

    def flat(self) -> list[str]:
        """Return the features whose shared values all score alike (one weight, one bin).

        Shaping merges bins until each holds the minimum of noisy people; on a small
        snapshot a feature can end as one bin, so sharing it still counts but its value
        does not.
        """
        out = []
        for name, points in self.points.items():
            shared = points[:-1] if FEATURES[name].nullable else points
            if len({round(p, 9) for p in shared}) == 1:
                out.append(name)
        return out

    def as_dict(self) -> dict[str, Any]:
        """Plain data, with each feature's bin labels."""
        return {
            "intercept": self.intercept,
            "features": {
                name: dict(zip(bin_labels(FEATURES[name]), pts, strict=True))
                for name, pts in self.points.items()
            },
        }


@dataclass(frozen=True)
class Trained:
    """A trained scorecard with what its training cost and saw (noisy)."""

    scorecard: WoeCard
    cost: PrivacyLoss
    epsilon: float | None
    noisy_size: int
    mechanism: dict[str, Any]


def tables(columns: Columns, outcomes: Outcomes) -> list[int]:
    """Return the exact (bin x outcome) counts of every feature, concatenated."""
    return outcome_tables(
        [len(bin_labels(FEATURES[name])) for name in FEATURE_NAMES],
        [codes(name, columns) for name in FEATURE_NAMES],
        outcomes,
    )


def outcome_tables(
    sizes: Sequence[int], bin_codes: Sequence[npt.NDArray[np.int64]], outcomes: Outcomes
) -> list[int]:
    """Return the exact (bin x outcome) counts of each feature, concatenated.

    Feature ``i`` has ``sizes[i]`` bins and each row's bin in ``bin_codes[i]``; its table is
    ``2 * sizes[i]`` cells, repaid and default counts interleaved per bin: the layout
    ``woe_from_tables`` reads.

    >>> outcome_tables([2], [np.array([0, 1, 1])], np.array([False, True, False]))
    [1, 0, 1, 1]
    """
    flag = np.asarray(outcomes).astype(np.int64)
    out: list[int] = []
    for size, column in zip(sizes, bin_codes, strict=True):
        out.extend(np.bincount(column * 2 + flag, minlength=2 * size).tolist())
    return out


def _table_cells() -> int:
    """Return the number of cells of the concatenated (bin x outcome) tables."""
    return sum(2 * len(bin_labels(FEATURES[name])) for name in FEATURE_NAMES)


def training_noise(epsilon: float | Fraction) -> VectorNoise:
    """Return the count tables' noise at pure ``epsilon``, with its exact cost.

    >>> training_noise(1.0).sensitivity == len(FEATURE_NAMES)
    True
    """
    return make_vector_noise(
        cells=_table_cells(),
        sensitivity=len(FEATURE_NAMES),
        request=LossRequest.parse(epsilon=_exact(epsilon)),
    )


def training_noises(epsilon: float) -> tuple[VectorNoise, VectorNoise]:
    """Return the noise of a run at pure ``epsilon``: of the tables, of the calibration."""
    tables_epsilon, calibration_epsilon = calibration.split(_exact(epsilon))
    return training_noise(tables_epsilon), calibration.noise(calibration_epsilon)


def training_cost(epsilon: float) -> PrivacyLoss:
    """Return what a training run at pure ``epsilon`` costs, before any data is read.

    >>> training_cost(1.0).decimal()  # (4/5)**2 / 2 + (1/5)**2 / 2
    '0.34'
    """
    tables_noise, calibration_noise = training_noises(epsilon)
    return tables_noise.cost + calibration_noise.cost


def _exact(epsilon: float | Fraction) -> Fraction:
    return epsilon if isinstance(epsilon, Fraction) else Fraction(str(epsilon))


def train(
    columns: Columns,
    outcomes: Outcomes,
    *,
    epsilon: float | None,
    shaped: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Trained:
    """Fit the scorecard from DP count tables at pure ``epsilon``.

    ``epsilon=None`` fits from the exact tables: a non-private baseline for benchmarks
    only, never stored as a model. ``shaped=False`` skips ``dp.shaping`` (raw weights of
    evidence, for the benchmarks' side-by-side only: such a card fails its checks).
    """
    say = progress or (lambda _message: None)
    exact = tables(columns, outcomes)
    mechanism: dict[str, Any]
    smoothing = SMOOTHING
    if epsilon is None:
        noisy, cost, spent, mechanism = exact, PrivacyLoss.zero(), None, {"name": "none"}
        card = _woe(noisy, smoothing, shaping.minimum_people(None) if shaped else None)
        fit = calibration.fit(calibration.table(card.score(columns), outcomes))
    else:
        noise, calibration_noise = training_noises(epsilon)
        say(f"noise: {noise.mechanism}, scale {noise.scale:.4g}, {len(exact)} cells")
        noisy = noise.release(exact)
        smoothing = max(SMOOTHING, NOISE_SMOOTHING * noise.scale)
        card = _woe(noisy, smoothing, shaping.minimum_people(noise.scale) if shaped else None)
        if flat := card.flat():
            say(
                f"{len(flat)} of {len(card.points)} features score every shared value alike "
                f"(too few noisy people, at least {shaping.minimum_people(noise.scale):g} per bin, "
                f"or no order in the declared direction): {', '.join(flat)}"
            )
        say(f"calibration: {calibration_noise.cells} cells, scale {calibration_noise.scale:.4g}")
        raw = card.score(columns)
        fit = calibration.fit(calibration_noise.release(calibration.table(raw, outcomes)))
        cost, spent = noise.cost + calibration_noise.cost, epsilon
        mechanism = {
            **noise.as_dict(),
            "smoothing": smoothing,
            "minimum_people": shaping.minimum_people(noise.scale) if shaped else None,
            "calibration": {**calibration_noise.as_dict(), "band_edges": list(calibration.EDGES)},
        }
    mechanism["calibration_fit"] = fit.as_dict()
    say(f"weights of evidence from the noisy tables, odds calibrated ({fit.as_dict()})")
    return Trained(card.calibrated(fit), cost, spent, _noisy_size(noisy), mechanism)


def _noisy_size(noisy: list[int]) -> int:
    first = 2 * len(bin_labels(FEATURES[FEATURE_NAMES[0]]))
    return max(0, sum(noisy[:first]))


def _woe(noisy: list[int], smoothing: float, minimum: float | None) -> WoeCard:
    """The card of the noisy tables: shaped (``minimum`` people per bin) or raw (``None``)."""
    if minimum is None:
        sizes = [len(bin_labels(FEATURES[name])) for name in FEATURE_NAMES]
        intercept, tables = woe_from_tables(noisy, sizes, smoothing)
        return WoeCard(intercept, dict(zip(FEATURE_NAMES, tables, strict=True)))
    intercept, shaped = shape_tables(
        [FEATURES[name] for name in FEATURE_NAMES], noisy, smoothing, minimum
    )
    return WoeCard(
        intercept,
        {s.name: s.woe for s in shaped},
        {s.name: s.as_dict() for s in shaped},
    )


def shape_tables(
    features: Sequence[MappedFeature], noisy: Sequence[int], smoothing: float, minimum: float
) -> tuple[float, list[shaping.Shaped]]:
    """Return the prior log-odds (with every neutral's reference) and each shaped table.

    Post-processing only (``dp.shaping``): the same noisy tables ``woe_from_tables`` reads.
    """
    sizes = [len(labels_of(f)) for f in features]
    intercept, _raw = woe_from_tables(noisy, sizes, smoothing)
    out, start = [], 0
    for feature, bins in zip(features, sizes, strict=True):
        cells = noisy[start : start + 2 * bins]
        start += 2 * bins
        out.append(shaping.shape(feature, cells, smoothing=smoothing, minimum=minimum))
    return intercept + sum(s.reference for s in out), out


def woe_from_tables(
    noisy: Sequence[int], sizes: Sequence[int], smoothing: float
) -> tuple[float, list[list[float]]]:
    """Return the prior log-odds of default and each table's weights of evidence.

    ``noisy`` holds the (bin x outcome) tables one after another, each ``2 * size`` cells
    with repaid and default counts interleaved per bin. Post-processing only.

    >>> intercept, [woe] = woe_from_tables([30, 10, 10, 30], [2], 0.0)
    >>> round(intercept, 6), [round(w, 4) for w in woe]
    (0.0, [-1.0986, 1.0986])
    """
    tables: list[list[float]] = []
    start = 0
    estimates = []
    for bins in sizes:
        cells = np.maximum(np.asarray(noisy[start : start + 2 * bins], dtype=np.float64), 0.0)
        start += 2 * bins
        repaid, default = cells[0::2] + smoothing, cells[1::2] + smoothing
        tables.append((np.log(default / default.sum()) - np.log(repaid / repaid.sum())).tolist())
        estimates.append((default.sum(), repaid.sum()))
    # The prior from the average of every table's (noisy) outcome totals.
    defaults = float(np.mean([d for d, _ in estimates]))
    repaid_total = float(np.mean([r for _, r in estimates]))
    return math.log(defaults / repaid_total), tables

"""Helpers of the inclusion and fairness bench: cut-offs, portfolios, the DP fairness table.

* ``cut_off_for``: the most lenient cut-off whose approved portfolio meets a bad-rate
  target (approve when ``score >= cut_off``; unscorable people are never approved).
* ``fairness_table`` / ``release_fairness``: the exact and the DP contingency table
  protected group x thin file x repaid x approved, released with the same OpenDP
  mechanism the statistics path uses for counts (``dp.make_vector_noise``, discrete
  Laplace); each subject is in exactly one cell, so the sensitivity is 1.
* ``approval_rate`` / ``true_positive_rate`` / ``ratio`` / ``gap``: post-processing of
  the cells into rates and their comparison across groups, with intervals propagated
  conservatively from the cells' simultaneous intervals (see ``Table``).

The synthetic protected attribute is read here and in ``bench_inclusion`` only; it is never
a model input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import numpy.typing as npt

from dp import LossRequest, PrivacyLoss, make_vector_noise
from dp.intervals import Estimate, count, share

Ints = npt.NDArray[np.integer[Any]]
Bools = npt.NDArray[np.bool_]

#: The public grid of the fairness table, outermost axis first. Every cell is released.
AXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("group", ("group_a", "group_b")),
    ("thin_file", ("false", "true")),
    ("repaid", ("false", "true")),
    ("approved", ("false", "true")),
)
CELLS = math.prod(len(labels) for _, labels in AXES)
#: All intervals together hold with at least this probability (95%).
ALPHA = 0.05


def cut_off_for(scores: Ints, scorable: Bools, defaulted: Bools, target: float) -> int | None:
    """Return the lowest cut-off whose approved portfolio's bad rate is at most ``target``.

    Approved: ``scorable & (scores >= cut_off)``. The bad rate need not fall steadily as
    the cut-off rises, so every candidate (each distinct score of a scorable person) is
    checked; ``None`` when no cut-off approving anyone meets the target.

    >>> import numpy as np
    >>> s = np.array([700, 650, 600, 550]); ok = np.ones(4, bool)
    >>> cut_off_for(s, ok, np.array([False, False, True, False]), 0.25)
    550
    >>> cut_off_for(s, ok, np.array([True, False, False, False]), 0.2) is None
    True
    """
    values = scores[scorable]
    bad = defaulted[scorable]
    if values.size == 0:
        return None
    order = np.argsort(-values, kind="stable")
    values, bad = values[order], bad[order]
    approved = np.arange(1, values.size + 1)
    defaults = np.cumsum(bad)
    # A cut-off at a score approves everyone at or above it: the last of its run of ties.
    last = np.r_[values[1:] != values[:-1], True]
    candidates = values[last]
    rates = defaults[last] / approved[last]
    feasible = candidates[rates <= target]
    return int(feasible.min()) if feasible.size else None


@dataclass(frozen=True)
class Portfolio:
    """Who a model approves at a cut-off, measured against the synthetic truth."""

    cut_off: int | None
    approved: Bools

    def approval_rate(self, among: Bools) -> float:
        """The share approved among the people selected by ``among``."""
        return float(self.approved[among].mean()) if among.any() else math.nan

    def bad_rate(self, defaulted: Bools) -> float:
        """The drawn default rate of the approved portfolio."""
        return float(defaulted[self.approved].mean()) if self.approved.any() else math.nan

    def expected_bad_rate(self, probability: npt.NDArray[np.float64]) -> float:
        """The mean true default probability of the approved portfolio (no draw noise)."""
        return float(probability[self.approved].mean()) if self.approved.any() else math.nan


def portfolio(scores: Ints, scorable: Bools, cut_off: int | None) -> Portfolio:
    """Approve every scorable person scoring at least ``cut_off`` (nobody when ``None``)."""
    if cut_off is None:
        return Portfolio(None, np.zeros(scores.shape, dtype=bool))
    return Portfolio(cut_off, scorable & (scores >= cut_off))


def fairness_table(group_b: Bools, thin: Bools, repaid: Bools, approved: Bools) -> list[int]:
    """Return the exact counts of the public grid ``AXES`` (row-major, every cell)."""
    cell = np.zeros(group_b.shape, dtype=np.int64)
    for flags in (group_b, thin, repaid, approved):
        cell = cell * 2 + flags.astype(np.int64)
    return [int(v) for v in np.bincount(cell, minlength=CELLS)]


@dataclass(frozen=True)
class Table:
    """Cell values of the fairness grid with intervals that hold for all cells at once.

    For a DP release each cell's interval is OpenDP's accuracy at ``ALPHA / CELLS``, so by
    the union bound every cell's noise lies inside its interval at once with probability at
    least ``1 - ALPHA``. Every figure derived from the cells is a monotone function of
    them, so its interval (from the cells' extremes) holds whenever the cells' do: all of
    the derived intervals hold together with at least 95%. An exact table has zero width.
    """

    values: tuple[float, ...]
    half_width: float
    cost: PrivacyLoss
    mechanism: str
    scale: float

    @classmethod
    def exact(cls, counts: list[int]) -> Table:
        """The exact table (not a release: for the bench reader only)."""
        return cls(tuple(float(v) for v in counts), 0.0, PrivacyLoss.zero(), "none", 0.0)

    def total(self, **where: str) -> tuple[float, float, float]:
        """The sum of the cells matching ``where``: value, low, high (never below 0).

        The true sum of ``k`` cells lies within ``k`` half-widths of the noisy one when
        every cell lies within one: conservative, never optimistic.
        """
        picked = [v for key, v in zip(_keys(), self.values, strict=True) if _match(key, where)]
        return count(sum(picked), self.half_width, cells=len(picked))


def release_fairness(counts: list[int], *, epsilon: float) -> Table:
    """Release the fairness table at pure ``epsilon`` through ``dp``'s count mechanism."""
    noise = make_vector_noise(
        cells=CELLS, sensitivity=1, request=LossRequest.parse(epsilon=str(epsilon))
    )
    noisy = noise.release(counts)
    return Table(
        tuple(float(v) for v in noisy),
        noise.accuracy(ALPHA / CELLS),
        noise.cost,
        noise.mechanism,
        noise.scale,
    )


def approval_rate(table: Table, group: str, **where: str) -> Estimate:
    """The share approved in ``group`` (among everyone matching ``where``)."""
    return share(
        table.total(group=group, approved="true", **where),
        table.total(group=group, approved="false", **where),
    )


def true_positive_rate(table: Table, group: str, **where: str) -> Estimate:
    """The share approved among the true repayers of ``group``."""
    return approval_rate(table, group, repaid="true", **where)


def sampling(table: Table, *, repaid_only: bool, **where: str) -> tuple[Estimate, Estimate]:
    """Approximate 95% sampling intervals of the ratio and the gap, from an exact table.

    The DP intervals cover the noise only: how far the released figure may be from the
    exact figure of the people evaluated. How far that exact figure may be from the
    generator's own rate is sampling error, approximated here by the delta method
    (normal approximation; log scale for the ratio). Returns ``(ratio, gap)`` of the
    approval rate (``repaid_only=False``) or of the true-positive rate.
    """
    if repaid_only:
        where = {**where, "repaid": "true"}
    rates, sizes = [], []
    for group in ("group_b", "group_a"):
        yes = table.total(group=group, approved="true", **where)[0]
        size = yes + table.total(group=group, approved="false", **where)[0]
        rates.append(yes / size if size else math.nan)
        sizes.append(size)
    (pb, pa), (nb, na) = rates, sizes
    z = 1.959963984540054
    if min(pb, pa) <= 0 or min(nb, na) <= 0:
        return Estimate(math.nan, math.nan, math.nan), Estimate(math.nan, math.nan, math.nan)
    log_sd = math.sqrt((1 - pb) / (nb * pb) + (1 - pa) / (na * pa))
    gap_sd = math.sqrt(pb * (1 - pb) / nb + pa * (1 - pa) / na)
    r = pb / pa
    return (
        Estimate(r, r * math.exp(-z * log_sd), r * math.exp(z * log_sd)),
        Estimate(pb - pa, pb - pa - z * gap_sd, pb - pa + z * gap_sd),
    )


def _keys() -> list[dict[str, str]]:
    return [
        dict(zip([name for name, _ in AXES], labels, strict=True))
        for labels in product(*(labels for _, labels in AXES))
    ]


def _match(key: dict[str, str], where: dict[str, str]) -> bool:
    return all(key[name] == label for name, label in where.items())

"""Shape each feature's weights from its noisy (bin x outcome) table: free post-processing.

A weight of evidence read straight off a noisy table runs wherever the noise takes it: on
1,450 people at epsilon 1, 8 of the 14 features ran against their declared direction
somewhere, and a perfect rent record scored below not sharing rent at all. Every step
here reads only the released noisy counts, the public noise scale and the public feature
contract, so none of it costs privacy (post-processing, ADR 0010):

1. **Support.** Negative noisy counts count as zero. Adjacent bins whose noisy number of
   people is below ``minimum_people(scale)`` are merged with their smaller neighbour until
   every group reaches it (an unordered categorical feature cannot be merged by
   adjacency: a category below the minimum gets no weight of its own, it scores neutral).
2. **Order.** In the contract's declared direction, pool adjacent violators (weighted
   isotonic regression of the default rate, the weights being the noisy counts): the
   default rate never rises along the favourable direction. A feature whose contract says
   it is not monotone skips this step.
3. **Weights.** The weight of evidence of each pooled group, ``ln(P(group | default) /
   P(group | repaid))``, over everyone (pseudo-count ``smoothing`` per cell, the bins of
   a group adding theirs).
4. **Neutral and the sharing policy (ADR 0017).** A fact a person did not share, does not
   have, or disputes scores 0. For a nullable feature the natural zero is what *not
   having* the fact tells (the missing cell's weight); for the others, the average. But a
   value in the feature's favourable part (``scoring.card.shape.favourable_bins``) must never
   score below that neutral 0, so the zero moves to the worst favourable group when that
   group is riskier: ``neutral = max(reference, worst favourable weight)``; every bin's
   weight becomes ``weight - neutral``. The reference goes into the intercept, so the
   people without the fact keep exactly the evidence their absence carries and the
   policy's price is paid by no one: people who share are scored ``neutral - reference``
   safer than their bin alone says, never less safe.

Monotone weights minus one constant stay monotone; the later odds calibration multiplies
every weight by the same positive slope; rounding to integer points keeps the order. So
the deployed card keeps both properties, which ``scoring.card.shape.check`` proves before any
card is activated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from scoring.card import MappedFeature, favourable_bins, is_ordered, labels_of, order_of
from scoring.contract import Direction

#: The fewest noisy people a group of bins needs before its weight is computed: this many,
#: or ``MIN_SCALES`` noise scales when there is more noise than that (the scale is public).
MIN_PEOPLE: Final = 50
MIN_SCALES: Final = 4.0


def minimum_people(scale: float | None) -> float:
    """Return the fewest noisy people a group of bins needs (``scale=None``: exact tables).

    >>> minimum_people(None), minimum_people(17.5)
    (50.0, 70.0)
    """
    return float(MIN_PEOPLE) if scale is None else max(float(MIN_PEOPLE), MIN_SCALES * scale)


@dataclass(frozen=True)
class Shaped:
    """One feature's shaped weights of evidence, per public bin, and how they were made.

    ``woe`` holds one weight per label (``missing`` last for a nullable feature, always 0);
    ``groups`` lists the bins that share one weight (merged for support or pooled for
    order), ``unsupported`` the categories left neutral for want of people, ``neutral``
    and ``reference`` the constants of step 4 (``reference`` joins the intercept).
    """

    name: str
    woe: list[float]
    groups: list[list[str]] = field(default_factory=list)
    merged_for_support: list[list[str]] = field(default_factory=list)
    pooled_for_order: list[list[str]] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    neutral: float = 0.0
    reference: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the model card (every bin label, never a count)."""
        return {
            "merged_for_support": self.merged_for_support,
            "pooled_for_order": self.pooled_for_order,
            "unsupported": self.unsupported,
            "neutral_shift": round(self.neutral - self.reference, 6),
        }


def _merge_for_support(people: Sequence[float], minimum: float) -> list[list[int]]:
    """Merge adjacent bins until every group holds ``minimum`` noisy people (or one is left).

    >>> _merge_for_support([100, 5, 80, 3], 50)  # 3 joins 80, then 5 joins the smaller side
    [[0], [1, 2, 3]]
    """
    groups = [[i] for i in range(len(people))]
    sizes = [float(p) for p in people]
    while len(groups) > 1 and min(sizes) < minimum:
        k = int(np.argmin(sizes))
        if k == 0:
            j = 1
        elif k == len(groups) - 1:
            j = k - 1
        else:
            j = k - 1 if sizes[k - 1] <= sizes[k + 1] else k + 1
        lo, hi = min(k, j), max(k, j)
        groups[lo : hi + 1] = [groups[lo] + groups[hi]]
        sizes[lo : hi + 1] = [sizes[lo] + sizes[hi]]
    return groups


def _pool_adjacent_violators(
    groups: list[list[int]], repaid: np.ndarray, default: np.ndarray, smoothing: float
) -> list[list[int]]:
    """Pool adjacent groups until the smoothed default rate never rises along them.

    The rate of a group is ``(d + s) / (r + d + 2s)`` summed over its bins, weighted by
    its (smoothed) people: the weighted isotonic regression of the default rate.

    >>> r, d = np.array([90.0, 95.0, 80.0, 98.0]), np.array([10.0, 5.0, 20.0, 2.0])
    >>> _pool_adjacent_violators([[0], [1], [2], [3]], r, d, 0.0)  # 10%, 5%, 20%, 2%
    [[0, 1, 2], [3]]
    """
    blocks: list[tuple[list[int], float, float]] = []  # bins, defaults, people
    for group in groups:
        d = float(sum(default[i] + smoothing for i in group))
        n = float(sum(repaid[i] + default[i] + 2 * smoothing for i in group))
        blocks.append((list(group), d, n))
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] < blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            prev = blocks.pop()
            blocks.append((prev[0] + last[0], prev[1] + last[1], prev[2] + last[2]))
    return [b[0] for b in blocks]


def shape(
    feature: MappedFeature,
    cells: Sequence[float],
    *,
    smoothing: float,
    minimum: float,
) -> Shaped:
    """Return the feature's shaped weights from its noisy table (``2 * bins`` cells).

    ``cells`` holds repaid and default counts interleaved per bin, in the order of
    ``labels_of(feature)`` (``missing`` last for a nullable feature).
    """
    labels = labels_of(feature)
    values = np.maximum(np.asarray(cells, dtype=np.float64), 0.0)
    repaid_all, default_all = values[0::2], values[1::2]
    k = len(labels) - int(feature.nullable)
    repaid, default = repaid_all[:k], default_all[:k]
    people = repaid + default
    order = order_of(feature)
    # Walk the bins from the riskiest end, so that "monotone" means "the default rate
    # never rises along the walk".
    walk = list(range(k))[::-1] if order is Direction.RAISES_RISK else list(range(k))
    unsupported: list[int] = []
    merged: list[list[int]] = []
    if is_ordered(feature):
        merged = [[walk[i] for i in g] for g in _merge_for_support(people[walk].tolist(), minimum)]
        groups = (
            merged
            if order is None
            else _pool_adjacent_violators(merged, repaid, default, smoothing)
        )
    else:
        groups = [[i] for i in range(k) if people[i] >= minimum]
        unsupported = [i for i in range(k) if people[i] < minimum]
    merged_for_support = [[labels[i] for i in sorted(g)] for g in merged if len(g) > 1]
    total_default = float(default_all.sum() + smoothing * len(labels))
    total_repaid = float(repaid_all.sum() + smoothing * len(labels))

    def weight(bins: Sequence[int]) -> float:
        d = float(sum(default_all[i] for i in bins)) + smoothing * len(bins)
        r = float(sum(repaid_all[i] for i in bins)) + smoothing * len(bins)
        return math.log(d / total_default) - math.log(r / total_repaid)

    woe = [0.0] * len(labels)
    for group in groups:
        w = weight(group)
        for i in group:
            woe[i] = w
    reference = weight([k]) if feature.nullable else 0.0
    for i in unsupported:
        woe[i] = reference
    favourable = favourable_bins(feature)
    worst = max((woe[i] for i in favourable), default=reference)
    neutral = max(reference, worst)
    shaped = [w - neutral for w in woe[:k]]
    if feature.nullable:
        shaped.append(0.0)
    pooled = [g for g in groups if len(g) > 1]
    return Shaped(
        name=feature.name,
        woe=shaped,
        groups=[[labels[i] for i in sorted(g)] for g in groups],
        merged_for_support=merged_for_support,
        pooled_for_order=[
            [labels[i] for i in sorted(g)]
            for g in pooled
            if [labels[i] for i in sorted(g)] not in merged_for_support
        ],
        unsupported=[labels[i] for i in unsupported],
        neutral=neutral,
        reference=reference,
    )

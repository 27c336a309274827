"""What a card must look like before it may score anyone: its shape and the sharing policy.

Two promises, proved on the integer points a person is shown (ADR 0017):

* **Monotone in the declared direction.** Along a feature's public bins, points never
  fall as a ``lowers_risk`` value rises, and never rise as a ``raises_risk`` one does. A
  categorical feature with a declared direction is ordered by its declared categories; one
  without (``direction = None``) has no order to keep. A contract feature whose true shape
  is not monotone says so (``Feature.monotone = False`` with its reason) and is exempt.
* **Sharing good data never hurts.** A fact not shared, not held, or under dispute scores
  the neutral 0. No bin in the feature's favourable part scores below 0, so a good record
  is never worth less than keeping it back. The favourable part is declared per feature
  (``Feature.favourable_edge``, a public bin edge chosen from domain knowledge: six or more
  months of rent on time, no more than one late utility month, credit use below 30%...);
  without a declaration, the bins wholly on the favourable side of the range's midpoint.
  The feature's best bin is always in it.

``check`` lists every violation of a card, naming the feature and the bins; activation
refuses a card with any (``dp.versions.activate``), training never activates one, and
recourse never moves a feature whose card fails them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from ..contract import Direction
from .categorical import CategoricalFeature, MappedFeature
from .scorecard import FeaturePoints, Scorecard

DIRECTION: Final = "direction"
SHARING: Final = "sharing"


def is_ordered(feature: MappedFeature) -> bool:
    """Return whether the feature's bins have an order (numeric, or categories declared so)."""
    return not isinstance(feature, CategoricalFeature) or feature.direction is not None


def order_of(feature: MappedFeature) -> Direction | None:
    """Return the direction the points must follow, or ``None`` when none is enforced.

    >>> from scoring.contract.features import FEATURES
    >>> order_of(FEATURES["savings_balance"])
    <Direction.LOWERS_RISK: 'lowers_risk'>
    """
    if isinstance(feature, CategoricalFeature):
        return feature.direction
    return feature.direction if feature.monotone else None


def best_bin(feature: MappedFeature) -> int | None:
    """Return the favourable end's bin of an ordered feature (``None``: unordered)."""
    bins = _valued_bins(feature)
    if feature.direction is None:
        return None
    return bins - 1 if feature.direction is Direction.LOWERS_RISK else 0


def favourable_bins(feature: MappedFeature) -> frozenset[int]:
    """Return the bins of the feature's favourable part (never the ``missing`` bin).

    >>> from scoring.contract.features import FEATURES
    >>> sorted(favourable_bins(FEATURES["rent_on_time_12m"]))  # 6 or more months on time
    [1, 2, 3]
    >>> sorted(favourable_bins(FEATURES["bureau_utilisation"]))  # below 30%
    [0, 1]
    """
    bins = _valued_bins(feature)
    direction = feature.direction
    if direction is None:
        return frozenset()
    lowers = direction is Direction.LOWERS_RISK
    if isinstance(feature, CategoricalFeature):
        half = bins // 2
        chosen = set(range(bins - half, bins)) if lowers else set(range(half))
    else:
        edges = [feature.lower, *feature.bins, feature.upper]
        spans = list(pairwise(edges))
        edge = feature.favourable_edge
        if edge is None:
            middle = (feature.lower + feature.upper) / 2
            chosen = {
                i for i, (lo, hi) in enumerate(spans) if (lo >= middle if lowers else hi <= middle)
            }
        else:
            chosen = {
                i for i, (lo, hi) in enumerate(spans) if (lo >= edge if lowers else hi <= edge)
            }
    best = best_bin(feature)
    if best is not None:
        chosen.add(best)
    return frozenset(chosen)


def _valued_bins(feature: MappedFeature) -> int:
    if isinstance(feature, CategoricalFeature):
        return len(feature.categories)
    return len(feature.bins) + 1


@dataclass(frozen=True)
class Violation:
    """One way a card breaks a promise: which feature, which bins, in words."""

    feature: str
    kind: str  # DIRECTION or SHARING
    bins: tuple[str, ...]
    text: str


def _violations_of(table: FeaturePoints) -> list[Violation]:
    """Return the ways one feature's points break the shape or the sharing policy."""
    feature = table.feature
    labels, points = table.labels, table.valued
    out: list[Violation] = []
    order = order_of(feature)
    if order is not None:
        rising = order is Direction.LOWERS_RISK
        for (i, a), (j, b) in pairwise(enumerate(points)):
            if (b < a) if rising else (b > a):
                out.append(
                    Violation(
                        feature.name,
                        DIRECTION,
                        (labels[i], labels[j]),
                        f"{feature.name} ({order.value}): bin {labels[i]} earns {a} points "
                        f"and bin {labels[j]} earns {b}",
                    )
                )
    for i in sorted(favourable_bins(feature)):
        if points[i] < 0:
            out.append(
                Violation(
                    feature.name,
                    SHARING,
                    (labels[i],),
                    f"{feature.name}: bin {labels[i]} is in the favourable part of the range "
                    f"but earns {points[i]} points, below the neutral 0 of not sharing it",
                )
            )
    if feature.direction is None and max(points) < 0:
        out.append(
            Violation(
                feature.name,
                SHARING,
                tuple(labels[: len(points)]),
                f"{feature.name}: every category earns less than the neutral 0",
            )
        )
    return out


def check(card: Scorecard) -> list[Violation]:
    """Return every violation of the card's shape and sharing policy (empty: it may score).

    >>> from scoring.contract.features import CONTRACT
    >>> from scoring.card.scorecard import labels_of
    >>> flat = {"intercept": -3.0, "features": {
    ...     f.name: {label: 0.0 for label in labels_of(f)} for f in CONTRACT}}
    >>> check(Scorecard.from_model(version=1, points=flat))
    []
    """
    return [v for table in card.features for v in _violations_of(table)]


def failing_features(card: Scorecard) -> frozenset[str]:
    """Return the names of the features whose points break a promise (never actionable)."""
    return frozenset(v.feature for v in check(card))

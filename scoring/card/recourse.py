"""Recourse: the smallest set of changes a person can make that reaches the cut-off.

Only features the card marks ``actionable`` (the contract's, or a lender's mapping's)
and that were actually scored may change (never income regularity, history length or
bureau delinquencies, never a withheld or disputed fact), and only in their favourable
direction: a ``lowers_risk`` value only up, a ``raises_risk`` one only down (a categorical
feature with a declared direction only along its declared order). A feature whose points
fail the card's checks (``scoring.card.shape``) is not actionable at all: advice read off a
card that runs backwards would be wrong. The search is exact over the
card's public bins: it tries one feature, then two, and so on; among the sets of the
smallest size it prefers the fewest bin steps, then the most points. Each change moves a
value into the nearest bin that helps, to the value in that bin closest to the person's
own (for a categorical feature, to that category). The result is then proven: the
changed facts are scored again by ``scorecard.score`` and must reach the cut-off, or it
is a bug. If no set of actionable changes reaches the cut-off, the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, product
from typing import Final

from ..contract import Direction, Feature
from ..errors import RecourseBug
from .categorical import CategoricalFeature, MappedFeature
from .scorecard import Scorecard, Scored, Status, rescore
from .shape import failing_features, order_of
from .wording import points_words, title, value_words

#: Above this many features in a set, each goes straight to its best bin (no finer search).
FINE_SEARCH_UP_TO: Final = 3


@dataclass(frozen=True)
class Change:
    """One change: a feature's value from what it is to a target, and the points it adds."""

    feature: str
    current: float
    target: float
    current_bin: str
    target_bin: str
    gain: int
    text: str = ""


@dataclass(frozen=True)
class Recourse:
    """The smallest set of changes that reaches the cut-off, proven by re-scoring."""

    changes: tuple[Change, ...]
    rescored: int | None
    exists: bool


def step(feature: Feature) -> float:
    """Return the smallest change of a value that counts (1 for counts and USD, 0.01 ratio).

    >>> from scoring.contract.features import FEATURES
    >>> step(FEATURES["debt_service_ratio"]), step(FEATURES["savings_balance"])
    (0.01, 1.0)
    """
    return 0.01 if feature.unit == "ratio" else 1.0


def _target_value(feature: MappedFeature, current: float, target_bin: int) -> float:
    """Return the value in ``target_bin`` nearest to ``current`` (a category: its code).

    >>> from scoring.contract.features import FEATURES
    >>> _target_value(FEATURES["rent_on_time_12m"], 4, 2)
    10.0
    >>> _target_value(FEATURES["debt_service_ratio"], 0.7, 2)
    0.35
    """
    if isinstance(feature, CategoricalFeature):
        return float(target_bin)
    edges = [feature.lower, *feature.bins, feature.upper]
    low, high = edges[target_bin], edges[target_bin + 1]
    if target_bin > feature.bin_of(current):
        return float(low)
    below = round(high - step(feature), 2)
    if feature.bin_of(below) == target_bin and below >= low:
        return float(below)
    return float(low)


def allowed(feature: MappedFeature, current: int, target: int) -> bool:
    """Return whether a move from bin ``current`` to ``target`` goes the favourable way.

    >>> from scoring.contract.features import FEATURES
    >>> allowed(FEATURES["savings_balance"], 0, 2), allowed(FEATURES["savings_balance"], 2, 0)
    (True, False)
    >>> allowed(FEATURES["debt_service_ratio"], 3, 1)
    True
    """
    if order_of(feature) is None:  # no order, or not monotone by declaration
        return True
    if feature.direction is Direction.LOWERS_RISK:
        return target > current
    return target < current


def _change_words(feature: MappedFeature, current: float, target: float, gain: int) -> str:
    """Return one change in words.

    >>> from scoring.contract.features import FEATURES
    >>> _change_words(FEATURES["savings_balance"], 120.0, 400.0, 9)
    'Raise your savings balance from $120 to $400: +9 points.'
    >>> _change_words(FEATURES["bureau_utilisation"], 0.62, 0.49, 1)
    'Lower your use of your revolving credit limits from 62% to 49%: +1 point.'
    """
    if isinstance(feature, CategoricalFeature) or feature.direction is None:
        verb = "Change"
    else:
        verb = "Raise" if feature.direction is Direction.LOWERS_RISK else "Lower"
    return (
        f"{verb} your {title(feature)} from {value_words(feature, current)} to "
        f"{value_words(feature, target)}: +{points_words(gain)}."
    )


def _options(card: Scorecard, scored: Scored) -> dict[str, list[tuple[int, int, int]]]:
    """Per changeable feature: (bin, gain, steps) for every allowed bin earning more."""
    options: dict[str, list[tuple[int, int, int]]] = {}
    failing = failing_features(card)
    for line in scored.lines:
        feature = card.feature(line.name)
        if (
            not feature.actionable
            or line.name in failing
            or line.status is not Status.USED
            or line.bin is None
        ):
            continue
        table = card.table(line.name)
        better = [
            (i, pts - line.points, abs(i - line.bin))
            for i, pts in enumerate(table.valued)
            if pts > line.points and allowed(feature, line.bin, i)
        ]
        if better:
            options[line.name] = sorted(better, key=lambda o: (o[2], -o[1]))
    return options


def find_recourse(card: Scorecard, scored: Scored, *, cut_off: int) -> Recourse:
    """Return the smallest proven set of actionable changes reaching ``cut_off``."""
    needed = cut_off - scored.score
    if needed <= 0:
        return Recourse((), scored.score, True)
    options = _options(card, scored)
    names = list(options)
    for size in range(1, len(names) + 1):
        best: tuple[tuple[int, int], dict[str, tuple[int, int, int]]] | None = None
        for chosen in combinations(names, size):
            top = {n: max(options[n], key=lambda o: o[1]) for n in chosen}
            if sum(o[1] for o in top.values()) < needed:
                continue
            picks = (
                product(*(options[n] for n in chosen))
                if size <= FINE_SEARCH_UP_TO
                else [tuple(top[n] for n in chosen)]
            )
            for pick in picks:
                gain = sum(o[1] for o in pick)
                if gain < needed:
                    continue
                key = (sum(o[2] for o in pick), -gain)
                if best is None or key < best[0]:
                    best = (key, dict(zip(chosen, pick, strict=True)))
        if best is not None:
            return _proven(card, scored, best[1], cut_off)
    return Recourse((), None, False)


def _proven(
    card: Scorecard, scored: Scored, picks: dict[str, tuple[int, int, int]], cut_off: int
) -> Recourse:
    changes = []
    for name, (index, gain, _steps) in picks.items():
        feature, line = card.feature(name), scored.line(name)
        current = float(line.value or 0)
        target = _target_value(feature, current, index)
        changes.append(
            Change(
                feature=name,
                current=current,
                target=target,
                current_bin=line.bin_label or "",
                target_bin=card.table(name).labels[index],
                gain=gain,
                text=_change_words(feature, current, target, gain),
            )
        )
    after, _facts = rescore(card, scored, {c.feature: c.target for c in changes})
    if after.score < cut_off:
        raise RecourseBug(f"a recourse re-scored {after.score}, below the cut-off {cut_off}")
    for c in changes:
        feature, line = card.feature(c.feature), scored.line(c.feature)
        moved_to = feature.bin_of(c.target)
        if not feature.actionable or line.bin is None or not allowed(feature, line.bin, moved_to):
            raise RecourseBug(f"a recourse moved {c.feature} against its allowed direction")
    return Recourse(tuple(changes), after.score, True)

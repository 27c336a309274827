"""Recourse: the smallest set of changes a person can make that reaches the cut-off.

Only features the card marks ``actionable`` (the contract's, or a lender's mapping's)
and that were actually scored may change (never income regularity, history length or
bureau delinquencies, never a withheld or disputed fact). The search is exact over the
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

from .categorical import CategoricalFeature, MappedFeature
from .contract import Feature
from .scorecard import Scorecard, Scored, Status, rescore

#: Above this many features in a set, each goes straight to its best bin (no finer search).
FINE_SEARCH_UP_TO: Final = 3


class RecourseBug(Exception):
    """A recourse failed its own re-scoring proof: a bug, never the person's fault."""


@dataclass(frozen=True)
class Change:
    """One change: a feature's value from what it is to a target, and the points it adds."""

    feature: str
    current: float
    target: float
    current_bin: str
    target_bin: str
    gain: int


@dataclass(frozen=True)
class Recourse:
    """The smallest set of changes that reaches the cut-off, proven by re-scoring."""

    changes: tuple[Change, ...]
    rescored: int | None
    exists: bool


def step(feature: Feature) -> float:
    """Return the smallest change of a value that counts (1 for counts and USD, 0.01 ratio).

    >>> from scoring.contract import FEATURES
    >>> step(FEATURES["debt_service_ratio"]), step(FEATURES["savings_balance"])
    (0.01, 1.0)
    """
    return 0.01 if feature.unit == "ratio" else 1.0


def target_value(feature: MappedFeature, current: float, target_bin: int) -> float:
    """Return the value in ``target_bin`` nearest to ``current`` (a category: its code).

    >>> from scoring.contract import FEATURES
    >>> target_value(FEATURES["rent_on_time_12m"], 4, 2)
    10.0
    >>> target_value(FEATURES["debt_service_ratio"], 0.7, 2)
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


def _options(card: Scorecard, scored: Scored) -> dict[str, list[tuple[int, int, int]]]:
    """Per changeable feature: (bin, gain, steps) for every bin that earns more points."""
    options: dict[str, list[tuple[int, int, int]]] = {}
    for line in scored.lines:
        feature = card.feature(line.name)
        if not feature.actionable or line.status is not Status.USED or line.bin is None:
            continue
        table = card.table(line.name)
        better = [
            (i, pts - line.points, abs(i - line.bin))
            for i, pts in enumerate(table.valued)
            if pts > line.points
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
        changes.append(
            Change(
                feature=name,
                current=current,
                target=target_value(feature, current, index),
                current_bin=line.bin_label or "",
                target_bin=card.table(name).labels[index],
                gain=gain,
            )
        )
    after, _facts = rescore(card, scored, {c.feature: c.target for c in changes})
    if after.score < cut_off or any(not card.feature(c.feature).actionable for c in changes):
        raise RecourseBug(f"a recourse re-scored {after.score}, below the cut-off {cut_off}")
    return Recourse(tuple(changes), after.score, True)

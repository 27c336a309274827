"""The additive points scorecard: integer points per public bin, scaled the standard way.

The active model version (``dp.versions``) holds weights of evidence per public bin and a
prior log-odds of default, all on the natural-log odds scale of default. They become
points with the usual scaling (Siddiqi): a score of ``BASE_SCORE`` stands for odds of
``BASE_ODDS`` repayments to one default, and every ``PDO`` points double those odds::

    factor = PDO / ln 2;  offset = BASE_SCORE - factor * ln(BASE_ODDS)
    base points = round(offset - factor * intercept);  bin points = round(-factor * woe)

Points are rounded once, per bin, when the card is built; a score is the base plus one
integer per feature, so the parts always add up exactly to the score. Higher is safer.

Neutral treatment (never a hidden penalty): a feature whose data category the person did
not consent to, whose fact is missing (no rent paid from the account, no bureau file) or
is under an open dispute scores **0 points**. In a weight-of-evidence (naive Bayes) model,
0 is exactly the model with that feature left out: no evidence either way, the prior's
odds. The explanation names every such feature and why.

A person with too little data (no shared cash-flow facts, or fewer than
``MIN_HISTORY_MONTHS`` months of statements) is not scored at all: ``insufficient_data``
says what would make them scorable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any, Final

from consent import DataCategory

from ..contract import CONTRACT
from .categorical import CategoricalFeature, MappedFeature, features_from_spec

#: Points to double the odds of repayment.
PDO: Final = 20
#: The score that stands for ``BASE_ODDS`` repayments to one default.
BASE_SCORE: Final = 600
BASE_ODDS: Final = 50
FACTOR: Final = PDO / math.log(2)
OFFSET: Final = BASE_SCORE - FACTOR * math.log(BASE_ODDS)
#: The fewest months of statements a score is computed from.
MIN_HISTORY_MONTHS: Final = 6
#: The category every score needs (it carries the months of history).
REQUIRED_CATEGORY: Final = DataCategory.BANK_CASHFLOW


class Status(StrEnum):
    """How a feature entered a score."""

    USED = "used"
    WITHHELD = "withheld"  # the person did not consent to its category
    MISSING = "missing"  # no value (for example no bureau file)
    DISPUTED = "disputed"  # under an open dispute: left out until resolved


def labels_of(feature: MappedFeature) -> list[str]:
    """Return the labels of a feature's public bins (``missing`` last when nullable).

    A categorical feature's bins are its categories.

    >>> from scoring.contract.features import FEATURES
    >>> labels_of(FEATURES["history_months"])
    ['[1, 6)', '[6, 12)', '[12, 24)', '[24, 24]']
    """
    if isinstance(feature, CategoricalFeature):
        return list(feature.categories)
    edges = [feature.lower, *feature.bins, feature.upper]
    labels = [f"[{a:g}, {b:g})" for a, b in pairwise(edges[:-1])]
    labels.append(f"[{edges[-2]:g}, {edges[-1]:g}]")
    return [*labels, "missing"] if feature.nullable else labels


def _points_of(woe: float) -> int:
    """Return the integer points of a weight of evidence (positive woe = riskier = fewer).

    >>> _points_of(0.0), _points_of(math.log(2)), _points_of(-math.log(2))
    (0, -20, 20)
    """
    return round(-FACTOR * woe)


@dataclass(frozen=True)
class FeaturePoints:
    """One feature's integer points per public bin (the ``missing`` bin is not used)."""

    feature: MappedFeature
    labels: tuple[str, ...]
    points: tuple[int, ...]

    @property
    def valued(self) -> tuple[int, ...]:
        """The points of the bins a value can fall in (not ``missing``)."""
        return self.points[: len(self.labels) - int(self.feature.nullable)]

    @property
    def best(self) -> int:
        """The most points any value of the feature earns."""
        return max(self.valued)


@dataclass(frozen=True)
class Scorecard:
    """A model version as integer points: a base and a points table per feature."""

    version: int
    base: int
    features: tuple[FeaturePoints, ...]

    @classmethod
    def from_model(cls, *, version: int, points: Mapping[str, Any]) -> Scorecard:
        """Build the card from a model version's stored weights of evidence.

        ``points`` is ``ModelVersion.points``: ``{"intercept": log-odds of default,
        "features": {name: {bin label: woe}}}``; every contract feature must be there. A
        model trained from a lender's mapping also holds ``"spec"``, its own features
        (``scoring.card.categorical.spec_of``), which then replace the contract's.
        """
        features: tuple[MappedFeature, ...] = (
            features_from_spec(points["spec"]) if "spec" in points else CONTRACT
        )
        tables: list[FeaturePoints] = []
        for feature in features:
            woe = points["features"][feature.name]
            labels = labels_of(feature)
            tables.append(
                FeaturePoints(feature, tuple(labels), tuple(_points_of(woe[lb]) for lb in labels))
            )
        base = round(OFFSET - FACTOR * float(points["intercept"]))
        return cls(version=version, base=base, features=tuple(tables))

    def table(self, name: str) -> FeaturePoints:
        """Return the points table of the feature called ``name``."""
        for table in self.features:
            if table.feature.name == name:
                return table
        raise KeyError(name)

    def feature(self, name: str) -> MappedFeature:
        """Return the feature called ``name`` as this card declares it."""
        return self.table(name).feature

    @property
    def score_range(self) -> tuple[int, int]:
        """The lowest and highest score the card can give (neutral 0 included)."""
        low = self.base + sum(min(0, *t.valued) for t in self.features)
        high = self.base + sum(max(0, *t.valued) for t in self.features)
        return low, high


@dataclass(frozen=True)
class Line:
    """One feature's part in a score."""

    name: str
    category: DataCategory
    value: float | None
    status: Status
    bin: int | None
    bin_label: str | None
    points: int
    best: int

    @property
    def lost(self) -> int:
        """Points lost against the best attainable value (0 when not used)."""
        return self.best - self.points if self.status is Status.USED else 0


@dataclass(frozen=True)
class Scored:
    """A score: the base and every feature's line, which add up to it exactly."""

    base: int
    lines: tuple[Line, ...]

    @property
    def score(self) -> int:
        """The score: base plus every feature's points."""
        return self.base + sum(line.points for line in self.lines)

    def line(self, name: str) -> Line:
        """Return the line of feature ``name``."""
        return next(line for line in self.lines if line.name == name)


def insufficient_data(
    facts: Mapping[str, float | None] | None,
    *,
    allowed: Iterable[DataCategory],
    disputed: Iterable[str] = (),
) -> list[str]:
    """Return what is missing for a score (empty when the person can be scored).

    >>> insufficient_data({"history_months": 3}, allowed={DataCategory.BANK_CASHFLOW})[0][:40]
    'At least 6 months of bank statements are'
    """
    if facts is None:
        return ["Share your bank statements: no facts are held about you yet."]
    if REQUIRED_CATEGORY not in set(allowed):
        return [
            "Include the bank_cashflow category in your scoring consent: every score needs "
            "your account's cash flow and the months of history it covers."
        ]
    if "history_months" in set(disputed):
        return [
            "Your months of account history are under dispute; a score is computed once the "
            "dispute is resolved."
        ]
    months = facts.get("history_months")
    if months is None or months < MIN_HISTORY_MONTHS:
        shared = "none" if months is None else f"{months:g}"
        return [
            f"At least {MIN_HISTORY_MONTHS} months of bank statements are needed for a score "
            f"(you shared {shared}). Share statements covering {MIN_HISTORY_MONTHS} months or "
            "more and ask again."
        ]
    return []


def score(
    card: Scorecard,
    facts: Mapping[str, float | None],
    *,
    allowed: Iterable[DataCategory],
    disputed: Iterable[str] = (),
) -> Scored:
    """Score one person from the facts whose categories ``allowed`` covers.

    Call ``insufficient_data`` first: this function scores whatever it is given.
    """
    allowed_set, disputed_set = frozenset(allowed), frozenset(disputed)
    lines = []
    for table in card.features:
        feature = table.feature
        value = facts.get(feature.name)
        if feature.category not in allowed_set:
            status = Status.WITHHELD
        elif feature.name in disputed_set:
            status = Status.DISPUTED
        elif value is None:
            status = Status.MISSING
        else:
            status = Status.USED
        shown = value if status is not Status.WITHHELD else None
        if status is Status.USED and value is not None:
            index = feature.bin_of(value)
            line = Line(
                feature.name,
                feature.category,
                shown,
                status,
                index,
                table.labels[index],
                table.points[index],
                table.best,
            )
        else:
            line = Line(feature.name, feature.category, shown, status, None, None, 0, table.best)
        lines.append(line)
    return Scored(card.base, tuple(lines))


def rescore(
    card: Scorecard, scored: Scored, changes: Mapping[str, float]
) -> tuple[Scored, dict[str, float | None]]:
    """Score again with some used features' values changed (for recourse proofs)."""
    facts: dict[str, float | None] = {line.name: line.value for line in scored.lines}
    facts.update(changes)
    allowed = {line.category for line in scored.lines if line.status is not Status.WITHHELD}
    disputed = {line.name for line in scored.lines if line.status is Status.DISPUTED}
    return score(card, facts, allowed=allowed, disputed=disputed), facts

"""Principal reasons: the facts that lowered the score below neutral, said plainly.

A fact scores points against the neutral 0 of not sharing it (``scoring.card.shape``): below 0
it lowered the score, at 0 or above it did not. Only facts that lowered the score are
reasons (an adverse-action notice names what counted against the applicant), ranked by
how far below neutral they took the score, then by the points lost against the best
value the feature can earn; at most ``MAX_REASONS`` (Regulation B's commentary: more than
four is "not likely to be helpful"). A fact in its feature's best bin never scores below
0 on a card that passes its checks, so it is never a reason. A feature left out
(withheld, missing, disputed) scored 0 and is never a reason; the explanation lists it
under what was not used. Each reason names the person's own value and its range in
words, what it took off, and which values earn the most (``scoring.card.wording``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..contract import FEATURES
from .categorical import CategoricalFeature, MappedFeature
from .scorecard import Line, Scorecard, Scored
from .shape import is_ordered
from .wording import bins_words, points_words, value_words

MAX_REASONS: Final = 4

#: How each feature's value reads in a sentence: "{value}" is the value in words with its unit,
#: "{count}" the bare count, "{s}" and "{ies}" the plural endings of the noun after it.
PHRASES: Final[dict[str, str]] = {
    "rent_on_time_12m": "rent was paid on time in {count} of the last 12 months",
    "utility_late_months_12m": "a utility bill was paid late in {count} of the last 12 months",
    "telecom_late_months_12m": (
        "a phone or internet bill was paid late in {count} of the last 12 months"
    ),
    "income_regular_months_12m": "regular income arrived in {count} of the last 12 months",
    "median_net_inflow": "money in minus money out came to {value} in a typical month",
    "avg_eom_balance": "your account ended the month with {value} on average",
    "negative_balance_months_12m": "your account ended {count} of the last 12 months below zero",
    "savings_balance": "your savings balance was {value}",
    "debt_service_ratio": "loan repayments took {value} of your income",
    "history_months": "you shared {value} of account history",
    "bureau_open_tradelines": "your credit file shows {count} open credit account{s}",
    "bureau_utilisation": "you used {value} of your revolving credit limits",
    "bureau_delinquencies_24m": (
        "your credit file shows {count} account{s} 30+ days past due in the last 24 months"
    ),
    "bureau_inquiries_6m": "your credit file shows {count} hard inquir{ies} in the last 6 months",
}


@dataclass(frozen=True)
class Reason:
    """One principal reason: a feature, the points it lost and why, in plain words."""

    rank: int
    feature: str
    value: float
    points: int
    best: int
    lost: int
    best_bins: tuple[str, ...]
    text: str


def shown(feature: MappedFeature, value: float) -> str:
    """Return a value as a person reads it (a categorical feature's value is its category).

    >>> shown(FEATURES["debt_service_ratio"], 0.4), shown(FEATURES["savings_balance"], 1200.5)
    ('40%', '$1,200')
    """
    return value_words(feature, value)


def best_bins(card: Scorecard, name: str) -> tuple[str, ...]:
    """Return the labels of the feature's bins that earn its best points."""
    table = card.table(name)
    return tuple(
        label for label, pts in zip(table.labels, table.valued, strict=False) if pts == table.best
    )


def _best_words(card: Scorecard, name: str) -> str:
    """Return the values that earn the feature's best points, in words (one span if it is)."""
    table = card.table(name)
    best = [i for i, pts in enumerate(table.valued) if pts == table.best]
    if best == list(range(best[0], best[-1] + 1)) and is_ordered(table.feature):
        return bins_words(table.feature, best[0], best[-1])
    return " or ".join(bins_words(table.feature, i) for i in best)


def _said(feature: MappedFeature, name: str, value: float) -> str:
    phrase = PHRASES.get(name) if feature is FEATURES.get(name) else None
    words = value_words(feature, value)
    if phrase is None:
        said = f"{feature.description.rstrip('.')}: {words}"
    else:
        count = int(value)
        said = phrase.format(
            value=words,
            count=f"{count}",
            s="" if value == 1 else "s",
            ies="y" if value == 1 else "ies",
        )
    return f"{said[0].upper()}{said[1:]}"


def describe(card: Scorecard, line: Line) -> str:
    """Return the plain-language reason for one scored feature below neutral."""
    if line.value is None or line.bin is None:
        raise ValueError(f"{line.name} was not scored, so it cannot be a reason")
    feature = card.feature(line.name)
    said = _said(feature, line.name, line.value)
    if isinstance(feature, CategoricalFeature):
        where = ""
    else:
        span = bins_words(feature, line.bin)
        where = "" if span == value_words(feature, line.value) else f" ({span})"
    effect = (
        f"which lowered your score by {points_words(-line.points)}"
        if line.points < 0
        else f"which earned {points_words(line.points)}"
    )
    best = f"{_best_words(card, line.name)} would earn {points_words(line.best)}"
    return f"{said}{where}, {effect}; {best}."


def principal_reasons(card: Scorecard, scored: Scored, *, limit: int = MAX_REASONS) -> list[Reason]:
    """Return up to ``limit`` reasons: the facts below neutral, the furthest first.

    Ties go to the larger loss against the best bin, then to contract order.
    """
    below = [line for line in scored.lines if line.points < 0 and line.lost > 0]
    ranked = sorted(below, key=lambda line: (line.points, -line.lost))[:limit]
    return [
        Reason(
            rank=i,
            feature=line.name,
            value=float(line.value or 0),
            points=line.points,
            best=line.best,
            lost=line.lost,
            best_bins=best_bins(card, line.name),
            text=describe(card, line),
        )
        for i, line in enumerate(ranked, start=1)
    ]

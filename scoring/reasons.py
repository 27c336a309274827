"""Principal reasons: the features that cost the most points, said plainly and specifically.

The ranking is the method behind adverse-action notices for a points model: for each
feature actually scored, the points lost against the best value that feature can earn;
the largest losses first, at most ``MAX_REASONS`` (Regulation B's commentary: more than four
is "not likely to be helpful"). A feature left out (withheld, missing, disputed) scored
0 and is never a reason; the explanation lists it under what was not used. Each reason
names the person's own value, what it scored, and which values score best.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .categorical import CategoricalFeature, MappedFeature
from .contract import FEATURES
from .scorecard import Line, Scorecard, Scored

MAX_REASONS: Final = 4

#: How each feature's value reads in a sentence ("{value}" is the person's value).
PHRASES: Final[dict[str, str]] = {
    "rent_on_time_12m": "rent was paid on time in {value} of the last 12 months",
    "utility_late_months_12m": "a utility bill was paid late in {value} of the last 12 months",
    "telecom_late_months_12m": (
        "a phone or internet bill was paid late in {value} of the last 12 months"
    ),
    "income_regular_months_12m": "regular income arrived in {value} of the last 12 months",
    "median_net_inflow": "your typical month left a net inflow of {value} USD",
    "avg_eom_balance": "your account ended the month with {value} USD on average",
    "negative_balance_months_12m": ("your account ended {value} of the last 12 months below zero"),
    "savings_balance": "your savings balance was {value} USD",
    "debt_service_ratio": "loan repayments took {value} of your income",
    "history_months": "you shared {value} months of account history",
    "bureau_open_tradelines": "your credit file shows {value} open credit accounts",
    "bureau_utilisation": "you used {value} of your revolving credit limits",
    "bureau_delinquencies_24m": (
        "your credit file shows {value} accounts 30+ days past due in the last 24 months"
    ),
    "bureau_inquiries_6m": "your credit file shows {value} hard inquiries in the last 6 months",
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
    ('40%', '1,200.50')
    """
    if isinstance(feature, CategoricalFeature):
        return f'"{feature.label_of(value)}"'
    if feature.unit == "ratio":
        return f"{value:.0%}"
    if feature.kind == "int":
        return f"{int(value)}"
    return f"{value:,.2f}"


def best_bins(card: Scorecard, name: str) -> tuple[str, ...]:
    """Return the labels of the feature's bins that earn its best points."""
    table = card.table(name)
    return tuple(
        label for label, pts in zip(table.labels, table.valued, strict=False) if pts == table.best
    )


def describe(card: Scorecard, line: Line) -> str:
    """Return the plain-language reason for one scored feature."""
    if line.value is None:
        raise ValueError(f"{line.name} was not scored, so it cannot be a reason")
    feature = card.feature(line.name)
    value = shown(feature, line.value)
    phrase = PHRASES.get(line.name) if feature is FEATURES.get(line.name) else None
    best = " or ".join(best_bins(card, line.name))
    if isinstance(feature, CategoricalFeature):
        said = f"{feature.description.rstrip('.')}: {value}"
        labels = best_bins(card, line.name)
        quoted = " or ".join(f'"{label}"' for label in labels)
        return (
            f"{said[0].upper()}{said[1:]}, which earned {line.points} points; {quoted} "
            f"earn{'s' if len(labels) == 1 else ''} {line.best}, so this cost you "
            f"{line.lost} points."
        )
    said = (
        phrase.format(value=value)
        if phrase is not None
        else f"{feature.description.rstrip('.')}: {value}"
    )
    return (
        f"{said[0].upper()}{said[1:]} (the range {line.bin_label} {feature.unit}), which earned "
        f"{line.points} points; values in {best} earn {line.best}, so this cost you "
        f"{line.lost} points."
    )


def principal_reasons(card: Scorecard, scored: Scored, *, limit: int = MAX_REASONS) -> list[Reason]:
    """Return up to ``limit`` reasons, the largest point losses first (contract order ties)."""
    lossy = [line for line in scored.lines if line.lost > 0]
    ranked = sorted(lossy, key=lambda line: -line.lost)[:limit]
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

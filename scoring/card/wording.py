"""Facts, ranges and points in a person's words: money as money, counts as counts.

Nothing a person reads shows a raw float, an interval bracket or a one-value range:
``$26,027`` (never 26027.140833333335), ``45%`` (never 0.45), ``6 to 9 months`` (never
``[6, 10)``), ``between $2,000 and $10,000``, ``1 point`` and ``2 points``.
"""

from __future__ import annotations

import math
from itertools import pairwise

from ..contract import FEATURES
from .categorical import CategoricalFeature, MappedFeature

#: What each contract feature is called in a sentence about changing it.
TITLES: dict[str, str] = {
    "rent_on_time_12m": "months of rent paid on time",
    "utility_late_months_12m": "months with a late utility bill",
    "telecom_late_months_12m": "months with a late phone or internet bill",
    "income_regular_months_12m": "months with regular income",
    "median_net_inflow": "typical monthly money in minus money out",
    "avg_eom_balance": "average end-of-month balance",
    "negative_balance_months_12m": "months ending below zero",
    "savings_balance": "savings balance",
    "debt_service_ratio": "share of income going to loan repayments",
    "history_months": "months of account history",
    "bureau_open_tradelines": "open credit accounts",
    "bureau_utilisation": "use of your revolving credit limits",
    "bureau_delinquencies_24m": "accounts 30+ days past due (last 24 months)",
    "bureau_inquiries_6m": "hard credit inquiries (last 6 months)",
}


def title(feature: MappedFeature) -> str:
    """Return what a feature is called in a sentence (a lender's: its description).

    >>> from scoring.contract.features import FEATURES
    >>> title(FEATURES["savings_balance"])
    'savings balance'
    """
    if FEATURES.get(feature.name) is feature:
        return TITLES[feature.name]
    text = feature.description.rstrip(".")
    return text[:1].lower() + text[1:]


def _money(feature: MappedFeature) -> bool:
    return feature.unit.startswith("USD")


def points_words(points: int) -> str:
    """Return a number of points with the right plural.

    >>> points_words(1), points_words(-1), points_words(12)
    ('1 point', '-1 point', '12 points')
    """
    return f"{points} point{'' if abs(points) == 1 else 's'}"


def _money_words(value: float) -> str:
    """Return an amount of US dollars as a person writes it.

    >>> _money_words(26027.140833333335), _money_words(-500.0), _money_words(12.5)
    ('$26,027', '-$500', '$12.50')
    """
    sign = "-" if value < 0 else ""
    amount = abs(value)
    if amount >= 100 or amount == int(amount):
        return f"{sign}${amount:,.0f}"
    return f"{sign}${amount:,.2f}"


def _number(feature: MappedFeature, value: float) -> str:
    if feature.unit == "ratio":
        return f"{value:.0%}"
    if _money(feature):
        return _money_words(value)
    if feature.kind == "int" or value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _unit_of(feature: MappedFeature, count: float) -> str:
    """The unit after a count (``months``/``month``); none for money, ratios, categories."""
    unit = feature.unit
    if not unit or unit == "ratio" or _money(feature):
        return ""
    if count == 1 and unit.endswith("s"):
        unit = unit[:-1]
    return f" {unit}"


def value_words(feature: MappedFeature, value: float) -> str:
    """Return a fact's value as a person reads it (a category: its quoted label).

    >>> from scoring.contract.features import FEATURES
    >>> value_words(FEATURES["debt_service_ratio"], 0.28217915581817105)
    '28%'
    >>> value_words(FEATURES["savings_balance"], 1e6), value_words(FEATURES["history_months"], 1)
    ('$1,000,000', '1 month')
    """
    if isinstance(feature, CategoricalFeature):
        return f'"{feature.label_of(value)}"'
    return f"{_number(feature, value)}{_unit_of(feature, value)}"


def bins_words(feature: MappedFeature, first: int, last: int | None = None) -> str:
    """Return the values of bins ``first`` to ``last`` (one span) in words.

    >>> from scoring.contract.features import FEATURES
    >>> rent = FEATURES["rent_on_time_12m"]
    >>> bins_words(rent, 0), bins_words(rent, 1), bins_words(rent, 3), bins_words(rent, 1, 3)
    ('0 to 5 months', '6 to 9 months', '12 months', '6 or more months')
    >>> savings = FEATURES["savings_balance"]
    >>> bins_words(savings, 0), bins_words(savings, 3), bins_words(savings, 4)
    ('less than $1', 'between $2,000 and $10,000', '$10,000 or more')
    >>> bins_words(FEATURES["bureau_utilisation"], 1), bins_words(FEATURES["history_months"], 2)
    ('between 10% and 30%', '12 to 23 months')
    """
    last = first if last is None else last
    if isinstance(feature, CategoricalFeature):
        return " or ".join(f'"{c}"' for c in feature.categories[first : last + 1])
    edges = [feature.lower, *feature.bins, feature.upper]
    spans = list(pairwise(edges))
    low, high = spans[first][0], spans[last][1]
    closed = last == len(spans) - 1  # the last bin includes its upper end
    if feature.kind == "int":
        a, b = math.ceil(low), int(high) if closed else math.ceil(high) - 1
        if a == b:
            return value_words(feature, a)
        if closed:
            return f"{a:,} or more{_unit_of(feature, 2)}"
        return f"{a:,} to {b:,}{_unit_of(feature, 2)}"
    if closed and first == last and low == high:
        return value_words(feature, low)
    if first == 0 and not closed:
        return f"less than {_number(feature, high)}{_unit_of(feature, 2)}"
    if closed:
        return f"{_number(feature, low)} or more{_unit_of(feature, 2)}"
    return f"between {_number(feature, low)} and {_number(feature, high)}{_unit_of(feature, 2)}"

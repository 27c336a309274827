"""The feature contract: every model input, declared once.

A fact reaches a model only if it is named here. Each feature says what it measures, its
unit and valid range, the data category a person must share for it, whether the person
can act on it (for recourse), which way it moves risk, and public bin edges chosen from
domain knowledge (never from data, so the edges leak nothing about anyone).

Counts over "the last 12 months" cover the twelve calendar months ending with the month
the statements run to, or fewer when less history is shared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Literal

from consent import DataCategory


class Direction(StrEnum):
    """Which way a higher value of a feature moves the risk of default."""

    RAISES_RISK = "raises_risk"
    LOWERS_RISK = "lowers_risk"


Kind = Literal["int", "float"]


@dataclass(frozen=True)
class Feature:
    """One model input.

    ``bins`` are the interior edges of the public bins: a value ``v`` falls in bin ``k``
    where ``k`` is the number of edges ``<= v``, so bins are ``[lower, e1)``, ``[e1, e2)``
    ... ``[ek, upper]`` (the last edge may equal ``upper``: a bin of that value alone). A
    nullable feature has one more bin, for "missing", whose meaning ``missing_means``
    states.
    """

    name: str
    description: str
    kind: Kind
    unit: str
    lower: float
    upper: float
    category: DataCategory
    actionable: bool
    direction: Direction
    bins: tuple[float, ...]
    nullable: bool = False
    missing_means: str = ""
    #: Where the feature's favourable part starts (ADR 0017): a ``lowers_risk`` value at or
    #: above it, a ``raises_risk`` value below it, never scores below the neutral 0. A
    #: public bin edge; ``None``: the bins wholly past the midpoint of the range.
    favourable_edge: float | None = None
    #: ``False`` when the true shape is not monotone in ``direction``; then
    #: ``not_monotone_because`` says why, and the points are not forced into order.
    monotone: bool = True
    not_monotone_because: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"feature name {self.name!r} is not snake_case")
        if not self.lower < self.upper:
            raise ValueError(f"{self.name}: lower {self.lower} is not below upper {self.upper}")
        edges = (self.lower, *self.bins)
        rising = all(a < b for a, b in pairwise(edges))
        if not (rising and edges[-1] <= self.upper):
            raise ValueError(f"{self.name}: bin edges must rise strictly inside the range")
        if self.nullable != bool(self.missing_means):
            raise ValueError(f"{self.name}: a nullable feature says what missing means")
        if self.monotone == bool(self.not_monotone_because):
            raise ValueError(f"{self.name}: a feature that is not monotone says why (only then)")
        if self.favourable_edge is not None and self.favourable_edge not in (
            *self.bins,
            self.upper if self.direction is Direction.RAISES_RISK else self.lower,
        ):
            raise ValueError(f"{self.name}: the favourable edge is one of the bin edges")

    def contains(self, value: float) -> bool:
        """Return whether ``value`` lies in the valid range (both ends included).

        >>> FEATURES["history_months"].contains(24), FEATURES["history_months"].contains(25)
        (True, False)
        """
        return self.lower <= value <= self.upper

    def bin_of(self, value: float | None) -> int:
        """Return the index of the public bin holding ``value`` (missing: the last bin).

        >>> feature = FEATURES["rent_on_time_12m"]
        >>> feature.bins, feature.bin_of(5), feature.bin_of(12), feature.bin_of(None)
        ((6.0, 10.0, 12.0), 0, 3, 4)
        """
        if value is None:
            if not self.nullable:
                raise ValueError(f"{self.name} may not be missing")
            return len(self.bins) + 1
        return sum(1 for edge in self.bins if edge <= value)


_12M = "in the last 12 months"

CONTRACT: tuple[Feature, ...] = (
    Feature(
        name="rent_on_time_12m",
        description=f"Months with a rent payment booked on time, {_12M}.",
        kind="int",
        unit="months",
        lower=0,
        upper=12,
        category=DataCategory.RENT,
        actionable=True,
        direction=Direction.LOWERS_RISK,
        bins=(6.0, 10.0, 12.0),
        favourable_edge=6.0,
        nullable=True,
        missing_means="no rent is paid from the shared account",
    ),
    Feature(
        name="utility_late_months_12m",
        description=f"Months with a utility bill paid late or not at all, {_12M}.",
        kind="int",
        unit="months",
        lower=0,
        upper=12,
        category=DataCategory.UTILITIES,
        actionable=True,
        direction=Direction.RAISES_RISK,
        bins=(1.0, 2.0, 4.0),
        favourable_edge=2.0,
        nullable=True,
        missing_means="no utility bill is paid from the shared account",
    ),
    Feature(
        name="telecom_late_months_12m",
        description=f"Months with a phone or internet bill paid late or not at all, {_12M}.",
        kind="int",
        unit="months",
        lower=0,
        upper=12,
        category=DataCategory.TELECOM,
        actionable=True,
        direction=Direction.RAISES_RISK,
        bins=(1.0, 2.0, 4.0),
        favourable_edge=2.0,
        nullable=True,
        missing_means="no phone or internet bill is paid from the shared account",
    ),
    Feature(
        name="income_regular_months_12m",
        description=(
            f"Months with payroll or benefit deposits of at least half the usual monthly "
            f"amount, {_12M}. Payroll and benefits count alike."
        ),
        kind="int",
        unit="months",
        lower=0,
        upper=12,
        category=DataCategory.INCOME,
        actionable=False,
        direction=Direction.LOWERS_RISK,
        bins=(6.0, 10.0, 12.0),
        favourable_edge=6.0,
    ),
    Feature(
        name="median_net_inflow",
        description=f"Median over months of money in minus money out, {_12M}.",
        kind="float",
        unit="USD per month",
        lower=-20_000,
        upper=20_000,
        category=DataCategory.BANK_CASHFLOW,
        actionable=True,
        direction=Direction.LOWERS_RISK,
        bins=(-500.0, -100.0, 0.0, 100.0, 500.0),
        favourable_edge=0.0,
    ),
    Feature(
        name="avg_eom_balance",
        description=f"Average end-of-month balance of the current account, {_12M}.",
        kind="float",
        unit="USD",
        lower=-20_000,
        upper=200_000,
        category=DataCategory.BANK_CASHFLOW,
        actionable=True,
        direction=Direction.LOWERS_RISK,
        bins=(0.0, 500.0, 2_000.0, 10_000.0),
        favourable_edge=0.0,
    ),
    Feature(
        name="negative_balance_months_12m",
        description=f"Months that ended with a negative current-account balance, {_12M}.",
        kind="int",
        unit="months",
        lower=0,
        upper=12,
        category=DataCategory.BANK_CASHFLOW,
        actionable=True,
        direction=Direction.RAISES_RISK,
        bins=(1.0, 3.0, 6.0),
        favourable_edge=1.0,
    ),
    Feature(
        name="savings_balance",
        description="Balance of the shared savings accounts at the statement end.",
        kind="float",
        unit="USD",
        lower=0,
        upper=1_000_000,
        category=DataCategory.BANK_CASHFLOW,
        actionable=True,
        direction=Direction.LOWERS_RISK,
        bins=(1.0, 400.0, 2_000.0, 10_000.0),
        favourable_edge=1.0,
    ),
    Feature(
        name="debt_service_ratio",
        description=(
            f"Loan repayments divided by payroll and benefit income, {_12M} (capped at 2; "
            "2 when there are repayments and no income)."
        ),
        kind="float",
        unit="ratio",
        lower=0,
        upper=2,
        category=DataCategory.BANK_CASHFLOW,
        actionable=True,
        direction=Direction.RAISES_RISK,
        bins=(0.1, 0.2, 0.36, 0.5),
        favourable_edge=0.36,
    ),
    Feature(
        name="history_months",
        description="Calendar months of account history shared, up to 24.",
        kind="int",
        unit="months",
        lower=1,
        upper=24,
        category=DataCategory.BANK_CASHFLOW,
        actionable=False,
        direction=Direction.LOWERS_RISK,
        bins=(6.0, 12.0, 24.0),
        favourable_edge=12.0,
    ),
    Feature(
        name="bureau_open_tradelines",
        description="Open credit accounts on the credit bureau file.",
        kind="int",
        unit="accounts",
        lower=0,
        upper=60,
        category=DataCategory.BUREAU,
        actionable=False,
        direction=Direction.LOWERS_RISK,
        bins=(2.0, 5.0, 10.0),
        favourable_edge=10.0,
        nullable=True,
        missing_means="no credit bureau file (thin file)",
    ),
    Feature(
        name="bureau_utilisation",
        description="Revolving balances divided by revolving limits on the bureau file.",
        kind="float",
        unit="ratio",
        lower=0,
        upper=2,
        category=DataCategory.BUREAU,
        actionable=True,
        direction=Direction.RAISES_RISK,
        bins=(0.1, 0.3, 0.5, 0.9),
        favourable_edge=0.3,
        nullable=True,
        missing_means="no credit bureau file (thin file)",
    ),
    Feature(
        name="bureau_delinquencies_24m",
        description="Accounts 30 or more days past due in the last 24 months (bureau file).",
        kind="int",
        unit="accounts",
        lower=0,
        upper=30,
        category=DataCategory.BUREAU,
        actionable=False,
        direction=Direction.RAISES_RISK,
        bins=(1.0, 2.0, 4.0),
        favourable_edge=1.0,
        nullable=True,
        missing_means="no credit bureau file (thin file)",
    ),
    Feature(
        name="bureau_inquiries_6m",
        description="Hard credit inquiries in the last 6 months (bureau file).",
        kind="int",
        unit="inquiries",
        lower=0,
        upper=30,
        category=DataCategory.BUREAU,
        actionable=True,
        direction=Direction.RAISES_RISK,
        bins=(1.0, 3.0, 6.0),
        favourable_edge=3.0,
        nullable=True,
        missing_means="no credit bureau file (thin file)",
    ),
)

#: Every feature by name, in contract order.
FEATURES: dict[str, Feature] = {f.name: f for f in CONTRACT}
#: The names of every model input, in contract order.
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)


def feature(name: str) -> Feature:
    """Return the feature called ``name`` (exactly), or raise ``KeyError``.

    >>> feature("savings_balance").category
    <DataCategory.BANK_CASHFLOW: 'bank_cashflow'>
    """
    return FEATURES[name]

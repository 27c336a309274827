"""From monthly account aggregates to the contract's cash-flow facts (vectorised).

The extractor first reduces each person's transactions to a ``MonthlyPanel``: one row per
person, one column per calendar month of the 24-month window (oldest first, the last
column is the month the statements run to). ``cashflow_facts`` then derives every
non-bureau feature from the panel. The synthetic generator builds the same panel directly
from its latent model and calls the same function, so both levels share one definition of
every fact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from consent import DataCategory

from ..contract import CONTRACT, FEATURES

#: Months in the statement window, and in the "last 12 months" of the recent features.
WINDOW_MONTHS = 24
RECENT_MONTHS = 12
#: A bill booked more than this many days after the person's usual payment day is late.
LATE_AFTER_DAYS = 4
#: The usual payment day is this quantile of the days a person's bills were booked on.
USUAL_DAY_QUANTILE = 0.25

#: The features derived from bank statements, and those that come from a bureau file.
CASHFLOW_FEATURES: tuple[str, ...] = tuple(
    f.name for f in CONTRACT if f.category is not DataCategory.BUREAU
)
BUREAU_FEATURES: tuple[str, ...] = tuple(
    f.name for f in CONTRACT if f.category is DataCategory.BUREAU
)

Int = npt.NDArray[np.int64]
Day = npt.NDArray[np.int8]
Mask = npt.NDArray[np.bool_]
Float = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MonthlyPanel:
    """Per person (rows) and month (24 columns) aggregates of one current account.

    Money is in integer cents. ``*_day`` holds the earliest day of the month on which a
    payment of that kind was booked, 0 when none was. ``active`` marks the months of
    shared history: a run ending with the last column.
    """

    active: Mask
    income: Int
    net: Int
    loan: Int
    rent_day: Day
    utility_day: Day
    telecom_day: Day
    opening: Int
    savings: Int

    def __post_init__(self) -> None:
        rows = self.opening.shape[0]
        for name in ("active", "income", "net", "loan", "rent_day", "utility_day", "telecom_day"):
            if getattr(self, name).shape != (rows, WINDOW_MONTHS):
                raise ValueError(f"panel.{name} must have shape ({rows}, {WINDOW_MONTHS})")
        if self.savings.shape != (rows,):
            raise ValueError(f"panel.savings must have shape ({rows},)")

    @property
    def size(self) -> int:
        """The number of people in the panel."""
        return int(self.opening.shape[0])


def _sorted_median(values: Int, mask: Mask) -> Float:
    """Median of each row over the masked entries (every row has at least one)."""
    big = np.iinfo(np.int64).max
    ordered = np.sort(np.where(mask, values, big), axis=1)
    count = mask.sum(axis=1)
    low = np.take_along_axis(ordered, ((count - 1) // 2)[:, None], axis=1)[:, 0]
    high = np.take_along_axis(ordered, (count // 2)[:, None], axis=1)[:, 0]
    return (low.astype(np.float64) + high.astype(np.float64)) / 2.0


def _late_months(days: Day, active: Mask) -> tuple[Float, Float]:
    """Count recent late-or-missed and on-time months of one bill; NaN if never paid."""
    paid = (days > 0) & active
    count = paid.sum(axis=1)
    ordered = np.sort(np.where(paid, days, np.int8(99)), axis=1)
    index = np.floor(USUAL_DAY_QUANTILE * np.maximum(count - 1, 0)).astype(np.int64)
    usual = np.take_along_axis(ordered, index[:, None], axis=1)
    recent = slice(WINDOW_MONTHS - RECENT_MONTHS, None)
    on_time = paid[:, recent] & (days[:, recent] <= usual + LATE_AFTER_DAYS)
    late = active[:, recent] & ~on_time
    never = count == 0
    late_count = np.where(never, np.nan, late.sum(axis=1).astype(np.float64))
    on_time_count = np.where(never, np.nan, on_time.sum(axis=1).astype(np.float64))
    return late_count, on_time_count


def cashflow_arrays(panel: MonthlyPanel) -> dict[str, Float]:
    """Derive every cash-flow feature from ``panel``, as float arrays (NaN = missing).

    Values are clipped to the contract's ranges; the definitions are in
    ``docs/feature-contract.md``.
    """
    active = panel.active
    last = slice(WINDOW_MONTHS - RECENT_MONTHS, None)
    recent = active[:, last]

    _, rent_on_time = _late_months(panel.rent_day, active)
    utility_late, _ = _late_months(panel.utility_day, active)
    telecom_late, _ = _late_months(panel.telecom_day, active)

    income_by_month = panel.income[:, last]
    usual_income = _sorted_median(income_by_month, recent)
    regular = recent & (income_by_month > 0) & (2.0 * income_by_month >= usual_income[:, None])

    balance = panel.opening[:, None] + np.cumsum(panel.net * active, axis=1)[:, last]
    months = recent.sum(axis=1)
    avg_balance = (balance * recent).sum(axis=1) / months / 100.0

    loans = (panel.loan[:, last] * recent).sum(axis=1).astype(np.float64)
    income = (income_by_month * recent).sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(income > 0, loans / income, np.where(loans > 0, np.inf, 0.0))

    facts = {
        "rent_on_time_12m": rent_on_time,
        "utility_late_months_12m": utility_late,
        "telecom_late_months_12m": telecom_late,
        "income_regular_months_12m": regular.sum(axis=1).astype(np.float64),
        "median_net_inflow": _sorted_median(panel.net[:, last], recent) / 100.0,
        "avg_eom_balance": avg_balance,
        "negative_balance_months_12m": (recent & (balance < 0)).sum(axis=1).astype(np.float64),
        "savings_balance": panel.savings / 100.0,
        "debt_service_ratio": ratio,
        "history_months": active.sum(axis=1).astype(np.float64),
    }
    for name, values in facts.items():
        spec = FEATURES[name]
        facts[name] = np.clip(values, spec.lower, spec.upper)
    return facts


def facts_frame(arrays: dict[str, Float]) -> pl.DataFrame:
    """Build a frame of contract features from float arrays (NaN = missing).

    Count features become ``Int32`` and the others ``Float64``, in contract order; the
    arrays given must be exactly some of the contract's features.
    """
    columns = []
    for spec in CONTRACT:
        if spec.name not in arrays:
            continue
        series = pl.Series(spec.name, arrays[spec.name], dtype=pl.Float64, nan_to_null=True)
        columns.append(series.cast(pl.Int32) if spec.kind == "int" else series)
    unknown = set(arrays) - set(FEATURES)
    if unknown:
        raise ValueError(f"not contract features: {sorted(unknown)} (this is a bug)")
    return pl.DataFrame(columns)

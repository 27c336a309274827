"""Render a ledger as bank statements: one row per booked transaction.

Every month's totals are split into transactions whose amounts add up to the cent, on
days that keep each bill's payment day, so the extractor recovers the ledger's monthly
aggregates exactly. Payroll comes in one payment a month for salaried and irregular
workers and three for gig workers; everyday spending is split into one to a few dozen
card payments. No merchant, description or category is ever generated.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import polars as pl

from scoring.ingest import (
    ACCOUNT_SCHEMA,
    DIRECTIONS,
    KINDS,
    TRANSACTION_SCHEMA,
    CounterpartyKind,
    window_start,
)

from .latent import MONTHS, Ledger, People

Int = npt.NDArray[np.int64]

_KIND_CODE = {kind: code for code, kind in enumerate(CounterpartyKind)}
_CREDIT, _DEBIT = 0, 1
#: Payroll payments a month for salaried, gig and irregular workers.
PAYMENTS_PER_MONTH = np.array([1, 3, 1])
#: Everyday spending payments a month: 1 + Poisson(SPENDING_PAYMENTS).
SPENDING_PAYMENTS = 6.0


def _split(rng: np.random.Generator, amounts: Int, counts: Int) -> tuple[Int, Int]:
    """Split each amount into ``counts`` positive parts that add up exactly.

    Returns the parent index of each part and the parts.
    """
    counts = np.minimum(counts, amounts)
    parent = np.repeat(np.arange(amounts.size), counts)
    weight = rng.standard_exponential(parent.size, dtype=np.float32) + np.float32(1e-6)
    share = weight / np.bincount(parent, weight, minlength=amounts.size)[parent]
    parts = np.floor(share * (amounts - counts)[parent]).astype(np.int64) + 1
    rest = amounts - np.bincount(parent, parts, minlength=amounts.size).astype(np.int64)
    parts[np.cumsum(counts) - 1] += rest
    return parent, parts


class _Rows:
    def __init__(self) -> None:
        self.blocks: list[tuple[Int, Int, Int, Int, int, int]] = []

    def add(self, who: Int, month: Int, day: Int, amount: Int, kind: str, way: int) -> None:
        code = _KIND_CODE[CounterpartyKind(kind)]
        self.blocks.append((who, month, day.astype(np.int64), amount, code, way))


def render_statements(
    rng: np.random.Generator,
    people: People,
    ledger: Ledger,
    *,
    first_id: int,
    as_of: dt.date,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the transactions and accounts frames of ``ledger`` (ids from ``first_id``)."""
    rows = _Rows()
    n = ledger.opening.shape[0]

    def monthly(amounts: Int, kind: str, way: int, day: Int | None = None) -> None:
        who, month = np.nonzero(amounts > 0)
        days = rng.integers(1, 29, who.size) if day is None else day[who, month]
        rows.add(who, month, days, amounts[who, month], kind, way)

    def fixed_day(per_person: npt.NDArray[np.int8]) -> Int:
        return np.broadcast_to(per_person[:, None], (n, MONTHS)).astype(np.int64)

    who, month = np.nonzero(ledger.payroll > 0)
    parent, parts = _split(
        rng, ledger.payroll[who, month], PAYMENTS_PER_MONTH[people.employment[who]]
    )
    single = PAYMENTS_PER_MONTH[people.employment[who]] == 1
    days = np.where(single[parent], ledger.payday[who][parent], rng.integers(1, 29, parent.size))
    rows.add(who[parent], month[parent], days, parts, "payroll", _CREDIT)
    monthly(ledger.benefits, "benefits", _CREDIT, fixed_day(ledger.benefit_day))
    monthly(ledger.rent, "rent", _DEBIT, ledger.rent_day.astype(np.int64))
    monthly(ledger.utility, "utility", _DEBIT, ledger.utility_day.astype(np.int64))
    monthly(ledger.telecom, "telecom", _DEBIT, ledger.telecom_day.astype(np.int64))
    monthly(ledger.loan, "loan_repayment", _DEBIT, fixed_day(ledger.loan_day))
    monthly(ledger.transfer_in, "transfer", _CREDIT)
    monthly(ledger.transfer_out, "transfer", _DEBIT)
    who, month = np.nonzero(ledger.spending > 0)
    counts = 1 + rng.poisson(SPENDING_PAYMENTS, who.size)
    parent, parts = _split(rng, ledger.spending[who, month], counts)
    rows.add(
        who[parent],
        month[parent],
        rng.integers(1, 29, parent.size),
        parts,
        "other_spending",
        _DEBIT,
    )
    return _frame(rows, first_id=first_id, as_of=as_of), _accounts(ledger, first_id)


def _frame(rows: _Rows, *, first_id: int, as_of: dt.date) -> pl.DataFrame:
    start = window_start(as_of)
    month_starts = np.array(
        [
            (
                dt.date(start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1, 1)
                - dt.date(1970, 1, 1)
            ).days
            for m in range(MONTHS)
        ],
        dtype=np.int32,
    )
    who = np.concatenate([b[0] for b in rows.blocks])
    month = np.concatenate([b[1] for b in rows.blocks])
    day = np.concatenate([b[2] for b in rows.blocks])
    frame = pl.DataFrame(
        {
            "subject_id": who + first_id,
            "booking_date": pl.Series(month_starts[month] + (day - 1).astype(np.int32)).cast(
                pl.Date
            ),
            "amount_cents": np.concatenate([b[3] for b in rows.blocks]),
            "direction": pl.Series(
                np.concatenate([np.full(b[0].size, b[5], dtype=np.uint32) for b in rows.blocks])
            ).cast(DIRECTIONS),
            "counterparty_kind": pl.Series(
                np.concatenate([np.full(b[0].size, b[4], dtype=np.uint32) for b in rows.blocks])
            ).cast(KINDS),
        },
        schema=TRANSACTION_SCHEMA,
    )
    return frame.sort("subject_id", "booking_date", maintain_order=True)


def _accounts(ledger: Ledger, first_id: int) -> pl.DataFrame:
    n = ledger.opening.shape[0]
    return pl.DataFrame(
        {
            "subject_id": np.arange(first_id, first_id + n, dtype=np.int64),
            "opening_balance_cents": ledger.opening,
            "savings_balance_cents": ledger.savings,
        },
        schema=ACCOUNT_SCHEMA,
    )

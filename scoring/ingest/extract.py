"""The feature extractor: bank statements in, the contract's cash-flow facts out.

This is the ingestion boundary. Only financial aggregates leave it: per month, income,
net flow, loan repayments and the day each bill was paid; then the facts of
``scoring.ingest.panel``. Merchant names, descriptions and spending categories are never
accepted (see ``scoring.ingest.statements``), so they cannot be stored.

Two entry points share one pipeline: ``extract_frame`` for a dataset of many people (a
long transaction frame, reduced with Polars group-bys), and ``extract_statement`` for one
person's JSON statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from ..contract import FactValue, check_columns
from ..errors import ContractViolation, FieldProblem, Offence
from .panel import WINDOW_MONTHS, MonthlyPanel, cashflow_arrays, facts_frame
from .statements import (
    ACCOUNT_SCHEMA,
    TRANSACTION_SCHEMA,
    CounterpartyKind,
    Statement,
    parse_statement,
    window_start,
)

_BILL_DAYS = {
    "rent_day": CounterpartyKind.RENT,
    "utility_day": CounterpartyKind.UTILITY,
    "telecom_day": CounterpartyKind.TELECOM,
}
_INCOME_KINDS = [CounterpartyKind.PAYROLL.value, CounterpartyKind.BENEFITS.value]


def _refuse(field: str, offence: Offence, reason: str) -> ContractViolation:
    return ContractViolation([FieldProblem(field, offence, reason)], source="dataset")


def _conform(frame: pl.DataFrame, schema: pl.Schema, what: str) -> pl.DataFrame:
    """Check the columns, then cast each to its type; values are never quoted back."""
    source = f"{what} dataset"
    check_columns(frame.columns, expected=schema.names(), source=source)
    problems: list[FieldProblem] = []
    columns: list[pl.Series] = []
    for name, dtype in schema.items():
        try:
            columns.append(frame[name].cast(dtype, strict=True))
        except pl.exceptions.InvalidOperationError:
            problems.append(FieldProblem(name, Offence.WRONG_TYPE, f"cannot be read as {dtype}"))
            continue
        if columns[-1].null_count():
            problems.append(FieldProblem(name, Offence.MISSING, "has missing values"))
    if problems:
        raise ContractViolation(problems, source=source)
    return pl.DataFrame(columns)


def _monthly_panel(
    transactions: pl.DataFrame, accounts: pl.DataFrame, *, as_of: dt.date
) -> tuple[pl.Series, MonthlyPanel]:
    """Reduce a long transaction frame to a ``MonthlyPanel`` (rows: ``accounts`` sorted).

    Returns the subject ids in row order and the panel. Refuses a dataset with columns
    other than the format's, a transaction outside the 24 months ending ``as_of``, a
    non-positive amount, a person without an account row or an account without
    transactions.
    """
    transactions = _conform(transactions, TRANSACTION_SCHEMA, "transaction")
    accounts = _conform(accounts, ACCOUNT_SCHEMA, "account").sort("subject_id")
    if accounts["subject_id"].is_duplicated().any():
        raise _refuse("subject_id", Offence.DUPLICATE, "one account row per subject")
    start = window_start(as_of)
    date = pl.col("booking_date")
    outside = transactions.filter((date < start) | (date > as_of)).height
    if outside:
        raise _refuse("booking_date", Offence.OUT_OF_RANGE, f"{outside} outside the window")
    if transactions.filter(pl.col("amount_cents") <= 0).height:
        raise _refuse("amount_cents", Offence.INVALID, "amounts are positive; see direction")

    base = start.year * 12 + start.month
    amount = pl.col("amount_cents")
    kind = pl.col("counterparty_kind")
    credit = pl.col("direction") == "credit"
    debit = ~credit
    zero = pl.lit(0, dtype=pl.Int64)
    monthly = (
        transactions.lazy()
        .select(
            "subject_id",
            month=(date.dt.year().cast(pl.Int32) * 12 + date.dt.month() - base).cast(pl.Int8),
            income=pl.when(credit & kind.is_in(_INCOME_KINDS)).then(amount).otherwise(zero),
            net=pl.when(credit).then(amount).otherwise(-amount),
            loan=pl.when(debit & (kind == "loan_repayment")).then(amount).otherwise(zero),
            **{
                name: pl.when(debit & (kind == k.value)).then(date.dt.day())
                for name, k in _BILL_DAYS.items()
            },
        )
        .group_by("subject_id", "month")
        .agg(
            pl.col("income", "net", "loan").sum(),
            pl.col(*_BILL_DAYS).min(),
        )
        .join(
            accounts.lazy().select("subject_id").with_row_index("row"),
            on="subject_id",
            how="left",
        )
        .collect()
    )
    if monthly["row"].null_count():
        raise _refuse("subject_id", Offence.MISSING, "a transaction's subject has no account")
    n = accounts.height
    row = monthly["row"].to_numpy().astype(np.int64)
    month = monthly["month"].to_numpy().astype(np.int64)
    first = np.full(n, WINDOW_MONTHS, dtype=np.int64)
    np.minimum.at(first, row, month)
    if (first == WINDOW_MONTHS).any():
        raise _refuse("subject_id", Offence.MISSING, "an account has no transactions")

    def dense(column: str, dtype: type[np.generic]) -> Any:
        out = np.zeros((n, WINDOW_MONTHS), dtype=dtype)
        out[row, month] = monthly[column].fill_null(0).to_numpy()
        return out

    panel = MonthlyPanel(
        active=np.arange(WINDOW_MONTHS)[None, :] >= first[:, None],
        income=dense("income", np.int64),
        net=dense("net", np.int64),
        loan=dense("loan", np.int64),
        rent_day=dense("rent_day", np.int8),
        utility_day=dense("utility_day", np.int8),
        telecom_day=dense("telecom_day", np.int8),
        opening=accounts["opening_balance_cents"].to_numpy().astype(np.int64),
        savings=accounts["savings_balance_cents"].to_numpy().astype(np.int64),
    )
    return accounts["subject_id"], panel


def extract_frame(
    transactions: pl.DataFrame, accounts: pl.DataFrame, *, as_of: dt.date
) -> pl.DataFrame:
    """Return ``subject_id`` and every cash-flow fact, one row per account (sorted by id).

    ``transactions`` has exactly the columns of ``scoring.ingest.statements.TRANSACTION_SCHEMA``
    and ``accounts`` those of ``ACCOUNT_SCHEMA``; any other column, such as a merchant
    name, refuses the dataset with a ``ContractViolation``.
    """
    ids, panel = _monthly_panel(transactions, accounts, as_of=as_of)
    return facts_frame(cashflow_arrays(panel)).insert_column(0, ids)


def extract_statement(payload: Mapping[str, Any]) -> dict[str, FactValue]:
    """Validate one person's JSON statement and return their cash-flow facts.

    See ``scoring.ingest.statements`` for the format; a prohibited or unknown key anywhere in the
    payload refuses it.
    """
    return extract_parsed(parse_statement(payload))


def extract_parsed(statement: Statement) -> dict[str, FactValue]:
    """Return the cash-flow facts of a statement ``parse_statement`` already validated.

    The bank-data door validates the statement it builds once, and extracts from that,
    rather than parsing the same 10,000 transactions a second time.
    """
    accounts = pl.DataFrame(
        [(0, statement.opening_cents, statement.savings_cents)],
        schema=ACCOUNT_SCHEMA,
        orient="row",
    )
    facts = extract_frame(statement.transactions, accounts, as_of=statement.as_of)
    row = facts.drop("subject_id").row(0, named=True)
    return dict(row)

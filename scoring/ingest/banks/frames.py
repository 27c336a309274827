"""FDX for many people at once: a long frame in, the closed dataset frames out.

The per-person door (``fdx.read_fdx`` then ``minimise.minimise``) types every transaction
with pydantic, which is right for one connection and far too slow for a dataset of
100,000 people. ``minimise_fdx_frames`` applies the same rules to the same code tables
(``codes``) with Polars expressions over the whole dataset, and returns the closed frames
of ``scoring.ingest.statements`` (``TRANSACTION_SCHEMA``, ``ACCOUNT_SCHEMA``), which
``scoring.ingest.extract_frame`` reads. Every detail column (merchant names, addresses,
memos, card details...) is dropped: the output is built from the kept columns only.

The rules, as the per-person door has them: a pending or authorized entry, a memo and a
zero amount are not counted; a transaction id seen twice for one person counts once (the
first); only the 24 months ending with the balance's month are kept; the opening balance
is the booked balance less the window's net flow; a kind whose category is not shared is
folded to plain money in or plain spending. One difference: a dataset is read as of one
day, so every checking balance must be dated that day (the per-person door also takes an
undated balance and reads to the last transaction).

Refusals name the column and how many subjects or rows break the rule, never a value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Final

import polars as pl

from consent import DataCategory

from ...errors import ContractViolation, FieldProblem, Offence
from ..statements import (
    ACCOUNT_SCHEMA,
    CURRENCY,
    DIRECTIONS,
    KINDS,
    MAX_TRANSACTIONS,
    TRANSACTION_SCHEMA,
    CounterpartyKind,
    window_start,
)
from . import codes
from .fdx import SAVINGS_TYPES
from .minimise import CATEGORY_OF, MAX_CENTS

#: The FDX transaction columns read (one row per ``DepositTransaction``, flattened);
#: ``merchant_category_code`` is ``merchant.merchantCategoryCode``. The first six are
#: required; the rest may be absent (read as empty). Any other column is dropped unread.
TRANSACTION_COLUMNS: Final = (
    "subject_id",
    "accountId",
    "transactionId",
    "postedTimestamp",
    "amount",
    "debitCreditMemo",
    "status",
    "transactionType",
    "category",
    "merchant_category_code",
    "payee",
    "description",
)
#: The FDX account columns read (one row per ``DepositAccount``); ``currencyCode`` is
#: ``currency.currencyCode``. The first two are required.
ACCOUNT_COLUMNS: Final = (
    "subject_id",
    "accountId",
    "accountType",
    "currencyCode",
    "currentBalance",
    "balanceAsOf",
)
_REQUIRED_TRANSACTION: Final = 6
_REQUIRED_ACCOUNT: Final = 2
#: The most transactions one person's FDX payload may hold (as ``fdx.FdxData``).
MAX_PAYLOAD_TRANSACTIONS: Final = 20_000

#: The characters Python's ``str.split()`` splits on, so that the benefit-payer rule below
#: splits words exactly as ``codes.benefit_payer`` does (tests compare it with
#: ``str.isspace`` over every code point).
PYTHON_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACE: Final = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PYTHON_WHITESPACE) + "]"


def _payer_pattern() -> str:
    words = [
        f"{_SPACE}+".join(re.escape(word) for word in payer.split())
        for payer in codes.BENEFIT_PAYERS
    ]
    return f"(?:^|{_SPACE})(?:{'|'.join(words)})(?:$|{_SPACE})"


#: A payer's words in a row, whole words only, in upper-cased text: ``_SPACE+`` plays the
#: part of the single space ``codes.benefit_payer`` joins the words with.
PAYER_PATTERN: Final = _payer_pattern()


def names_benefit_payer(column: str) -> pl.Expr:
    """Whether a text column names a payer of public benefits, as ``codes.benefit_payer``."""
    return pl.col(column).str.to_uppercase().str.contains(PAYER_PATTERN).fill_null(False)


def _refuse(column: str, offence: Offence, reason: str) -> ContractViolation:
    return ContractViolation([FieldProblem(column, offence, reason)], source="FDX dataset")


def _with_columns(frame: pl.DataFrame, columns: Iterable[str], required: int) -> pl.DataFrame:
    """Select the columns read, the optional ones as empty text when absent."""
    wanted = list(columns)
    missing = [c for c in wanted[:required] if c not in frame.columns]
    if missing:
        raise ContractViolation(
            [FieldProblem(c, Offence.MISSING, "a required column is missing") for c in missing],
            source="FDX dataset",
        )
    return frame.select(
        pl.col(c) if c in frame.columns else pl.lit(None, dtype=pl.String).alias(c) for c in wanted
    )


def _day(column: str, dtype: pl.DataType) -> pl.Expr:
    """The day of a timestamp column as the bank wrote it (its first ten characters)."""
    if dtype == pl.String:
        return pl.col(column).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    if isinstance(dtype, pl.Datetime):
        return pl.col(column).dt.date()
    return pl.col(column).cast(pl.Date)


def _cents(column: str) -> pl.Expr:
    """An FDX amount (a JSON number, or a decimal) in integer cents."""
    return (pl.col(column).cast(pl.Float64) * 100).round(0).cast(pl.Int64)


def _kind(categories: frozenset[DataCategory]) -> pl.Expr:
    """The counterparty kind of each counted transaction, folded to the shared categories."""
    credit = pl.col("debitCreditMemo") == "CREDIT"
    kind_type = pl.col("transactionType").fill_null("").str.to_uppercase()
    code = pl.col("merchant_category_code")
    mcc = (
        pl.when(code.is_null() | (code == ""))
        .then(pl.col("category"))
        .otherwise(code)
        .fill_null("")
        .str.strip_chars()
    )
    sic = pl.col("category").fill_null("").str.strip_chars()
    benefit = names_benefit_payer("payee") | names_benefit_payer("description")
    credit_rules = [(benefit, CounterpartyKind.BENEFITS)]
    credit_rules += [(kind_type == name, kind) for name, kind in codes.FDX_CREDITS.items()]
    debit_rules = [(kind_type == name, kind) for name, kind in codes.FDX_DEBITS.items()]
    debit_rules += [(mcc == code_value, kind) for code_value, kind in codes.MCC_BILLS.items()]
    debit_rules.append((sic.is_in(sorted(codes.SIC_LOANS)), CounterpartyKind.LOAN_REPAYMENT))
    raw = (
        pl.when(credit)
        .then(_first(credit_rules, CounterpartyKind.TRANSFER))
        .otherwise(_first(debit_rules, CounterpartyKind.OTHER_SPENDING))
    )
    folded = [k.value for k in CounterpartyKind if CATEGORY_OF[k] not in categories]
    return (
        pl.when(raw.is_in(folded))
        .then(
            pl.when(credit)
            .then(pl.lit(CounterpartyKind.TRANSFER.value))
            .otherwise(pl.lit(CounterpartyKind.OTHER_SPENDING.value))
        )
        .otherwise(raw)
    )


def _first(rules: list[tuple[pl.Expr, CounterpartyKind]], default: CounterpartyKind) -> pl.Expr:
    """The kind of the first rule that holds, as the adapter's ``if`` chain returns it."""
    out = pl.lit(default.value)
    for holds, kind in reversed(rules):
        out = pl.when(holds).then(pl.lit(kind.value)).otherwise(out)
    return out


def _accounts(accounts: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """One row per subject: its checking account's id and balance, and its savings."""
    accounts = _with_columns(accounts, ACCOUNT_COLUMNS, _REQUIRED_ACCOUNT)
    if accounts.select(pl.struct("subject_id", "accountId").is_duplicated().any()).item():
        raise _refuse("accountId", Offence.DUPLICATE, "an account is given twice")
    currency = pl.col("currencyCode").str.to_uppercase()
    if accounts.filter(currency.is_not_null() & (currency != CURRENCY)).height:
        raise _refuse(
            "currencyCode",
            Offence.INVALID,
            f"only {CURRENCY} accounts are accepted: the contract's money facts are in "
            "US dollars, and no exchange rate is applied",
        )
    savings = pl.col("accountType").fill_null("").str.to_uppercase().is_in(sorted(SAVINGS_TYPES))
    balance = _cents("currentBalance")
    checking = accounts.filter(~savings)
    per_subject = accounts.group_by("subject_id").agg(
        (~savings).sum().alias("checking"),
        balance.filter(savings).fill_null(0).sum().alias("savings_balance_cents"),
    )
    several = per_subject.filter(pl.col("checking") != 1).height
    if several:
        raise _refuse(
            "accountType",
            Offence.INVALID,
            f"{several} subjects without exactly one transaction (checking) account",
        )
    if per_subject.filter(pl.col("savings_balance_cents") < 0).height:
        raise _refuse("currentBalance", Offence.INVALID, "a savings balance below zero")
    if checking["currentBalance"].null_count():
        raise _refuse("currentBalance", Offence.MISSING, "the checking account's balance")
    dated = checking.select(_day("balanceAsOf", checking.schema["balanceAsOf"]))
    others = dated.filter(pl.col("balanceAsOf").is_null() | (pl.col("balanceAsOf") != as_of))
    if others.height:
        raise _refuse(
            "balanceAsOf",
            Offence.INVALID,
            f"{others.height} checking balances not dated the dataset's day",
        )
    return checking.select(
        "subject_id",
        pl.col("accountId").alias("checking_id"),
        balance.alias("balance_cents"),
    ).join(per_subject.select("subject_id", "savings_balance_cents"), on="subject_id")


def minimise_fdx_frames(
    transactions: pl.DataFrame,
    accounts: pl.DataFrame,
    *,
    categories: frozenset[DataCategory],
    as_of: dt.date,
    today: dt.date | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Minimise many people's FDX data at once: the closed transaction and account frames.

    Args:
        transactions: one row per FDX ``DepositTransaction`` with ``TRANSACTION_COLUMNS``
            (more columns are dropped unread).
        accounts: one row per FDX ``DepositAccount`` with ``ACCOUNT_COLUMNS``.
        categories: the categories shared; a kind of another category is folded.
        as_of: the day the dataset is read as of; every checking balance is dated it.
        today: the day the read happens (defaults to today, UTC); ``as_of`` may not be
            after it.

    Returns:
        The frames of ``TRANSACTION_SCHEMA`` (sorted by subject, then as the per-person
        statement is) and ``ACCOUNT_SCHEMA`` (sorted by subject).

    Raises:
        ContractViolation: a rule the per-person door refuses on, for any subject: no
            checking account or more than one, a non-USD account, a negative savings
            balance, a transaction of an account not given, a signed amount or one in
            fractions of a cent, a posted transaction without its time or dated after
            the balance, too many transactions, or a subject with nothing booked.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    if as_of > today:
        raise _refuse("balanceAsOf", Offence.OUT_OF_RANGE, "the balance is dated in the future")
    held = _accounts(accounts, as_of)
    frame = _with_columns(transactions, TRANSACTION_COLUMNS, _REQUIRED_TRANSACTION)
    per_subject = frame.group_by("subject_id").len()
    if per_subject.filter(pl.col("len") > MAX_PAYLOAD_TRANSACTIONS).height:
        raise _refuse(
            "transactionId", Offence.OUT_OF_RANGE, f"at most {MAX_PAYLOAD_TRANSACTIONS} a subject"
        )
    given = accounts.select("subject_id", "accountId")
    strangers = frame.join(given, on=["subject_id", "accountId"], how="anti").height
    if strangers:
        raise _refuse(
            "accountId", Offence.INVALID, f"{strangers} transactions of an account not given"
        )
    frame = frame.join(held, on="subject_id", how="left")
    counted = (
        (pl.col("accountId") == pl.col("checking_id"))
        & (pl.col("status").fill_null("POSTED") == "POSTED")
        & (pl.col("debitCreditMemo") != "MEMO")
    )
    booked = frame.filter(counted)
    problems = booked.select(
        undated=pl.col("postedTimestamp").null_count(),
        signed=(pl.col("amount") < 0).sum(),
        fraction=((pl.col("amount").cast(pl.Float64) * 100 - _cents("amount")).abs() > 1e-6).sum(),
        direction=(~pl.col("debitCreditMemo").is_in(["DEBIT", "CREDIT"])).sum(),
    ).row(0, named=True)
    if problems["undated"]:
        raise _refuse("postedTimestamp", Offence.MISSING, "a posted transaction's time")
    if problems["signed"]:
        raise _refuse(
            "amount",
            Offence.INVALID,
            "FDX amounts are unsigned: debitCreditMemo gives the direction",
        )
    if problems["fraction"]:
        raise _refuse("amount", Offence.INVALID, "an amount in fractions of a cent")
    if problems["direction"]:
        raise _refuse("debitCreditMemo", Offence.INVALID, "DEBIT, CREDIT or MEMO")
    start = window_start(as_of)
    day = _day("postedTimestamp", frame.schema["postedTimestamp"])
    kept = (
        booked.lazy()
        .with_columns(
            booking_date=day,
            amount_cents=_cents("amount"),
        )
        .filter(pl.col("amount_cents") != 0)
        .unique(["subject_id", "transactionId"], keep="first", maintain_order=True)
        .collect()
    )
    if kept["booking_date"].null_count():
        raise _refuse("postedTimestamp", Offence.INVALID, "expected an ISO 8601 timestamp")
    if kept.filter(pl.col("booking_date") > as_of).height:
        raise _refuse(
            "postedTimestamp",
            Offence.OUT_OF_RANGE,
            "a booked transaction is dated after the balance it should be part of",
        )
    if kept.filter(pl.col("amount_cents") > MAX_CENTS).height:
        raise _refuse("amount", Offence.OUT_OF_RANGE, "an amount is too large")
    closed = (
        kept.lazy()
        .filter(pl.col("booking_date") >= start)
        .select(
            "subject_id",
            "booking_date",
            "amount_cents",
            direction=pl.col("debitCreditMemo").str.to_lowercase().cast(DIRECTIONS),
            counterparty_kind=_kind(categories),
        )
        .sort("subject_id", "booking_date", "direction", "counterparty_kind", "amount_cents")
        .with_columns(pl.col("counterparty_kind").cast(KINDS))
        .collect()
    )
    sizes = closed.group_by("subject_id").len()
    if sizes.filter(pl.col("len") > MAX_TRANSACTIONS).height:
        raise _refuse("transactionId", Offence.OUT_OF_RANGE, f"at most {MAX_TRANSACTIONS}")
    if sizes.height != held.height:
        raise _refuse(
            "postedTimestamp",
            Offence.MISSING,
            f"{held.height - sizes.height} subjects with no booked transaction in the 24 "
            "months the score reads",
        )
    net = closed.group_by("subject_id").agg(
        pl.when(pl.col("direction") == "credit")
        .then(pl.col("amount_cents"))
        .otherwise(-pl.col("amount_cents"))
        .sum()
        .alias("net")
    )
    opening = (
        held.join(net, on="subject_id")
        .select(
            "subject_id",
            opening_balance_cents=pl.col("balance_cents") - pl.col("net"),
            savings_balance_cents="savings_balance_cents",
        )
        .sort("subject_id")
    )
    return _conformed(closed, TRANSACTION_SCHEMA), _conformed(opening, ACCOUNT_SCHEMA)


def _conformed(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """Exactly the closed format's columns and types: nothing else can leave."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())

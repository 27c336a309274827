"""The statement format the extractor accepts, and its strict validation.

One person's statement is JSON close to an open-banking account-and-transactions shape::

    {
      "asOf": "2025-12-31",
      "account": {"currency": "USD", "openingBalance": "250.00", "savingsBalance": "1200.00"},
      "transactions": [
        {"bookingDate": "2025-12-01", "amount": "950.00", "creditDebitIndicator": "Debit",
         "counterpartyKind": "rent", "transactionId": "t-0001"}
      ]
    }

Every key outside the format is refused, never stripped: a merchant name, a description
or a category in the payload refuses the whole statement with a ``ContractViolation``
naming each such key, so that no merchant detail is ever read past this boundary. The
long-frame form used for datasets (one row per transaction) has the same rule.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import polars as pl

from ..contract import prohibition_for
from ..errors import ContractViolation, FieldProblem, Offence
from .panel import WINDOW_MONTHS


class CounterpartyKind(StrEnum):
    """The closed set of counterparty kinds a transaction may carry."""

    PAYROLL = "payroll"
    BENEFITS = "benefits"
    RENT = "rent"
    UTILITY = "utility"
    TELECOM = "telecom"
    LOAN_REPAYMENT = "loan_repayment"
    TRANSFER = "transfer"
    OTHER_SPENDING = "other_spending"


#: The statement currency: the contract's money features are in US dollars.
CURRENCY = "USD"
#: At most this many transactions in one person's statement.
MAX_TRANSACTIONS = 10_000

KINDS = pl.Enum([k.value for k in CounterpartyKind])
DIRECTIONS = pl.Enum(["credit", "debit"])
#: The long transaction frame of a dataset: one row per booked transaction.
TRANSACTION_SCHEMA = pl.Schema(
    {
        "subject_id": pl.Int64(),
        "booking_date": pl.Date(),
        "amount_cents": pl.Int64(),
        "direction": DIRECTIONS,
        "counterparty_kind": KINDS,
    }
)
#: The account frame of a dataset: one row per person.
ACCOUNT_SCHEMA = pl.Schema(
    {
        "subject_id": pl.Int64(),
        "opening_balance_cents": pl.Int64(),
        "savings_balance_cents": pl.Int64(),
    }
)

_TOP = {"asOf": True, "account": True, "transactions": True}
_ACCOUNT = {"currency": True, "openingBalance": True, "savingsBalance": False}
_TRANSACTION = {
    "bookingDate": True,
    "amount": True,
    "creditDebitIndicator": True,
    "counterpartyKind": True,
    "transactionId": False,
    "currency": False,
}
_REQUIRED_KEYS = frozenset(k for k, required in _TRANSACTION.items() if required)
_TRANSACTION_KEYS = frozenset(_TRANSACTION)
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?")
_SIGNED = re.compile(r"-?(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INDICATORS = {"Credit": "credit", "Debit": "debit"}
_KINDS = {k.value for k in CounterpartyKind}
_LISTED = 20


def window_start(as_of: dt.date) -> dt.date:
    """Return the first day of the 24-month window ending with the month of ``as_of``.

    >>> window_start(dt.date(2025, 12, 31))
    datetime.date(2024, 1, 1)
    """
    index = as_of.year * 12 + as_of.month - 1 - (WINDOW_MONTHS - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Statement:
    """One person's validated statement, amounts in integer cents."""

    as_of: dt.date
    opening_cents: int
    savings_cents: int
    transactions: pl.DataFrame


def _cents(text: str) -> int:
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    cents = int(whole) * 100 + int(fraction.ljust(2, "0") or 0)
    return -cents if negative else cents


class _Problems:
    def __init__(self) -> None:
        self.items: list[FieldProblem] = []
        self.keys_seen: set[str] = set()
        self.values = 0

    def keys(self, where: str, given: Mapping[str, Any], shape: Mapping[str, bool]) -> bool:
        ok = True
        for key in given:
            if key in shape:
                continue
            ok = False
            label = f"{where}.{key}" if where else key
            generic = re.sub(r"\[[0-9]+\]", "[]", label)
            if generic in self.keys_seen:
                continue
            self.keys_seen.add(generic)
            entry = prohibition_for(key)
            if entry is not None:
                self.items.append(
                    FieldProblem(label, Offence.PROHIBITED, entry.reason, entry.category.value)
                )
            else:
                self.items.append(
                    FieldProblem(label, Offence.UNKNOWN, "not a key of the statement format")
                )
        for key, required in shape.items():
            if required and key not in given:
                ok = False
                label = f"{where}.{key}" if where else key
                self.value(label, Offence.MISSING, "a required key is missing")
        return ok

    def value(self, field: str, offence: Offence, reason: str) -> None:
        self.values += 1
        if self.values <= _LISTED:
            self.items.append(FieldProblem(field, offence, reason))


def _date(text: Any) -> dt.date | None:
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_statement(payload: Mapping[str, Any]) -> Statement:
    """Validate one person's statement strictly and return it in integer cents.

    Raises ``ContractViolation`` listing every offending key or value (each unknown or
    prohibited key once, and at most twenty bad values); values are never echoed.
    """
    problems = _Problems()
    if not isinstance(payload, Mapping):
        raise ContractViolation([FieldProblem("", Offence.WRONG_TYPE, "expected an object")])
    problems.keys("", payload, _TOP)
    as_of = _date(payload.get("asOf"))
    if "asOf" in payload and as_of is None:
        problems.value("asOf", Offence.INVALID, "expected a date as YYYY-MM-DD")
    account = payload.get("account")
    opening = savings = 0
    if isinstance(account, Mapping):
        problems.keys("account", account, _ACCOUNT)
        if "currency" in account and account["currency"] != CURRENCY:
            problems.value("account.currency", Offence.INVALID, f"only {CURRENCY} is accepted")
        text = account.get("openingBalance")
        if isinstance(text, str) and _SIGNED.fullmatch(text):
            opening = _cents(text)
        elif text is not None:
            problems.value("account.openingBalance", Offence.INVALID, "expected a decimal string")
        text = account.get("savingsBalance", "0")
        if isinstance(text, str) and _AMOUNT.fullmatch(text):
            savings = _cents(text)
        else:
            problems.value("account.savingsBalance", Offence.INVALID, "expected a decimal >= 0")
    elif "account" in payload:
        problems.value("account", Offence.WRONG_TYPE, "expected an object")
    rows = _transactions(payload.get("transactions"), as_of, problems)
    if problems.items:
        raise ContractViolation(problems.items, source="statement")
    if as_of is None:
        raise RuntimeError("a statement without a valid asOf passed validation (a bug)")
    frame = pl.DataFrame(rows, schema=TRANSACTION_SCHEMA, orient="row")
    return Statement(as_of, opening, savings, frame)


def _transactions(
    items: Any, as_of: dt.date | None, problems: _Problems
) -> list[tuple[int, dt.date, int, str, str]]:
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        if items is not None:
            problems.value("transactions", Offence.WRONG_TYPE, "expected a list")
        return []
    if not 1 <= len(items) <= MAX_TRANSACTIONS:
        problems.value("transactions", Offence.INVALID, f"give 1 to {MAX_TRANSACTIONS}")
        return []
    start = window_start(as_of) if as_of else None
    rows: list[tuple[int, dt.date, int, str, str]] = []
    # A statement may hold 10,000 transactions and is parsed on every connection: a
    # transaction whose keys are exactly right skips the per-key walk, and each distinct
    # booking date (at most 731 in the window) is read once.
    days: dict[Any, dt.date | None] = {}
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.value(f"transactions[{i}]", Offence.WRONG_TYPE, "expected an object")
            continue
        keys = item.keys()
        exact = _REQUIRED_KEYS <= keys <= _TRANSACTION_KEYS
        if not exact and not problems.keys(f"transactions[{i}]", item, _TRANSACTION):
            continue
        text = item["bookingDate"]
        if isinstance(text, str):
            booked = days[text] if text in days else days.setdefault(text, _date(text))
        else:
            booked = None
        amount = item["amount"]
        indicator = _INDICATORS.get(item["creditDebitIndicator"])
        kind = item["counterpartyKind"]
        if booked is None:
            problems.value(f"transactions[{i}].bookingDate", Offence.INVALID, "expected YYYY-MM-DD")
        elif start is not None and as_of is not None and not start <= booked <= as_of:
            problems.value(
                f"transactions[{i}].bookingDate", Offence.OUT_OF_RANGE, "outside the window"
            )
        if not (isinstance(amount, str) and _AMOUNT.fullmatch(amount)):
            problems.value(
                f"transactions[{i}].amount", Offence.INVALID, "expected a decimal string > 0"
            )
            amount = None
        if indicator is None:
            problems.value(
                f"transactions[{i}].creditDebitIndicator", Offence.INVALID, "Credit or Debit"
            )
        if kind not in _KINDS:
            problems.value(
                f"transactions[{i}].counterpartyKind", Offence.INVALID, "not a known kind"
            )
        currency = item.get("currency", CURRENCY)
        if currency != CURRENCY:
            problems.value(f"transactions[{i}].currency", Offence.INVALID, f"only {CURRENCY}")
        transaction_id = item.get("transactionId", "")
        if not isinstance(transaction_id, str) or len(transaction_id) > 64:
            problems.value(f"transactions[{i}].transactionId", Offence.INVALID, "a string of <= 64")
        if booked is not None and amount is not None and indicator is not None:
            cents = _cents(amount)
            if cents > 0:
                rows.append((0, booked, cents, indicator, str(kind)))
            else:
                problems.value(
                    f"transactions[{i}].amount", Offence.INVALID, "expected an amount > 0"
                )
    return rows

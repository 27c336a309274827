"""From what an adapter read to the closed statement, and the report of what was dropped.

Every adapter (``fdx``, ``open_banking``, ``ofx``) reads its standard's payload into a
``Read``: the booked transactions of the one transaction account, each already reduced to
a day, an amount in cents, a direction and one counterparty kind (``codes``), the booked
balance and the savings balances, and how many values of each field it saw. ``minimise``
then counts each transaction once, keeps the 24-month window, folds away the kinds of the
categories the person did not share, and builds the closed statement of
``scoring.ingest.statements``, which ``parse_statement`` validates again. What leaves is
the statement, the report (counts only, never a value) and the transactions that counted
as rent, bills or income, for the person to check.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import BaseModel

from consent import DataCategory

from ...errors import ContractViolation, FieldProblem, Offence
from ..statements import (
    CURRENCY,
    MAX_TRANSACTIONS,
    CounterpartyKind,
    Statement,
    parse_statement,
    window_start,
)


class Shape(StrEnum):
    """The shapes of bank data the door accepts."""

    FDX = "fdx"
    OPEN_BANKING = "open_banking"
    OFX = "ofx"


#: The data category each counterparty kind belongs to.
CATEGORY_OF: Final[dict[CounterpartyKind, DataCategory]] = {
    CounterpartyKind.PAYROLL: DataCategory.INCOME,
    CounterpartyKind.BENEFITS: DataCategory.INCOME,
    CounterpartyKind.RENT: DataCategory.RENT,
    CounterpartyKind.UTILITY: DataCategory.UTILITIES,
    CounterpartyKind.TELECOM: DataCategory.TELECOM,
    CounterpartyKind.LOAN_REPAYMENT: DataCategory.BANK_CASHFLOW,
    CounterpartyKind.TRANSFER: DataCategory.BANK_CASHFLOW,
    CounterpartyKind.OTHER_SPENDING: DataCategory.BANK_CASHFLOW,
}
#: The categories bank data carries; a connection must share the ones whose facts may not
#: be missing (cash flow and income).
BANK_CATEGORIES: Final = frozenset(CATEGORY_OF.values())
REQUIRED_CATEGORIES: Final = frozenset({DataCategory.BANK_CASHFLOW, DataCategory.INCOME})
#: The kinds that the person is shown one by one (what counted as rent, bills or income).
SHOWN_KINDS: Final = frozenset(
    {
        CounterpartyKind.PAYROLL,
        CounterpartyKind.BENEFITS,
        CounterpartyKind.RENT,
        CounterpartyKind.UTILITY,
        CounterpartyKind.TELECOM,
    }
)
#: The largest amount, in cents, the closed statement can carry.
MAX_CENTS: Final = 999_999_999_99


@dataclass(frozen=True)
class Booked:
    """One booked transaction as an adapter read it: in memory only.

    ``key`` is the provider's transaction id, used to count a transaction once and then
    dropped.
    """

    key: str
    day: dt.date
    cents: int
    direction: Literal["credit", "debit"]
    kind: CounterpartyKind


@dataclass
class Read:
    """What an adapter read from one bank's payload, before minimisation."""

    shape: Shape
    as_of: dt.date
    balance_cents: int
    savings_cents: int
    booked: list[Booked]
    #: Transactions not counted, by why: ``pending``, ``memo``, ``zero_amount``.
    skipped: Counter[str] = field(default_factory=Counter)
    #: Every field path seen on a transaction, with how many values it carried.
    fields: Counter[str] = field(default_factory=Counter)
    #: The field paths whose values become the statement (a day, an amount, a direction).
    kept_fields: frozenset[str] = frozenset()
    #: How many timestamps carried a time of day (kept only as the day).
    times_of_day: int = 0


@dataclass(frozen=True)
class Counted:
    """A transaction that counted as rent, a bill or income, as the person is shown it."""

    day: dt.date
    amount: str
    kind: CounterpartyKind


@dataclass(frozen=True)
class Minimised:
    """The closed statement, what counted, and the minimisation report.

    ``parsed`` is the statement as ``parse_statement`` validated it, for the facts to be
    extracted from without parsing it again.
    """

    statement: dict[str, Any]
    counted: tuple[Counted, ...]
    report: dict[str, Any]
    parsed: Statement


def money(cents: int) -> str:
    """Return cents as the statement's decimal string.

    >>> money(95000), money(-5), money(7)
    ('950.00', '-0.05', '0.07')
    """
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def count_fields(
    value: Any, counter: Counter[str], prefix: str = "", *, skip: Iterable[str] = ()
) -> None:
    """Add one for every non-empty leaf value under ``value`` to its dotted path."""
    found: list[str] = []
    _plain(value, prefix, frozenset(skip), found)
    counter.update(found)


def count_model_fields(
    model: BaseModel, counter: Counter[str], prefix: str = "", *, skip: Iterable[str] = ()
) -> None:
    """Count a validated model's given values as ``count_fields`` counts its JSON dump.

    The same counts as ``count_fields(model.model_dump(mode="json", exclude_none=True,
    exclude_unset=True), ...)`` without building the dump: the door reads up to 20,000
    transactions a connection, and dumping each one cost more than reading it. The common
    leaves (text, numbers) are told apart by their exact type first, because an
    ``isinstance`` check against ``Mapping`` for every leaf was most of the time, and the
    paths are gathered in a list and counted at once.
    """
    found: list[str] = []
    _given(model, prefix, frozenset(skip), found)
    counter.update(found)


#: Types whose values always count as one given value (never empty, never nested).
_LEAVES: Final = frozenset({int, float, bool, Decimal, dt.datetime, dt.date})


def _given(model: BaseModel, prefix: str, skipped: frozenset[str], found: list[str]) -> None:
    values = model.__dict__
    extra = model.__pydantic_extra__ or {}
    for key in model.model_fields_set:
        path = f"{prefix}.{key}" if prefix else key
        if path in skipped:
            continue
        value = values[key] if key in values else extra[key]
        kind = type(value)
        if kind is str:
            if value:
                found.append(path)
        elif kind in _LEAVES:
            found.append(path)
        elif isinstance(value, BaseModel):
            _given(value, path, skipped, found)
        else:
            _plain(value, path, skipped, found)


def _plain(value: Any, prefix: str, skipped: frozenset[str], found: list[str]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if path not in skipped:
                _plain(inner, path, skipped, found)
    elif value is not None and value != "" and value != [] and prefix:
        found.append(prefix)


def refuse(field_name: str, offence: Offence, reason: str) -> ContractViolation:
    """A refusal of the bank data naming the field, never its value."""
    return ContractViolation([FieldProblem(field_name, offence, reason)], source="bank data")


def check_currency(code: str | None, where: str) -> None:
    """Refuse an account in any currency but the contract's.

    Raises:
        ContractViolation: the account is not in US dollars.
    """
    if code is not None and code.upper() != CURRENCY:
        raise refuse(
            where,
            Offence.INVALID,
            f"only {CURRENCY} accounts are accepted: the contract's money facts are in "
            "US dollars, and no exchange rate is applied",
        )


def minimise(
    read: Read, *, categories: frozenset[DataCategory], today: dt.date | None = None
) -> Minimised:
    """Count each booked transaction once, keep the window, and build the closed statement.

    ``categories`` are those the person shares: a rent, utility or telecom payment of a
    category not shared is only spending, and pay or a benefit not shared only money in,
    so no fact of an unshared category can be derived from what is stored.

    Raises:
        ContractViolation: a transaction in the future or after the balance's date, more
            than ``MAX_TRANSACTIONS``, or no booked transaction in the window.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    if read.as_of > today:
        raise refuse("balance", Offence.OUT_OF_RANGE, "the balance is dated in the future")
    start = window_start(read.as_of)
    seen: set[str] = set()
    kept: list[Booked] = []
    skipped = Counter(read.skipped)
    for booked in read.booked:
        if booked.key in seen:
            skipped["duplicate"] += 1
            continue
        seen.add(booked.key)
        if booked.day > read.as_of:
            raise refuse(
                "transactions",
                Offence.OUT_OF_RANGE,
                "a booked transaction is dated after the balance it should be part of, or "
                "in the future",
            )
        if booked.day < start:
            skipped["before_window"] += 1
            continue
        if booked.cents > MAX_CENTS:
            raise refuse("transactions", Offence.OUT_OF_RANGE, "an amount is too large")
        kept.append(_shared(booked, categories))
    if not kept:
        raise refuse(
            "transactions",
            Offence.MISSING,
            "the account has no booked transaction in the 24 months the score reads",
        )
    if len(kept) > MAX_TRANSACTIONS:
        raise refuse(
            "transactions", Offence.OUT_OF_RANGE, f"at most {MAX_TRANSACTIONS} transactions"
        )
    kept.sort(key=lambda b: (b.day, b.direction, b.kind.value, b.cents))
    net = sum(b.cents if b.direction == "credit" else -b.cents for b in kept)
    statement = {
        "asOf": read.as_of.isoformat(),
        "account": {
            "currency": CURRENCY,
            "openingBalance": money(read.balance_cents - net),
            "savingsBalance": money(read.savings_cents),
        },
        "transactions": [
            {
                "bookingDate": b.day.isoformat(),
                "amount": money(b.cents),
                "creditDebitIndicator": b.direction.capitalize(),
                "counterpartyKind": b.kind.value,
                "transactionId": f"t-{i:05d}",
            }
            for i, b in enumerate(kept)
        ],
    }
    parsed = parse_statement(statement)  # the closed format's own check: a failure is a bug
    counted = tuple(
        Counted(day=b.day, amount=money(b.cents), kind=b.kind)
        for b in kept
        if b.kind in SHOWN_KINDS
    )
    return Minimised(
        statement=statement,
        counted=counted,
        report=_report(read, kept, skipped, categories),
        parsed=parsed,
    )


def _shared(booked: Booked, categories: frozenset[DataCategory]) -> Booked:
    if CATEGORY_OF[booked.kind] in categories:
        return booked
    folded = (
        CounterpartyKind.TRANSFER
        if booked.direction == "credit"
        else CounterpartyKind.OTHER_SPENDING
    )
    return Booked(booked.key, booked.day, booked.cents, booked.direction, folded)


def _report(
    read: Read, kept: list[Booked], skipped: Counter[str], categories: frozenset[DataCategory]
) -> dict[str, Any]:
    kinds = Counter(b.kind.value for b in kept)
    dropped = {k: n for k, n in sorted(read.fields.items()) if k not in read.kept_fields}
    if read.times_of_day:
        dropped["time of day"] = read.times_of_day
    return {
        "format": read.shape.value,
        "transactions_read": len(read.booked) + sum(read.skipped.values()),
        "kept": {k.value: kinds.get(k.value, 0) for k in CounterpartyKind},
        "not_counted": dict(sorted(skipped.items())),
        "dropped_fields": dropped,
        "categories_read": sorted(c.value for c in categories & BANK_CATEGORIES),
        "categories_not_read": sorted(c.value for c in BANK_CATEGORIES - categories),
    }

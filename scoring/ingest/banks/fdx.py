"""FDX (Financial Data Exchange, v6) deposit accounts and transactions, read at the door.

The payload is FDX's own: ``{"accounts": [DepositAccount...], "transactions":
[DepositTransaction...]}``, as a data provider's ``/accounts`` and ``/accounts/{id}/
transactions`` answer. The models type the standard's fields Fairfile reads and tolerate
every other field of the standard (they are counted, then dropped). One transaction
account (checking, or any deposit account that is not savings) gives the transactions;
savings and money-market accounts give only their balance.

A transaction's kind comes from ``codes``: ``DIRECTDEPOSIT`` is pay, a benefit payer's
credit is a benefit, ``TRANSFER`` is a transfer, a debit whose merchant category code
(``merchant.merchantCategoryCode``, or ``category`` when it holds a code) is on the bills
list is rent, a utility or telecom, and one whose ``category`` is a lender's SIC code is a
loan repayment; every other debit is spending. Its day is the date of
``postedTimestamp`` as the bank wrote it (the time is dropped).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...errors import Offence
from ..statements import CounterpartyKind
from . import codes
from .minimise import Booked, Read, Shape, check_currency, count_model_fields, refuse

#: Account types whose transactions are not read: their balance is savings.
SAVINGS_TYPES = frozenset({"SAVINGS", "MONEYMARKET", "CD"})
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]
Text = Annotated[str, Field(max_length=2_000)]


class _Standard(BaseModel):
    # Unknown fields of the standard are kept in memory only to be counted, then dropped.
    model_config = ConfigDict(extra="allow", frozen=True)


class FdxCurrency(_Standard):
    """FDX ``Currency``."""

    currencyCode: str = Field(pattern=r"^[A-Za-z]{3}$")


class FdxAccount(_Standard):
    """FDX ``DepositAccount`` (the fields Fairfile reads)."""

    accountId: str = Field(min_length=1, max_length=256)
    accountCategory: Text | None = None
    accountType: Text | None = None
    currency: FdxCurrency | None = None
    currentBalance: Money | None = None
    balanceAsOf: dt.datetime | None = None


class FdxMerchant(_Standard):
    """FDX ``Merchant``: read only for its category code."""

    merchantCategoryCode: Text | None = None


class FdxTransaction(_Standard):
    """FDX ``DepositTransaction`` (the fields Fairfile reads)."""

    accountId: str = Field(min_length=1, max_length=256)
    transactionId: str = Field(min_length=1, max_length=256)
    postedTimestamp: dt.datetime | None = None
    transactionTimestamp: dt.datetime | None = None
    amount: Money
    debitCreditMemo: Literal["DEBIT", "CREDIT", "MEMO"]
    status: Literal["PENDING", "POSTED", "AUTHORIZED"] = "POSTED"
    transactionType: Text | None = None
    category: Text | None = None
    merchant: FdxMerchant | None = None
    payee: Text | None = None
    description: Text | None = None


class FdxData(_Standard):
    """One bank's FDX accounts and their transactions."""

    accounts: list[FdxAccount] = Field(min_length=1, max_length=20)
    transactions: list[FdxTransaction] = Field(max_length=20_000)


#: The transaction fields whose values become the statement.
KEPT: frozenset[str] = frozenset({"postedTimestamp", "amount", "debitCreditMemo"})


def read_fdx(data: FdxData) -> Read:
    """Read one bank's FDX payload: one transaction account, savings balances, kinds.

    Raises:
        ContractViolation: no transaction account or more than one, an account id given
            twice, a transaction of an account not in the payload, a non-USD account, a
            posted transaction without its posting time, or an account without a balance.
    """
    ids = [a.accountId for a in data.accounts]
    if len(set(ids)) != len(ids):
        raise refuse("accounts", Offence.DUPLICATE, "an account is given twice")
    for i, account in enumerate(data.accounts):
        if account.currency is not None:
            check_currency(account.currency.currencyCode, f"accounts[{i}].currency")
    current = [a for a in data.accounts if (a.accountType or "").upper() not in SAVINGS_TYPES]
    if len(current) != 1:
        raise refuse(
            "accounts",
            Offence.INVALID,
            "send one transaction (checking) account per connection, with any savings accounts",
        )
    account = current[0]
    if account.currentBalance is None:
        raise refuse("accounts.currentBalance", Offence.MISSING, "the checking account's balance")
    savings = sum((a.currentBalance or Decimal(0)) for a in data.accounts if a is not account)
    if savings < 0:
        raise refuse("accounts.currentBalance", Offence.INVALID, "a savings balance below zero")
    booked: list[Booked] = []
    skipped: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    times = 0
    known = set(ids)
    for i, t in enumerate(data.transactions):
        if t.accountId not in known:
            raise refuse(
                f"transactions[{i}].accountId", Offence.INVALID, "not an account of the payload"
            )
        count_model_fields(t, fields, skip=("accountId",))
        if t.accountId != account.accountId:
            skipped["savings_account"] += 1
            continue
        if t.status != "POSTED":
            skipped["pending"] += 1
            continue
        if t.debitCreditMemo == "MEMO":
            skipped["memo"] += 1
            continue
        if t.postedTimestamp is None:
            raise refuse(
                f"transactions[{i}].postedTimestamp", Offence.MISSING, "a posted transaction's time"
            )
        if t.amount < 0:
            raise refuse(
                f"transactions[{i}].amount",
                Offence.INVALID,
                "FDX amounts are unsigned: debitCreditMemo gives the direction",
            )
        cents = int(t.amount * 100)
        if cents == 0:
            skipped["zero_amount"] += 1
            continue
        if t.postedTimestamp.time() != dt.time(0):
            times += 1
        direction: Literal["credit", "debit"] = (
            "credit" if t.debitCreditMemo == "CREDIT" else "debit"
        )
        booked.append(
            Booked(t.transactionId, t.postedTimestamp.date(), cents, direction, _kind(t, direction))
        )
    as_of = account.balanceAsOf.date() if account.balanceAsOf else _latest(booked)
    return Read(
        shape=Shape.FDX,
        as_of=as_of,
        balance_cents=int(account.currentBalance * 100),
        savings_cents=int(savings * 100),
        booked=booked,
        skipped=skipped,
        fields=fields,
        kept_fields=KEPT,
        times_of_day=times,
    )


def _latest(booked: list[Booked]) -> dt.date:
    if not booked:
        raise refuse(
            "transactions", Offence.MISSING, "the account has no booked transaction to read"
        )
    return max(b.day for b in booked)


def _kind(t: FdxTransaction, direction: str) -> CounterpartyKind:
    kind_type = (t.transactionType or "").upper()
    if direction == "credit":
        if codes.benefit_payer(t.payee, t.description):
            return CounterpartyKind.BENEFITS
        return codes.FDX_CREDITS.get(kind_type, CounterpartyKind.TRANSFER)
    if kind_type in codes.FDX_DEBITS:
        return codes.FDX_DEBITS[kind_type]
    mcc = (t.merchant.merchantCategoryCode if t.merchant else None) or t.category
    bill = codes.MCC_BILLS.get((mcc or "").strip())
    if bill is not None:
        return bill
    if (t.category or "").strip() in codes.SIC_LOANS:
        return CounterpartyKind.LOAN_REPAYMENT
    return CounterpartyKind.OTHER_SPENDING

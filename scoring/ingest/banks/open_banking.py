"""UK Open Banking (Account and Transaction API v3.1 and v4) payloads, read at the door.

The payload carries the three answers an account information service gets:
``{"accounts": OBReadAccount6, "transactions": OBReadTransaction6, "balances":
OBReadBalance1}`` (``accounts`` optional), each with its ``Data`` and any ``Links`` and
``Meta``. The models type the fields Fairfile reads and tolerate the rest of the standard
(counted, then dropped). One current account gives the transactions; accounts whose
``AccountSubType`` is ``Savings`` give only their booked balance. Version 4 writes
ISO 20022 codes where 3.1 writes names (``BOOK``/``PDNG`` for ``Booked``/``Pending``,
``CRDT``/``DBIT``, ``CLBD``/``ITBD`` balances, ``SVGS`` savings); both are read alike.

A transaction's kind comes from ``codes``: ``BankTransactionCode`` (its ``Code`` is the
ISO 20022 family, ``SubCode`` the sub-family) says pay (``SALA``), a loan repayment (the
loan families) or a transfer; a benefit payer's credit is a benefit; a debit whose
``MerchantDetails.MerchantCategoryCode`` is on the bills list is rent, a utility or
telecom; every other debit is spending. Its day is the date of ``BookingDateTime`` as the
bank wrote it.
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

Text = Annotated[str, Field(max_length=2_000)]
#: The balance types that count booked transactions only.
BOOKED_BALANCES = frozenset({"ClosingBooked", "InterimBooked", "CLBD", "ITBD"})
#: v3.1 writes names, v4 the ISO 20022 codes; both are read, as one.
Indicator = Literal["Credit", "Debit", "CRDT", "DBIT"]
EntryStatus = Literal["Booked", "Pending", "Rejected", "BOOK", "PDNG", "RJCT", "FUTR", "INFO"]
_CREDIT = frozenset({"Credit", "CRDT"})
_NOT_COUNTED = {
    "Pending": "pending",
    "PDNG": "pending",
    "Rejected": "rejected",
    "RJCT": "rejected",
    "FUTR": "future",
    "INFO": "information_only",
}
#: Account sub-types that hold savings (v3.1 name, v4 ISO code).
SAVINGS_SUBTYPES = frozenset({"Savings", "SVGS"})


class _Standard(BaseModel):
    # Unknown fields of the standard are kept in memory only to be counted, then dropped.
    model_config = ConfigDict(extra="allow", frozen=True)


class OBAmount(_Standard):
    """``OBActiveOrHistoricCurrencyAndAmount``."""

    Amount: str = Field(pattern=r"^\d{1,13}(\.\d{1,5})?$")
    Currency: str = Field(pattern=r"^[A-Z]{3}$")


class OBCode(_Standard):
    """``OBBankTransactionCodeStructure1``: ISO 20022 family and sub-family."""

    Code: Text
    SubCode: Text | None = None


class OBMerchant(_Standard):
    """``OBMerchantDetails1``: read only for its category code."""

    MerchantCategoryCode: Text | None = None


class OBCashAccount(_Standard):
    """A creditor or debtor account: read only for a benefit payer's name."""

    Name: Text | None = None


class OBTransaction(_Standard):
    """``OBTransaction6`` (the fields Fairfile reads)."""

    AccountId: str = Field(min_length=1, max_length=40)
    TransactionId: Text | None = None
    CreditDebitIndicator: Indicator
    Status: EntryStatus
    BookingDateTime: dt.datetime
    Amount: OBAmount
    BankTransactionCode: OBCode | None = None
    MerchantDetails: OBMerchant | None = None
    TransactionInformation: Text | None = None
    DebtorAccount: OBCashAccount | None = None


class OBBalance(_Standard):
    """``OBCashBalance1``."""

    AccountId: str = Field(min_length=1, max_length=40)
    CreditDebitIndicator: Indicator
    Type: Text
    DateTime: dt.datetime
    Amount: OBAmount


class OBAccount(_Standard):
    """``OBAccount6`` (the fields Fairfile reads)."""

    AccountId: str = Field(min_length=1, max_length=40)
    Currency: str = Field(pattern=r"^[A-Z]{3}$")
    AccountSubType: Text | None = None


class _TransactionData(_Standard):
    Transaction: list[OBTransaction] = Field(max_length=20_000)


class _BalanceData(_Standard):
    Balance: list[OBBalance] = Field(min_length=1, max_length=40)


class _AccountData(_Standard):
    Account: list[OBAccount] = Field(min_length=1, max_length=20)


class OBReadTransaction(_Standard):
    """``OBReadTransaction6``."""

    Data: _TransactionData


class OBReadBalance(_Standard):
    """``OBReadBalance1``."""

    Data: _BalanceData


class OBReadAccount(_Standard):
    """``OBReadAccount6``."""

    Data: _AccountData


class OpenBankingData(_Standard):
    """One bank's Open Banking answers: transactions, balances and (optionally) accounts."""

    transactions: OBReadTransaction
    balances: OBReadBalance
    accounts: OBReadAccount | None = None


#: The transaction fields whose values become the statement.
KEPT: frozenset[str] = frozenset(
    {"BookingDateTime", "Amount.Amount", "Amount.Currency", "CreditDebitIndicator"}
)


def _cents(amount: OBAmount, where: str) -> int:
    check_currency(amount.Currency, where)
    value = Decimal(amount.Amount)
    cents = value * 100
    if cents != cents.to_integral_value():
        raise refuse(where, Offence.INVALID, "an amount in fractions of a cent")
    return int(cents)


def read_open_banking(data: OpenBankingData) -> Read:
    """Read one bank's Open Banking answers: one current account, savings, kinds.

    Raises:
        ContractViolation: no current account or more than one, a non-USD account or
            amount, a current account without a booked balance, or a transaction of an
            account with no balance.
    """
    subtypes: dict[str, str] = {}
    if data.accounts is not None:
        for i, account in enumerate(data.accounts.Data.Account):
            if account.AccountId in subtypes:
                raise refuse("accounts", Offence.DUPLICATE, "an account is given twice")
            check_currency(account.Currency, f"accounts.Data.Account[{i}].Currency")
            subtypes[account.AccountId] = account.AccountSubType or "CurrentAccount"
    balances: dict[str, tuple[dt.datetime, int]] = {}
    for i, balance in enumerate(data.balances.Data.Balance):
        if balance.Type not in BOOKED_BALANCES:
            continue
        cents = _cents(balance.Amount, f"balances.Data.Balance[{i}].Amount")
        signed = cents if balance.CreditDebitIndicator in _CREDIT else -cents
        earlier = balances.get(balance.AccountId)
        if earlier is None or balance.DateTime > earlier[0]:
            balances[balance.AccountId] = (balance.DateTime, signed)
    transactions = data.transactions.Data.Transaction
    known = set(subtypes) or {t.AccountId for t in transactions} | set(balances)
    current = [
        a for a in sorted(known) if subtypes.get(a, "CurrentAccount") not in SAVINGS_SUBTYPES
    ]
    if len(current) != 1:
        raise refuse(
            "accounts",
            Offence.INVALID,
            "send one current account per connection, with any savings accounts",
        )
    account_id = current[0]
    if account_id not in balances:
        raise refuse("balances", Offence.MISSING, "the current account's booked balance")
    savings = sum(balances[a][1] for a in known if a != account_id and a in balances)
    if savings < 0:
        raise refuse("balances", Offence.INVALID, "a savings balance below zero")
    booked: list[Booked] = []
    skipped: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    times = 0
    for i, t in enumerate(transactions):
        if t.AccountId not in known:
            raise refuse(
                f"transactions.Data.Transaction[{i}].AccountId",
                Offence.INVALID,
                "not an account of the payload",
            )
        count_model_fields(t, fields, skip=("AccountId",))
        if t.AccountId != account_id:
            skipped["savings_account"] += 1
            continue
        if t.Status in _NOT_COUNTED:
            skipped[_NOT_COUNTED[t.Status]] += 1
            continue
        cents = _cents(t.Amount, f"transactions.Data.Transaction[{i}].Amount")
        if cents == 0:
            skipped["zero_amount"] += 1
            continue
        if t.BookingDateTime.time() != dt.time(0):
            times += 1
        direction: Literal["credit", "debit"] = (
            "credit" if t.CreditDebitIndicator in _CREDIT else "debit"
        )
        key = t.TransactionId or f"#{i}"  # no id: every entry is its own transaction
        booked.append(Booked(key, t.BookingDateTime.date(), cents, direction, _kind(t, direction)))
    as_of_time, booked_balance = balances[account_id]
    return Read(
        shape=Shape.OPEN_BANKING,
        as_of=as_of_time.date(),
        balance_cents=booked_balance,
        savings_cents=savings,
        booked=booked,
        skipped=skipped,
        fields=fields,
        kept_fields=KEPT,
        times_of_day=times,
    )


def _kind(t: OBTransaction, direction: str) -> CounterpartyKind:
    family = t.BankTransactionCode.Code if t.BankTransactionCode else ""
    sub = (t.BankTransactionCode.SubCode if t.BankTransactionCode else None) or ""
    if direction == "credit":
        payer = t.DebtorAccount.Name if t.DebtorAccount else None
        if codes.benefit_payer(payer, t.TransactionInformation):
            return CounterpartyKind.BENEFITS
        if (family, sub) in codes.ISO_PAYROLL:
            return CounterpartyKind.PAYROLL
        return CounterpartyKind.TRANSFER
    if family in codes.ISO_LOAN_FAMILIES:
        return CounterpartyKind.LOAN_REPAYMENT
    if sub in codes.ISO_TRANSFER_SUBFAMILIES:
        return CounterpartyKind.TRANSFER
    mcc = t.MerchantDetails.MerchantCategoryCode if t.MerchantDetails else None
    return codes.MCC_BILLS.get((mcc or "").strip(), CounterpartyKind.OTHER_SPENDING)

"""The synthetic bank's feeds: a closed statement rendered as a real bank would send it.

``render_feed`` takes a statement in Fairfile's closed format (``scoring.ingest.statements``)
and renders it as FDX, UK Open Banking or an OFX file, with everything real feeds carry:
merchant names and category codes, descriptions, memos, payees, counterparty accounts,
card details, addresses, times of day, pending entries and a repeated transaction. The
detail is drawn from the public-style lists below, so a sandbox person's feed goes through
the same door as real data, and tests can check that the door gives back exactly the
statement it was rendered from.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from scoring.ingest.banks import Shape


@dataclass(frozen=True)
class Merchant:
    """A merchant of other spending: its name, merchant category code and SIC code."""

    name: str
    mcc: str
    sic: str
    city: str


#: Other spending, from the everyday to what a purely financial score must be blind to.
MERCHANTS: Final = (
    Merchant("Corner Grocery", "5411", "5411", "Dayton"),
    Merchant("QuickFuel Station 114", "5541", "5541", "Akron"),
    Merchant("Burger Stop", "5814", "5812", "Toledo"),
    Merchant("Page Turner Books", "5942", "5942", "Columbus"),
    Merchant("Lucky Star Casino", "7995", "7999", "Reno"),
    Merchant("The Red Lion Bar", "5813", "5813", "Cleveland"),
    Merchant("Vine and Spirits", "5921", "5921", "Dayton"),
    Merchant("Midnight Club", "5813", "5813", "Cincinnati"),
    Merchant("Pixel Arcade", "7994", "7993", "Parma"),
    Merchant("Smoke Shop 9", "5993", "5993", "Lorain"),
)
_BILLERS: Final = {
    "rent": Merchant("Oakwood Property Management", "6513", "6513", "Dayton"),
    "utility": Merchant("City Power and Water", "4900", "4911", "Dayton"),
    "telecom": Merchant("Bellwave Mobile", "4814", "4813", "Dallas"),
}
_LENDER: Final = Merchant("Northside Credit Union Loan", "", "6141", "Dayton")
_PAYERS: Final = {"payroll": "ACME LOGISTICS PAYROLL", "benefits": "SSA TREAS 310 XXSOC SEC"}
_FDX_TYPES: Final = {
    ("credit", "payroll"): "DIRECTDEPOSIT",
    ("credit", "benefits"): "DEPOSIT",
    ("credit", "transfer"): "TRANSFER",
    ("debit", "transfer"): "TRANSFER",
    ("debit", "rent"): "BILLPAYMENT",
    ("debit", "utility"): "BILLPAYMENT",
    ("debit", "telecom"): "BILLPAYMENT",
    ("debit", "loan_repayment"): "BILLPAYMENT",
    ("debit", "other_spending"): "POSDEBIT",
}
_OFX_TYPES: Final = {
    ("credit", "payroll"): "DIRECTDEP",
    ("credit", "benefits"): "DEP",
    ("credit", "transfer"): "XFER",
    ("debit", "transfer"): "XFER",
    ("debit", "rent"): "PAYMENT",
    ("debit", "utility"): "DIRECTDEBIT",
    ("debit", "telecom"): "DIRECTDEBIT",
    ("debit", "loan_repayment"): "PAYMENT",
    ("debit", "other_spending"): "POS",
}
#: ISO 20022 (family, sub-family) as Open Banking's ``BankTransactionCode`` carries them.
_OB_CODES: Final = {
    ("credit", "payroll"): ("RCDT", "SALA"),
    ("credit", "benefits"): ("RCDT", "DMCT"),
    ("credit", "transfer"): ("RCDT", "BOOK"),
    ("debit", "transfer"): ("ICDT", "BOOK"),
    ("debit", "rent"): ("ICDT", "STDO"),
    ("debit", "utility"): ("IDDT", "PMDD"),
    ("debit", "telecom"): ("IDDT", "PMDD"),
    ("debit", "loan_repayment"): ("CSLN", "PPAY"),
    ("debit", "other_spending"): ("CCRD", "POSD"),
}


def _cents(text: str) -> int:
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    cents = int(whole) * 100 + int(fraction.ljust(2, "0") or 0)
    return -cents if negative else cents


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


@dataclass(frozen=True)
class _Entry:
    """One closed transaction with the detail a bank adds to it."""

    id: str
    day: dt.date
    cents: int
    direction: str
    kind: str
    at: dt.time
    merchant: Merchant | None
    payer: str | None
    text: str


def _entries(
    statement: Mapping[str, Any], rng: random.Random, merchants: Sequence[Merchant]
) -> list[_Entry]:
    out = []
    for i, t in enumerate(statement["transactions"]):
        direction, kind = t["creditDebitIndicator"].lower(), t["counterpartyKind"]
        merchant = None
        if direction == "debit":
            merchant = (
                _BILLERS.get(kind)
                or (_LENDER if kind == "loan_repayment" else None)
                or (rng.choice(merchants) if kind == "other_spending" else None)
            )
        payer = _PAYERS.get(kind) if direction == "credit" else None
        at = dt.time(rng.randrange(24), rng.randrange(60), rng.randrange(60))
        name = merchant.name if merchant else (payer or "Own account transfer")
        tag = "CARD 4417" if kind == "other_spending" else "REF"
        text = f"{name} {tag} {rng.randrange(10**6):06d}"
        out.append(
            _Entry(
                f"tx-{i:05d}",
                dt.date.fromisoformat(t["bookingDate"]),
                _cents(t["amount"]),
                direction,
                kind,
                at,
                merchant,
                payer,
                text,
            )
        )
    return out


def _net(entries: Sequence[_Entry]) -> int:
    return sum(e.cents if e.direction == "credit" else -e.cents for e in entries)


def render_feed(
    statement: Mapping[str, Any],
    shape: Shape,
    *,
    seed: int = 0,
    pending: int = 2,
    repeated: int = 1,
    merchants: Sequence[Merchant] = MERCHANTS,
) -> Any:
    """Render a closed statement as ``shape``: a dict for FDX and Open Banking, OFX text.

    ``pending`` pending entries are added (not in OFX, which has none) and the first
    ``repeated`` transactions are sent twice under the same id; the door must count
    neither. The rendering is the same for the same ``seed``.
    """
    rng = random.Random(seed)  # noqa: S311 - synthetic detail, not a secret
    entries = _entries(statement, rng, merchants)
    as_of = dt.date.fromisoformat(statement["asOf"])
    account = statement["account"]
    balance = _cents(account["openingBalance"]) + _net(entries)
    savings = _cents(account.get("savingsBalance", "0"))
    sent = entries + entries[:repeated]
    late = [
        _Entry(
            f"pending-{i}",
            as_of,
            1234 + i,
            "debit",
            "other_spending",
            dt.time(21, 5),
            rng.choice(merchants),
            None,
            "PENDING AUTH",
        )
        for i in range(pending)
    ]
    if shape is Shape.FDX:
        return _fdx(sent, late, as_of, balance, savings)
    if shape is Shape.OPEN_BANKING:
        return _open_banking(sent, late, as_of, balance, savings)
    return _ofx(sent, as_of, balance, savings)


def _stamp(day: dt.date, at: dt.time) -> str:
    return f"{day.isoformat()}T{at.isoformat()}.000Z"


def _fdx(
    sent: list[_Entry], late: list[_Entry], as_of: dt.date, balance: int, savings: int
) -> dict[str, Any]:
    def one(e: _Entry, status: str) -> dict[str, Any]:
        item: dict[str, Any] = {
            "accountId": "chk-001",
            "accountCategory": "DEPOSIT_ACCOUNT",
            "transactionId": e.id,
            "postedTimestamp": _stamp(e.day, e.at),
            "transactionTimestamp": _stamp(e.day, e.at),
            "description": e.text,
            "memo": f"{e.kind.replace('_', ' ')} {e.day:%b}",
            "debitCreditMemo": e.direction.upper(),
            "status": status,
            "transactionType": _FDX_TYPES[(e.direction, e.kind)],
            "amount": float(_money(e.cents)),
        }
        if e.merchant is not None:
            item["merchant"] = {
                "name": e.merchant.name,
                "merchantCategoryCode": e.merchant.mcc or None,
                "address": {"line1": "1 Main St", "city": e.merchant.city, "region": "OH"},
            }
            item["category"] = e.merchant.sic if e.kind == "loan_repayment" else e.merchant.mcc
        if e.payer is not None:
            item["payee"] = e.payer
        return {k: v for k, v in item.items() if v is not None}

    return {
        "accounts": [
            {
                "accountCategory": "DEPOSIT_ACCOUNT",
                "accountId": "chk-001",
                "accountNumberDisplay": "...4417",
                "accountType": "CHECKING",
                "nickname": "Everyday checking",
                "currency": {"currencyCode": "USD"},
                "currentBalance": float(_money(balance)),
                "availableBalance": float(_money(balance)),
                "balanceAsOf": f"{as_of.isoformat()}T23:59:00.000Z",
            },
            {
                "accountCategory": "DEPOSIT_ACCOUNT",
                "accountId": "sav-001",
                "accountType": "SAVINGS",
                "currency": {"currencyCode": "USD"},
                "currentBalance": float(_money(savings)),
                "balanceAsOf": f"{as_of.isoformat()}T23:59:00.000Z",
            },
        ],
        "transactions": [one(e, "POSTED") for e in sent] + [one(e, "PENDING") for e in late],
    }


def _open_banking(
    sent: list[_Entry], late: list[_Entry], as_of: dt.date, balance: int, savings: int
) -> dict[str, Any]:
    def one(e: _Entry, status: str) -> dict[str, Any]:
        family, sub = _OB_CODES[(e.direction, e.kind)]
        item: dict[str, Any] = {
            "AccountId": "22289",
            "TransactionId": e.id,
            "TransactionReference": e.text[-6:],
            "CreditDebitIndicator": e.direction.capitalize(),
            "Status": status,
            "TransactionMutability": "Immutable",
            "BookingDateTime": f"{e.day.isoformat()}T{e.at.isoformat()}+00:00",
            "ValueDateTime": f"{e.day.isoformat()}T{e.at.isoformat()}+00:00",
            "TransactionInformation": e.text,
            "Amount": {"Amount": _money(e.cents), "Currency": "USD"},
            "BankTransactionCode": {"Code": family, "SubCode": sub},
            "ProprietaryBankTransactionCode": {
                "Code": "DEB" if e.direction == "debit" else "BGC",
                "Issuer": "Fairfile Sandbox Bank",
            },
        }
        if e.merchant is not None:
            item["CreditorAccount"] = {
                "SchemeName": "UK.OBIE.SortCodeAccountNumber",
                "Identification": "80200112345678",
                "Name": e.merchant.name,
            }
            if e.merchant.mcc:
                item["MerchantDetails"] = {
                    "MerchantName": e.merchant.name,
                    "MerchantCategoryCode": e.merchant.mcc,
                }
            item["AddressLine"] = f"1 Main St, {e.merchant.city}"
            if e.kind == "other_spending":
                item["CardInstrument"] = {
                    "CardSchemeName": "Visa",
                    "AuthorisationType": "ConsumerDevice",
                    "Name": "A CARDHOLDER",
                    "Identification": "****4417",
                }
        if e.payer is not None:
            item["DebtorAccount"] = {
                "SchemeName": "UK.OBIE.SortCodeAccountNumber",
                "Identification": "40400487654321",
                "Name": e.payer,
            }
        return item

    def balance_of(account_id: str, cents: int) -> dict[str, Any]:
        return {
            "AccountId": account_id,
            "CreditDebitIndicator": "Credit" if cents >= 0 else "Debit",
            "Type": "ClosingBooked",
            "DateTime": f"{as_of.isoformat()}T23:59:00+00:00",
            "Amount": {"Amount": _money(abs(cents)), "Currency": "USD"},
        }

    return {
        "accounts": {
            "Data": {
                "Account": [
                    {
                        "AccountId": "22289",
                        "Currency": "USD",
                        "AccountType": "Personal",
                        "AccountSubType": "CurrentAccount",
                        "Nickname": "Bills",
                        "Account": [
                            {
                                "SchemeName": "UK.OBIE.SortCodeAccountNumber",
                                "Identification": "80200110203345",
                                "Name": "A PERSON",
                            }
                        ],
                    },
                    {
                        "AccountId": "31820",
                        "Currency": "USD",
                        "AccountType": "Personal",
                        "AccountSubType": "Savings",
                        "Nickname": "Rainy day",
                    },
                ]
            },
            "Links": {"Self": "https://api.sandbox.example/open-banking/v3.1/aisp/accounts"},
            "Meta": {"TotalPages": 1},
        },
        "transactions": {
            "Data": {
                "Transaction": [one(e, "Booked") for e in sent] + [one(e, "Pending") for e in late]
            },
            "Links": {
                "Self": "https://api.sandbox.example/open-banking/v3.1/aisp/accounts/22289/transactions"
            },
            "Meta": {"TotalPages": 1},
        },
        "balances": {
            "Data": {"Balance": [balance_of("22289", balance), balance_of("31820", savings)]},
            "Links": {"Self": "https://api.sandbox.example/open-banking/v3.1/aisp/balances"},
            "Meta": {"TotalPages": 1},
        },
    }


_OFX_HEADER: Final = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
    "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
)


def _ofx(sent: list[_Entry], as_of: dt.date, balance: int, savings: int) -> str:
    def one(e: _Entry) -> str:
        amount = _money(e.cents if e.direction == "credit" else -e.cents)
        sic = f"<SIC>{e.merchant.sic}" if e.merchant is not None else ""
        name = (e.merchant.name if e.merchant else e.payer) or "TRANSFER"
        return (
            f"<STMTTRN><TRNTYPE>{_OFX_TYPES[(e.direction, e.kind)]}"
            f"<DTPOSTED>{e.day:%Y%m%d}{e.at:%H%M%S}<TRNAMT>{amount}<FITID>{e.id}{sic}"
            f"<NAME>{name[:32]}<MEMO>{e.text}</STMTTRN>"
        )

    def statement(acctid: str, accttype: str, body: str, cents: int) -> str:
        return (
            "<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD"
            f"<BANKACCTFROM><BANKID>121000248<ACCTID>{acctid}<ACCTTYPE>{accttype}</BANKACCTFROM>"
            f"<BANKTRANLIST><DTSTART>20000101<DTEND>{as_of:%Y%m%d}{body}</BANKTRANLIST>"
            f"<LEDGERBAL><BALAMT>{_money(cents)}<DTASOF>{as_of:%Y%m%d}</LEDGERBAL></STMTRS></STMTTRNRS>"
        )

    return (
        _OFX_HEADER
        + "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        + f"<DTSERVER>{as_of:%Y%m%d}<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1>"
        + statement("4417", "CHECKING", "".join(one(e) for e in sent), balance)
        + statement("9021", "SAVINGS", "", savings)
        + "</BANKMSGSRSV1></OFX>\n"
    )

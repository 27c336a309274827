"""OFX statement files (1.x SGML and 2.x XML, as banks' "download" buttons give them).

The file is parsed by ``ofxtools``, which checks it against the OFX specification
(elements, their order and their types); Fairfile never parses OFX by hand. One bank
statement (``STMTRS``) of a checking account gives the transactions; statements of savings,
money-market and CD accounts give only their ledger balance; credit-card statements are
not read. ``TRNAMT`` is signed, and a sign that contradicts ``TRNTYPE`` refuses the file.

A transaction's kind comes from ``codes``: ``DIRECTDEP`` is pay, a benefit payer's credit
is a benefit, ``XFER`` is a transfer, a debit whose ``SIC`` is on the list is rent, a
utility, telecom or a loan repayment; every other debit is spending. Its day is the date of
``DTPOSTED`` in UTC, as ofxtools reads it.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import Counter
from decimal import Decimal
from typing import Any, Literal

from ...errors import Offence
from ..statements import CounterpartyKind
from . import codes
from .minimise import Booked, Read, Shape, check_currency, refuse

# ofxtools logs the file it parses (at DEBUG every element's text: merchant names, memos):
# none of it may reach Fairfile's logs, whatever level they run at.
_quiet = logging.getLogger("ofxtools")
_quiet.setLevel(logging.CRITICAL + 1)
_quiet.propagate = False

#: Account types whose statements give only a balance.
SAVINGS_TYPES = frozenset({"SAVINGS", "MONEYMRKT", "CD"})
#: Transaction types whose amount must be money in, and those whose amount must be out.
_IN = frozenset({"CREDIT", "DEP", "DIRECTDEP", "INT", "DIV"})
_OUT = frozenset({"DEBIT", "DIRECTDEBIT", "PAYMENT", "FEE", "SRVCHG", "CHECK", "REPEATPMT"})
#: The transaction elements whose values become the statement.
KEPT = frozenset({"DTPOSTED", "TRNAMT"})
#: The largest OFX file read, in characters.
MAX_OFX_CHARS = 5_000_000


def _parse(text: str) -> Any:
    # ofxtools is imported here only. Any failure of it on an untrusted file (its header,
    # parse, spec and type errors, and whatever else a hostile file provokes) is the same
    # refusal: its message may quote the file, so it is never passed on.
    from ofxtools.Parser import OFXTree

    parser = OFXTree()
    try:
        parser.parse(io.BytesIO(text.encode("utf-8")))
        return parser.convert()
    except Exception:
        raise refuse(
            "ofx",
            Offence.INVALID,
            "not an OFX statement file ofxtools can read (its header, elements, their "
            "order or a value's type)",
        ) from None


def read_ofx(text: str) -> Read:
    """Read one bank's OFX file: one checking statement, savings balances, kinds.

    Raises:
        ContractViolation: the file cannot be read, has no checking statement or more than
            one, is not in USD, or a sign contradicts its transaction type.
    """
    if len(text) > MAX_OFX_CHARS:
        raise refuse("ofx", Offence.OUT_OF_RANGE, f"at most {MAX_OFX_CHARS} characters")
    ofx = _parse(text)
    statements = [s for s in ofx.statements if type(s).__name__ == "STMTRS"]
    skipped: Counter[str] = Counter()
    for card in (s for s in ofx.statements if type(s).__name__ != "STMTRS"):
        skipped["card_account"] += len(card.transactions)
    for i, statement in enumerate(statements):
        check_currency(statement.curdef, f"STMTRS[{i}].CURDEF")
    ids = [s.account.acctid for s in statements]
    if len(set(ids)) != len(ids):
        raise refuse("STMTRS", Offence.DUPLICATE, "an account's statement is given twice")
    current = [s for s in statements if (s.account.accttype or "") not in SAVINGS_TYPES]
    if len(current) != 1:
        raise refuse(
            "STMTRS",
            Offence.INVALID,
            "send one checking account's statement per connection, with any savings",
        )
    statement = current[0]
    if statement.ledgerbal is None:
        raise refuse("LEDGERBAL", Offence.MISSING, "the checking account's ledger balance")
    savings = Decimal(0)
    for other in statements:
        if other is not statement:
            savings += other.ledgerbal.balamt if other.ledgerbal is not None else 0
            if other.transactions:
                skipped["savings_account"] += len(other.transactions)
    if savings < 0:
        raise refuse("LEDGERBAL", Offence.INVALID, "a savings balance below zero")
    booked: list[Booked] = []
    fields: Counter[str] = Counter()
    times = 0
    for i, t in enumerate(statement.transactions):
        where = f"STMTTRN[{i}]"
        for name in t.spec:
            value = getattr(t, name, None)
            if value is not None and value != "":
                fields[name.upper()] += 1
        amount: Decimal = t.trnamt
        trntype = str(t.trntype)
        if (trntype in _IN and amount < 0) or (trntype in _OUT and amount > 0):
            raise refuse(f"{where}.TRNAMT", Offence.INVALID, "its sign contradicts TRNTYPE")
        cents = int(abs(amount) * 100)
        if cents == 0:
            skipped["zero_amount"] += 1
            continue
        posted: dt.datetime = t.dtposted
        if posted.time() != dt.time(0):
            times += 1
        direction: Literal["credit", "debit"] = "credit" if amount > 0 else "debit"
        kind = _kind(trntype, t.sic, t.name, t.memo, direction)
        booked.append(Booked(str(t.fitid), posted.date(), cents, direction, kind))
    return Read(
        shape=Shape.OFX,
        as_of=statement.ledgerbal.dtasof.date(),
        balance_cents=int(statement.ledgerbal.balamt * 100),
        savings_cents=int(savings * 100),
        booked=booked,
        skipped=skipped,
        fields=fields,
        kept_fields=KEPT,
        times_of_day=times,
    )


def _kind(
    trntype: str, sic: Any, name: str | None, memo: str | None, direction: str
) -> CounterpartyKind:
    if direction == "credit":
        if codes.benefit_payer(name, memo):
            return CounterpartyKind.BENEFITS
        return codes.OFX_CREDITS.get(trntype, CounterpartyKind.TRANSFER)
    if trntype in codes.OFX_DEBITS:
        return codes.OFX_DEBITS[trntype]
    return codes.SIC_DEBITS.get(str(sic or "").strip(), CounterpartyKind.OTHER_SPENDING)

"""One bank's data connected for a person: what the person's route, a lender's and the page do.

``connect`` reads the payload through its shape's adapter, minimises it under the
categories the consents cover, derives the facts, logs the read, stores the sealed
minimised statement and the facts, and returns the answer. ``service/api/bank_data.py``
(the person, under their ``scoring`` consent) and ``service/api/lender.py`` (a lender
acting under the person's ``scoring`` consent and their ``share:<lender>`` consent) both
connect with it. The web UI's connect page (``service/ui/connect.py``) takes the same steps
(``read_bank_data``, ``prepare``, then ``store`` once the person confirms), with the
categories the person ticks. Nothing is written before the data has passed the door, and
a refusal after it rolls the request back, so bad data leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consent import ConsentMissing, DataCategory, Purpose, PurposeKind, gate
from scoring import CONTRACT, extract_parsed, extract_statement
from scoring.contract import FactValue, get_facts, put_facts
from scoring.ingest import Statement, SubjectStatement, put_statement
from scoring.ingest.banks import (
    BANK_CATEGORIES,
    CATEGORY_OF,
    REQUIRED_CATEGORIES,
    Minimised,
    Read,
    minimise,
    read_fdx,
    read_ofx,
    read_open_banking,
)

from ..web.keys import consent_keys, vault
from ..web.sessions import db
from .schemas.bank_data import BankDataIn, BankDataOut, CountedOut


@dataclass(frozen=True)
class Connection:
    """One bank's data, minimised, with the facts of the bank categories derived from it.

    ``facts`` holds every fact of a bank category: ``None`` for one whose category was not
    read, so storing it replaces what was held.
    """

    minimised: Minimised
    facts: dict[str, FactValue]


def read_bank_data(body: BankDataIn) -> Read:
    """Read the one shape ``body`` carries with its adapter.

    Raises:
        scoring.ContractViolation: the adapter refused the data (naming the field).
    """
    if body.fdx is not None:
        return read_fdx(body.fdx)
    if body.openBanking is not None:
        return read_open_banking(body.openBanking)
    return read_ofx(body.ofx or "")


def categories_read(
    subject_id: str, asked: list[DataCategory] | None, *, lender: str | None = None
) -> frozenset[DataCategory]:
    """Return the bank categories the consents cover (and the body asks for).

    Cash flow and income must be among them.

    Raises:
        ConsentMissing: they are not.
    """
    purpose = Purpose(PurposeKind.SCORING)
    covered = gate.covered(db(), subject_id=subject_id, purpose=purpose) & BANK_CATEGORIES
    if lender is not None:
        share = Purpose(PurposeKind.SHARE, lender)
        covered &= gate.covered(db(), subject_id=subject_id, purpose=share)
    if asked is not None:
        covered &= frozenset(asked)
    if not covered >= REQUIRED_CATEGORIES:
        missing = sorted(c.value for c in REQUIRED_CATEGORIES - covered)
        raise ConsentMissing(subject_purpose=str(purpose), missing=missing)
    return frozenset(covered)


def bank_facts(
    statement: dict[str, Any] | Statement, categories: frozenset[DataCategory]
) -> dict[str, FactValue]:
    """Derive the facts of the bank categories from a minimised statement; unread ones None.

    A statement ``minimise`` already validated is extracted as it is; a plain one (the
    page's signed draft) is validated first.
    """
    derived = (
        extract_parsed(statement)
        if isinstance(statement, Statement)
        else extract_statement(statement)
    )
    return {
        f.name: derived.get(f.name) if f.category in categories else None
        for f in CONTRACT
        if f.category in BANK_CATEGORIES
    }


def prepare(read: Read, categories: frozenset[DataCategory]) -> Connection:
    """Minimise what an adapter read to ``categories`` and derive the facts; store nothing.

    Raises:
        scoring.ContractViolation: the data cannot make a statement (see ``minimise``).
    """
    minimised = minimise(read, categories=categories)
    return Connection(minimised=minimised, facts=bank_facts(minimised.parsed, categories))


def store(
    *, subject_id: str, shape: str, statement: dict[str, Any], facts: dict[str, FactValue]
) -> SubjectStatement:
    """Store the minimised statement (sealed, replacing the last) and the bank facts.

    Facts a bank does not carry (the credit bureau's) are kept as held. The caller owns
    the transaction and logs the read.
    """
    held = get_facts(db(), vault=vault(), subject_id=subject_id) or {}
    row = put_statement(
        db(), vault=vault(), subject_id=subject_id, shape=shape, statement=statement
    )
    stored = {f.name: facts.get(f.name, held.get(f.name)) for f in CONTRACT}
    put_facts(db(), vault=vault(), subject_id=subject_id, facts=stored)
    return row


def connect(subject_id: str, body: BankDataIn, *, lender: str | None = None) -> dict[str, Any]:
    """Connect one bank's data for the person and return the answer (see the module).

    Raises:
        ConsentMissing: the consents do not cover cash flow and income.
        scoring.ContractViolation: the data does not pass the door (nothing is stored).
    """
    categories = categories_read(subject_id, body.categories, lender=lender)
    connection = prepare(read_bank_data(body), categories)
    minimised, facts = connection.minimised, connection.facts
    gate.authorize(
        db(),
        keys=consent_keys(),
        actor="subject" if lender is None else f"lender:{lender}",
        subject_id=subject_id,
        purpose=Purpose(PurposeKind.SCORING),
        categories=categories,
        what="bank-data.connect",
    )
    row = store(
        subject_id=subject_id,
        shape=minimised.report["format"],
        statement=minimised.statement,
        facts=facts,
    )
    counted = [
        CountedOut(
            day=c.day.isoformat(),
            amount=c.amount,
            kind=c.kind.value,  # type: ignore[arg-type]
            feeds=[f.name for f in CONTRACT if f.category is CATEGORY_OF[c.kind]],
        )
        for c in minimised.counted
    ]
    out = BankDataOut.model_validate(
        {
            "subject_id": subject_id,
            "recorded_at": row.recorded_at.isoformat(),
            "facts": {k: v for k, v in facts.items() if v is not None},
            "counted": counted,
            "report": minimised.report,
            "disputes": f"/v1/subjects/{subject_id}/disputes",
        }
    )
    return out.model_dump(mode="json")

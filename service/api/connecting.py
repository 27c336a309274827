"""One bank's data connected for a person: what both the person's route and a lender's do.

``connect`` reads the payload through its shape's adapter, minimises it under the
categories the consents cover, derives the facts, logs the read, stores the sealed
minimised statement and the facts, and returns the answer. ``service/api/bank_data.py``
(the person, under their ``scoring`` consent) and ``service/api/lender.py`` (a lender
acting under the person's ``scoring`` consent and their ``share:<lender>`` consent) both
connect with it. Nothing is written before the data has passed the door, and a refusal
after it rolls the request back, so bad data leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

from consent import ConsentMissing, DataCategory, Purpose, PurposeKind, gate
from scoring import CONTRACT, extract_statement
from scoring.contract import get_facts, put_facts
from scoring.ingest import put_statement
from scoring.ingest.banks import (
    BANK_CATEGORIES,
    CATEGORY_OF,
    REQUIRED_CATEGORIES,
    Read,
    minimise,
    read_fdx,
    read_ofx,
    read_open_banking,
)

from ..web.keys import consent_keys, vault
from ..web.sessions import db
from .schemas.bank_data import BankDataIn, BankDataOut, CountedOut


def _read(body: BankDataIn) -> Read:
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


def connect(subject_id: str, body: BankDataIn, *, lender: str | None = None) -> dict[str, Any]:
    """Connect one bank's data for the person and return the answer (see the module).

    Raises:
        ConsentMissing: the consents do not cover cash flow and income.
        scoring.ContractViolation: the data does not pass the door (nothing is stored).
    """
    categories = categories_read(subject_id, body.categories, lender=lender)
    minimised = minimise(_read(body), categories=categories)
    derived = extract_statement(minimised.statement)
    held = get_facts(db(), vault=vault(), subject_id=subject_id) or {}
    facts = {
        f.name: derived.get(f.name) if f.category in categories else None
        for f in CONTRACT
        if f.category in BANK_CATEGORIES
    }
    gate.authorize(
        db(),
        keys=consent_keys(),
        actor="subject" if lender is None else f"lender:{lender}",
        subject_id=subject_id,
        purpose=Purpose(PurposeKind.SCORING),
        categories=categories,
        what="bank-data.connect",
    )
    row = put_statement(
        db(),
        vault=vault(),
        subject_id=subject_id,
        shape=minimised.report["format"],
        statement=minimised.statement,
    )
    stored = {f.name: facts.get(f.name, held.get(f.name)) for f in CONTRACT}
    put_facts(db(), vault=vault(), subject_id=subject_id, facts=stored)
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

"""The data-subject export: everything Fairfile holds about one person, as one document.

The document is a list of sections, each built by one function from an ``ExportContext``.
A capability that starts holding something new about people (decisions, explanations,
reviews) adds its ``Section`` to ``SECTIONS`` and removes its line from ``NOT_HELD``;
``tests/test_export.py`` checks that every section is present and that nothing is both
held and declared not held. The routes serving it are in ``service/api/rights.py``; the
format is described in ``docs/data-rights.md``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.orm import Session

from consent import Consent, ConsentKeys, Enrolment, gate, lifecycle, transparency
from scoring import StatementNotFound
from scoring.contract import CONTRACT, get_facts, recorded_at
from scoring.ingest import get_statement
from scoring.workflow import (
    FactDispute,
    decisions_of,
    disputed_features,
    disputes_of,
    open_decision,
    resolution_of,
    review_out,
    reviews_of,
    statement_of,
)
from store import WRITE, Subject, Vault, utcnow
from synthetic import protected_group

from ..web.keys import consent_keys, vault
from ..web.sessions import db
from .schemas.consents import ConsentOut, EventOut
from .schemas.rights import FORMAT, DisputeOut

PROTECTED_NOTE: Final = (
    "Synthetic, audit-only, never a model input: this attribute was generated with your "
    "synthetic record so the fairness audit can compare outcomes between groups. No score, "
    "model or decision reads it."
)


@dataclass(frozen=True)
class ExportContext:
    """What a section builder may use: the session, the keys, whose export, and when."""

    session: Session
    vault: Vault
    keys: ConsentKeys
    subject_id: str
    now: dt.datetime


@dataclass(frozen=True)
class Section:
    """One part of the export: its key in the document, a heading, and its builder."""

    name: str
    title: str
    about: str
    build: Callable[[ExportContext], Any]


@dataclass(frozen=True)
class NotHeld:
    """Something a reader might expect in the export that Fairfile does not hold."""

    what: str
    note: str


def _subject(ctx: ExportContext) -> dict[str, Any]:
    subject = ctx.session.get(Subject, ctx.subject_id)
    if subject is None:
        raise RuntimeError("bug: an export was built for a subject that does not exist")
    return {
        "id": subject.id,
        "created_at": subject.created_at.isoformat(),
        "origin": subject.origin,
    }


def _enrolment(ctx: ExportContext) -> dict[str, Any] | None:
    enrolment = ctx.session.get(Enrolment, ctx.subject_id)
    if enrolment is None:
        return None
    return {
        "enrolled_at": enrolment.enrolled_at.isoformat(),
        "channel": enrolment.channel,
        "notice_version": enrolment.notice_version,
    }


def _bank_statement(ctx: ExportContext) -> dict[str, Any] | None:
    try:
        shape, when, statement = get_statement(
            ctx.session, vault=ctx.vault, subject_id=ctx.subject_id
        )
    except StatementNotFound:
        return None
    return {"recorded_at": when.isoformat(), "format": shape, "statement": statement}


def _facts(ctx: ExportContext) -> dict[str, Any] | None:
    values = get_facts(ctx.session, vault=ctx.vault, subject_id=ctx.subject_id)
    if values is None:
        return None
    when = recorded_at(ctx.session, ctx.subject_id)
    disputed = disputed_features(ctx.session, ctx.subject_id)
    return {
        "recorded_at": when.isoformat() if when is not None else None,
        "values": [
            {
                "name": f.name,
                "description": f.description,
                "value": values.get(f.name),
                "unit": f.unit,
                "category": f.category.value,
                "disputed": f.name in disputed,
            }
            for f in CONTRACT
        ],
    }


def dispute_out(session: Session, vault: Vault, dispute: FactDispute) -> dict[str, Any]:
    """Return one dispute as its owner sees it (statement and reason opened)."""
    return DisputeOut(
        id=dispute.id,
        feature=dispute.feature,
        state=dispute.state,
        statement=statement_of(session, vault=vault, dispute=dispute),
        opened_at=dispute.opened_at,
        resolved_at=dispute.resolved_at,
        resolved_by=dispute.resolved_by,
        resolution=resolution_of(session, vault=vault, dispute=dispute),
    ).model_dump(mode="json")


def _disputes(ctx: ExportContext) -> list[dict[str, Any]]:
    return [
        dispute_out(ctx.session, ctx.vault, d) for d in disputes_of(ctx.session, ctx.subject_id)
    ]


def _decisions(ctx: ExportContext) -> list[dict[str, Any]]:
    out = []
    for row in decisions_of(ctx.session, ctx.subject_id):
        payload = open_decision(ctx.session, vault=ctx.vault, decision=row)
        out.append({"id": row.id, "created_at": row.created_at.isoformat(), **payload})
    return out


def _reviews(ctx: ExportContext) -> list[dict[str, Any]]:
    return [
        review_out(ctx.session, vault=ctx.vault, review=r)
        for r in reviews_of(ctx.session, subject_id=ctx.subject_id)
    ]


def _consent(ctx: ExportContext, consent: Consent) -> dict[str, Any]:
    out = ConsentOut(
        id=consent.id,
        purpose=consent.purpose,
        categories=sorted(consent.categories),
        state=consent.state(ctx.now),
        notice_version=consent.notice_version,
        period_started_at=consent.period_started_at,
        expires_at=consent.expires_at,
        withdrawn_at=consent.withdrawn_at,
        revision=consent.revision,
    ).model_dump(mode="json")
    out["history"] = [
        EventOut.of(e).model_dump(mode="json") for e in lifecycle.history_of(ctx.session, consent)
    ]
    return out


def _consents(ctx: ExportContext) -> list[dict[str, Any]]:
    return [_consent(ctx, c) for c in lifecycle.consents_of(ctx.session, ctx.subject_id)]


def _receipts(ctx: ExportContext) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "consent_id": r.consent_id,
            "issued_at": r.issued_at.isoformat(),
            "log_entry_id": r.log_entry_id,
            "envelope": json.loads(r.envelope),
        }
        for r in lifecycle.receipts_of(ctx.session, ctx.subject_id)
    ]


def _access_log(ctx: ExportContext) -> list[dict[str, Any]]:
    pseudonym = ctx.keys.pseudonyms.of(ctx.subject_id)
    return [item.as_dict() for item in transparency.history_of(ctx.session, pseudonym)]


def _protected_attribute(ctx: ExportContext) -> dict[str, Any] | None:
    group = protected_group(ctx.session, vault=ctx.vault, subject_id=ctx.subject_id)
    if group is None:
        return None
    return {
        "group": group,
        "synthetic": True,
        "audit_only": True,
        "model_input": False,
        "note": PROTECTED_NOTE,
    }


#: Every section of the export, in document order.
SECTIONS: tuple[Section, ...] = (
    Section("subject", "Your record", "The random identifier that stands for you.", _subject),
    Section("enrolment", "Enrolment", "When and under which notice you joined.", _enrolment),
    Section(
        "facts",
        "Financial facts",
        "The facts derived from the statements you shared, opened from encrypted storage; "
        "a disputed fact is left out of new scores until your dispute is resolved.",
        _facts,
    ),
    Section(
        "bank_statement",
        "Bank statement",
        "All that is kept of the bank data you connected: per booked transaction its day, "
        "amount, direction and kind, sealed under your key.",
        _bank_statement,
    ),
    Section("disputes", "Disputes", "Facts you disputed, your statements, outcomes.", _disputes),
    Section(
        "decisions",
        "Scores, decisions and explanations",
        "Every score and decision made about you, with the inputs used, the consent that "
        "allowed them and the signed explanation exactly as issued.",
        _decisions,
    ),
    Section(
        "reviews",
        "Human reviews",
        "Every review of a decision you asked for, your statement and the reviewer's outcome.",
        _reviews,
    ),
    Section(
        "consents",
        "Consents",
        "Every consent you gave, its state now and every change to it.",
        _consents,
    ),
    Section(
        "receipts",
        "Receipts",
        "The signed consent receipts exactly as issued; verify them with the keys at "
        "/.well-known/jwks.json.",
        _receipts,
    ),
    Section(
        "access_log",
        "Access log",
        "Every transparency-log entry about you (under your pseudonym): consent changes and "
        "reads of your data, including earlier exports.",
        _access_log,
    ),
    Section(
        "audit_protected_attribute",
        "Audit-only protected attribute",
        PROTECTED_NOTE,
        _protected_attribute,
    ),
)

#: What Fairfile does not hold about anyone (yet); a capability that starts holding one of
#: these adds a section above and removes its line here.
NOT_HELD: tuple[NotHeld, ...] = (
    NotHeld(
        "identity",
        "Fairfile never holds your name, address, contact details or any identifier other "
        "than the random one above.",
    ),
    NotHeld(
        "bank_detail",
        "Of the bank data you connect, only each booked transaction's day, amount, direction "
        "and kind is kept (the bank_statement section): never a merchant, a description, a "
        "payee, an account or card number, an address or a time of day.",
    ),
)


def _build_export(
    session: Session, *, vault: Vault, keys: ConsentKeys, subject_id: str, now: dt.datetime
) -> dict[str, Any]:
    """Return the export document of ``subject_id`` (plain JSON values only).

    Raises:
        store.vault.SealError: a stored value does not open; never a partial export.
    """
    ctx = ExportContext(session, vault, keys, subject_id, now)
    document: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "contents": [{"section": s.name, "title": s.title, "about": s.about} for s in SECTIONS],
    }
    for section in SECTIONS:
        document[section.name] = section.build(ctx)
    document["not_held"] = [{"what": n.what, "note": n.note} for n in NOT_HELD]
    return document


def exported(subject_id: str, what: str) -> dict[str, Any]:
    """Build the person's export and log it (committed) before it is handed out."""
    # Build the document in the request's read transaction, then write the export to the
    # log in a transaction of its own (a GET is otherwise rolled back at the request's edge,
    # ADR 0002): the document is handed out only once its log entry committed.
    session = db()
    document = _build_export(
        session, vault=vault(), keys=consent_keys(), subject_id=subject_id, now=utcnow()
    )
    touched = {f.category.value for f in CONTRACT} if document["facts"] is not None else set()
    session.rollback()  # ends the read transaction: nothing read in it is ever written
    with session.begin():
        session.connection(execution_options=WRITE)
        gate.log_read(
            session,
            keys=consent_keys(),
            subject_id=subject_id,
            actor="subject",
            purpose="subject-access",
            categories=touched,
            consent_ids=[],
            what=what,
        )
    return document

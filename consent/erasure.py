"""Erasure: destroy the person's data key, delete every row about them, keep the evidence.

What goes: the person's data key (crypto-shredding: every ciphertext under it, including
copies in backups, becomes noise) and every row that refers to them, through the
``ON DELETE CASCADE`` foreign keys to ``subjects``. What stays, because it is evidence and
names nobody: the transparency-log entries about them, under their pseudonym, which hold
the receipts they were given (so those stay verifiable) and now one more entry recording
the erasure itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, delete, func, select
from sqlalchemy.orm import Session

from store import Base, Subject, Vault, utcnow

from . import transparency
from .errors import ConsentNotFound
from .lifecycle import ConsentKeys


@dataclass(frozen=True)
class ErasureStatement:
    """What an erasure destroyed and what it kept, and why."""

    erased_at: dt.datetime
    pseudonym: str
    destroyed: dict[str, int]
    kept_log_entries: int
    erasure_log_entry_id: int


def _rows_about(session: Session, subject_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        column = _subject_column(table)
        if column is None:
            continue
        n = session.scalar(select(func.count()).select_from(table).where(column == subject_id))
        if n:
            counts[table.name] = int(n)
    return counts


def _subject_column(table: Table) -> Column[Any] | None:
    for fk in table.foreign_keys:
        if fk.column.table.name == "subjects" and fk.column.name == "id":
            return fk.parent
    return None


def erase(
    session: Session,
    *,
    keys: ConsentKeys,
    vault: Vault,
    subject_id: str,
    now: dt.datetime | None = None,
) -> ErasureStatement:
    """Erase the person in the caller's transaction and say exactly what happened."""
    now = now or utcnow()
    if session.get(Subject, subject_id) is None:
        raise ConsentNotFound("no such person")
    pseudonym = keys.pseudonyms.of(subject_id)
    destroyed = _rows_about(session, subject_id)
    vault.shred(session, subject_id=subject_id)
    session.execute(delete(Subject).where(Subject.id == subject_id))
    destroyed["subjects"] = 1
    kept = len(transparency.history_of(session, pseudonym))
    entry = transparency.append(
        session,
        kind="erasure",
        subject_ref=pseudonym,
        leaf={
            "type": "fairfile/erasure/v1",
            "time": now.isoformat(),
            "subject": pseudonym,
            "destroyed": destroyed,
        },
    )
    return ErasureStatement(now, pseudonym, destroyed, kept, entry.entry_id)

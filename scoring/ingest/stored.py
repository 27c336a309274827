"""The table of each subject's minimised bank statement, sealed under their data key.

One row per subject, replaced when they connect a bank again: the closed statement of
``scoring.ingest.statements`` that ``scoring.ingest.banks`` made from their bank's data,
sealed with ``store.vault`` so that the database holds no plaintext of it and erasing the
person's data key turns it into noise.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from store import Base, CreatedAt, Vault, utcnow

from ..errors import StatementNotFound
from .statements import parse_statement

STATEMENTS_TABLE = "subject_statements"


class SubjectStatement(Base):
    """A subject's minimised bank statement (the closed format), sealed; one per subject.

    All that Fairfile keeps of a person's bank data: per booked transaction its day,
    amount, direction and counterparty kind (``scoring.ingest.banks``). It is kept so that
    the facts, their explanations and a dispute of a classification can be derived again.
    """

    __tablename__ = STATEMENTS_TABLE

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    recorded_at: Mapped[CreatedAt]
    shape: Mapped[str] = mapped_column(String(16))
    payload: Mapped[bytes] = mapped_column(LargeBinary)


def put_statement(
    session: Session, *, vault: Vault, subject_id: str, shape: str, statement: Mapping[str, Any]
) -> SubjectStatement:
    """Store (or replace) a subject's minimised statement, sealed."""
    parse_statement(statement)  # only the closed format is ever stored
    data = json.dumps(statement, sort_keys=True).encode()
    sealed = vault.seal(
        session, subject_id=subject_id, table=STATEMENTS_TABLE, column="payload", plaintext=data
    )
    row = session.get(SubjectStatement, subject_id)
    if row is None:
        row = SubjectStatement(subject_id=subject_id, shape=shape, payload=sealed)
        session.add(row)
    else:
        row.shape, row.payload, row.recorded_at = shape, sealed, utcnow()
    session.flush()
    return row


def get_statement(
    session: Session, *, vault: Vault, subject_id: str
) -> tuple[str, dt.datetime, dict[str, Any]]:
    """Return a subject's minimised statement: its shape, when recorded, the statement.

    Raises:
        StatementNotFound: none is held.
        store.SealError: the stored value was tampered with or moved, or the key is gone.
    """
    row = session.get(SubjectStatement, subject_id)
    if row is None:
        raise StatementNotFound("no bank data is held for this person")
    data = vault.open(
        session,
        subject_id=subject_id,
        table=STATEMENTS_TABLE,
        column="payload",
        sealed=row.payload,
    )
    loaded: dict[str, Any] = json.loads(data)
    return row.shape, row.recorded_at, loaded

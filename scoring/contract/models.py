"""The table of each subject's contract facts, sealed under the subject's data key.

One row per subject. The facts travel as one JSON object (feature name -> value, ``null``
where a fact is missing) sealed with ``store.vault``: the database holds no plaintext of a
person's facts, and erasing the person's data key turns the row into noise.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from store import Base, CreatedAt, Vault, put_sealed

from .facts import check_facts

TABLE = "subject_facts"


class SubjectFacts(Base):
    """A subject's facts as the contract defines them, sealed."""

    __tablename__ = TABLE

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    recorded_at: Mapped[CreatedAt]
    payload: Mapped[bytes] = mapped_column(LargeBinary)


def seal_facts(
    session: Session, *, vault: Vault, subject_id: str, facts: Mapping[str, Any]
) -> bytes:
    """Return the sealed payload of a subject's facts (checked against the contract)."""
    checked = check_facts(facts, source="facts")
    plain = dict(checked)
    data = json.dumps(plain, sort_keys=True).encode()
    return vault.seal(session, subject_id=subject_id, table=TABLE, column="payload", plaintext=data)


def put_facts(
    session: Session, *, vault: Vault, subject_id: str, facts: Mapping[str, Any]
) -> SubjectFacts:
    """Store (or replace) a subject's facts, sealed."""
    payload = seal_facts(session, vault=vault, subject_id=subject_id, facts=facts)
    return put_sealed(
        session, SubjectFacts, subject_id=subject_id, column="payload", sealed=payload
    )


def get_facts(session: Session, *, vault: Vault, subject_id: str) -> dict[str, Any] | None:
    """Return a subject's facts, or None if none are held.

    Raises:
        store.vault.SealError: the stored value was tampered with or moved, or the key is
            gone; never wrong data.
    """
    row = session.get(SubjectFacts, subject_id)
    if row is None:
        return None
    data = vault.open(
        session, subject_id=subject_id, table=TABLE, column="payload", sealed=row.payload
    )
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def recorded_at(session: Session, subject_id: str) -> dt.datetime | None:
    """Return when the subject's facts were last recorded."""
    row = session.get(SubjectFacts, subject_id)
    return row.recorded_at if row is not None else None

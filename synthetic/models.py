"""The audit-only table of each synthetic subject's protected attribute, sealed.

AUDIT ONLY. This table exists so the fairness audit can compare outcomes between groups.
It is never joined into a model's inputs, holds nothing but the synthetic attribute
(sealed under the subject's data key like every other value about them), and lives apart
from the facts (``scoring.contract.models.SubjectFacts``) on purpose.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from store import Base, Vault

TABLE = "audit_protected_attributes"


class AuditProtectedAttribute(Base):
    """A synthetic subject's protected group, for the fairness audit only."""

    __tablename__ = TABLE

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    sealed_group: Mapped[bytes] = mapped_column(LargeBinary)


def seal_group(session: Session, *, vault: Vault, subject_id: str, group: str) -> bytes:
    """Return the sealed protected group of a subject."""
    return vault.seal(
        session, subject_id=subject_id, table=TABLE, column="sealed_group", plaintext=group.encode()
    )


def protected_group(session: Session, *, vault: Vault, subject_id: str) -> str | None:
    """Return a subject's protected group (fairness audit only), or None."""
    row = session.get(AuditProtectedAttribute, subject_id)
    if row is None:
        return None
    return vault.open(
        session, subject_id=subject_id, table=TABLE, column="sealed_group", sealed=row.sealed_group
    ).decode()

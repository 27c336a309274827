"""The audit-only table of each synthetic subject's protected attribute.

AUDIT ONLY. This table exists so the fairness audit can compare outcomes between groups.
It is never joined into a model's inputs, holds nothing but the synthetic attribute, and
lives apart from the facts (``scoring.models.SubjectFacts``) on purpose.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from store import Base


class AuditProtectedAttribute(Base):
    """A synthetic subject's protected group, for the fairness audit only."""

    __tablename__ = "audit_protected_attributes"

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    protected_group: Mapped[str] = mapped_column(String(16))

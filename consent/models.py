"""Consent tables: lenders, enrolments, consents, their append-only events and receipts.

A ``Consent`` is one person's permission for one purpose, over a set of data categories,
for one period at a time. Its row holds the current state and is updated in the same
transaction that appends the ``ConsentEvent`` recording the change; ``revision`` counts
the events, and the pair ``(consent_id, revision)`` is unique, so two concurrent changes
can never both land on the same state (one of them is refused and retried by its caller).
Expiry is never written by a job: a consent whose ``expires_at`` has passed is expired
when it is read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from store import Base, CreatedAt, UuidPk, new_id

from .categories import DataCategory


class CategorySet(TypeDecorator[frozenset[DataCategory]]):
    """A set of data categories, stored as their sorted values joined by commas."""

    impl = String(120)
    cache_ok = True

    def process_bind_param(self, value: frozenset[DataCategory] | None, dialect: Dialect) -> Any:
        """Store the sorted values."""
        if value is None:
            return None
        return ",".join(sorted(DataCategory(v).value for v in value))

    def process_result_value(self, value: Any, dialect: Dialect) -> frozenset[DataCategory] | None:
        """Read the values back as members."""
        if value is None:
            return None
        return frozenset(DataCategory(v) for v in str(value).split(",") if v)


class Lender(Base):
    """A lender people may share their score and decision with."""

    __tablename__ = "lenders"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[CreatedAt]


class Enrolment(Base):
    """A person's explicit act of joining Fairfile, under a versioned notice."""

    __tablename__ = "enrolments"

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    enrolled_at: Mapped[dt.datetime]
    channel: Mapped[str] = mapped_column(String(8))
    notice_version: Mapped[str] = mapped_column(String(32))

    __table_args__ = (CheckConstraint("channel IN ('api', 'ui')", name="channel"),)


class Consent(Base):
    """One person's current permission for one purpose."""

    __tablename__ = "consents"

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(48))
    categories: Mapped[frozenset[DataCategory]] = mapped_column(CategorySet())
    notice_version: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    period_started_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column()
    created_at: Mapped[CreatedAt]

    __table_args__ = (
        UniqueConstraint("subject_id", "purpose", name="uq_consents_subject_purpose"),
        CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by IS NULL)", name="withdrawn_pair"),
        CheckConstraint("expires_at > period_started_at", name="period_order"),
        CheckConstraint("categories <> ''", name="some_category"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        Index("ix_consents_purpose_expires", "purpose", "expires_at"),
    )
    # Every UPDATE says WHERE revision = <the revision read>: a concurrent change makes it
    # match no row, and SQLAlchemy raises instead of overwriting (the caller bumps it).
    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}  # noqa: RUF012

    def state(self, now: dt.datetime) -> str:
        """Return ``active``, ``withdrawn`` or ``expired`` at ``now``."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        return "active" if now < self.expires_at else "expired"


class ConsentEvent(Base):
    """One change to a consent; never updated or deleted while the person is known."""

    __tablename__ = "consent_events"

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    consent_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("consents.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8))
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    purpose: Mapped[str] = mapped_column(String(48))
    categories: Mapped[frozenset[DataCategory]] = mapped_column(CategorySet())
    notice_version: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[dt.datetime | None]
    receipt_id: Mapped[str] = mapped_column(String(36), unique=True)

    __table_args__ = (
        UniqueConstraint("consent_id", "revision", name="uq_consent_events_consent_revision"),
        CheckConstraint("kind IN ('grant', 'renew', 'withdraw')", name="kind"),
        CheckConstraint("channel IN ('api', 'ui')", name="channel"),
        CheckConstraint("(kind = 'withdraw') = (expires_at IS NULL)", name="expiry_pair"),
    )


class Receipt(Base):
    """The signed receipt handed out for one consent event."""

    __tablename__ = "receipts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    consent_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("consents.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[dt.datetime]
    envelope: Mapped[str] = mapped_column(Text)
    log_entry_id: Mapped[int] = mapped_column(ForeignKey("log_entries.id"), unique=True)

"""The ledger's tables: per-subject spend, in total and per allocation; releases; versions.

Amounts are zCDP rho in integer units of 10**-12 (``dp.loss.UNITS_PER_RHO``), rounded up
when a cost is converted: integer arithmetic is exact on every engine, and SQL can add
and compare it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from store import Base, CreatedAt, UuidPk, new_id


class PrivacyAccount(Base):
    """What one person has spent of their privacy budget, over every release they were in."""

    __tablename__ = "privacy_accounts"
    __table_args__ = (CheckConstraint("spent_units >= 0", name="spent_non_negative"),)

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    spent_units: Mapped[int] = mapped_column(BigInteger, default=0)
    releases: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime]


class AllocationAccount(Base):
    """What one person has spent through one budget allocation (``dp.allocations``)."""

    __tablename__ = "privacy_allocation_accounts"
    __table_args__ = (CheckConstraint("spent_units >= 0", name="spent_non_negative"),)

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    allocation: Mapped[str] = mapped_column(String(48), primary_key=True)
    spent_units: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime]


class LedgerLock(Base):
    """The one row every release locks first, so releases are charged one at a time."""

    __tablename__ = "privacy_ledger"
    __table_args__ = (CheckConstraint("id = 1", name="singleton"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    releases: Mapped[int] = mapped_column(Integer, default=0)


class Release(Base):
    """One DP release: who asked, what, how, what it cost, and what came out.

    ``status`` is ``reserved`` from the moment the cost is charged (and committed) until
    the result is stored (``released``). A reservation that never gets a result stays
    charged: a failed release is never refunded.
    """

    __tablename__ = "privacy_releases"
    __table_args__ = (
        CheckConstraint("status IN ('reserved', 'released')", name="status"),
        CheckConstraint("(status = 'released') = (released_at IS NOT NULL)", name="result_pair"),
        CheckConstraint("cost_units >= 0 AND members >= 0", name="amounts"),
        Index("ix_privacy_releases_fingerprint_status", "fingerprint", "status"),
    )

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    created_at: Mapped[CreatedAt]
    actor: Mapped[str] = mapped_column(String(64))
    #: the allocation it spent from (``dp.allocations``); null before allocations and for
    #: a lender's own file, which is not charged to anyone's budget
    allocation: Mapped[str | None] = mapped_column(String(48))
    purpose: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    members: Mapped[int] = mapped_column(Integer)
    mechanism: Mapped[dict[str, Any]] = mapped_column(JSON)
    cost_units: Mapped[int] = mapped_column(BigInteger)
    cost_rho: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    released_at: Mapped[dt.datetime | None]


class ModelVersion(Base):
    """A scoring model fit from DP releases, with its model card; at most one is active.

    ``source`` is ``contract`` for a model of the feature contract (trained on Fairfile's
    consenting subjects or a synthetic folder), ``own-data`` for one trained on a lender's
    own file with its mapping's features (``dp.own_data.training``): such a model belongs to
    ``lender_id`` (``None`` when an operator trained it from the command line) and is
    never active, so it never scores Fairfile's own subjects.
    """

    __tablename__ = "model_versions"
    __table_args__ = (
        CheckConstraint("source IN ('contract', 'own-data')", name="source"),
        CheckConstraint("source = 'contract' OR NOT active", name="own_data_never_active"),
        Index(
            "ix_model_versions_one_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[CreatedAt]
    active: Mapped[bool] = mapped_column(default=False)
    release_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("privacy_releases.id", ondelete="RESTRICT")
    )
    card: Mapped[dict[str, Any]] = mapped_column(JSON)
    points: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16), default="contract", server_default="contract")
    lender_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("lenders.id", ondelete="RESTRICT"), index=True
    )

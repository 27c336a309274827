"""Rectification: a person disputes a fact; until resolved it is left out of new scores.

A dispute names one feature and carries the person's statement (sealed, like every value
about them). A reviewer resolves it: ``upheld`` with a corrected value (the fact is
rewritten) or ``rejected`` with a reason. Paired fields (``resolved_at`` with
``resolved_by`` and ``outcome``) are kept consistent by the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from store import Base, UuidPk, Vault, new_id, utcnow

from ..contract import FEATURES, get_facts, put_facts
from ..errors import ContractViolation, DisputeError, FieldProblem, Offence

TABLE = "fact_disputes"
Outcome = Literal["upheld", "rejected"]


class FactDispute(Base):
    """One disputed fact."""

    __tablename__ = TABLE

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    feature: Mapped[str] = mapped_column(String(48))
    statement: Mapped[bytes] = mapped_column(LargeBinary)
    opened_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(8))
    resolution: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (
        CheckConstraint(
            "(resolved_at IS NULL) = (resolved_by IS NULL) AND "
            "(resolved_at IS NULL) = (outcome IS NULL) AND "
            "(resolved_at IS NULL) = (resolution IS NULL)",
            name="resolution_fields",
        ),
        CheckConstraint("outcome IS NULL OR outcome IN ('upheld', 'rejected')", name="outcome"),
    )

    @property
    def state(self) -> str:
        """``open``, ``upheld`` or ``rejected``."""
        return self.outcome or "open"


def open_dispute(
    session: Session, *, vault: Vault, subject_id: str, feature: str, statement: str
) -> FactDispute:
    """Flag one of the person's facts as disputed, with their statement."""
    if feature not in FEATURES:
        raise ContractViolation(
            [FieldProblem(feature, Offence.UNKNOWN, "not a feature of the contract")],
            source="dispute",
        )
    if get_facts(session, vault=vault, subject_id=subject_id) is None:
        raise DisputeError("no facts are held about this person, so none can be disputed")
    if feature in disputed_features(session, subject_id):
        raise DisputeError(f"{feature} is already disputed; wait for the review")
    dispute = FactDispute(subject_id=subject_id, feature=feature, opened_at=utcnow())
    dispute.statement = vault.seal(
        session,
        subject_id=subject_id,
        table=TABLE,
        column="statement",
        plaintext=statement.encode(),
    )
    session.add(dispute)
    session.flush()
    return dispute


def resolve_dispute(
    session: Session,
    *,
    vault: Vault,
    dispute_id: str,
    reviewer: str,
    outcome: Outcome,
    reason: str,
    corrected_value: float | None = None,
) -> FactDispute:
    """Resolve a dispute; an upheld one rewrites the fact with ``corrected_value``."""
    dispute = session.get(FactDispute, dispute_id)
    if dispute is None:
        raise DisputeError("no such dispute")
    if dispute.outcome is not None:
        raise DisputeError(f"the dispute is already {dispute.outcome}")
    if outcome == "upheld":
        facts = get_facts(session, vault=vault, subject_id=dispute.subject_id) or {}
        facts[dispute.feature] = corrected_value
        put_facts(session, vault=vault, subject_id=dispute.subject_id, facts=facts)
    # Sealed before any field changes: sealing may query (and so autoflush), and the
    # database refuses a half-resolved row.
    resolution = vault.seal(
        session,
        subject_id=dispute.subject_id,
        table=TABLE,
        column="resolution",
        plaintext=reason.encode(),
    )
    dispute.resolved_at = utcnow()
    dispute.resolved_by = reviewer
    dispute.outcome = outcome
    dispute.resolution = resolution
    session.flush()
    return dispute


def disputes_of(session: Session, subject_id: str) -> Sequence[FactDispute]:
    """Return every dispute of the person, oldest first."""
    return session.scalars(
        select(FactDispute)
        .where(FactDispute.subject_id == subject_id)
        .order_by(FactDispute.opened_at, FactDispute.id)
    ).all()


def disputed_features(session: Session, subject_id: str) -> frozenset[str]:
    """Return the features under an open dispute: new scores leave them out."""
    rows = session.scalars(
        select(FactDispute.feature).where(
            FactDispute.subject_id == subject_id, FactDispute.resolved_at.is_(None)
        )
    ).all()
    return frozenset(rows)


def statement_of(session: Session, *, vault: Vault, dispute: FactDispute) -> str:
    """Return the person's statement in a dispute."""
    return vault.open(
        session,
        subject_id=dispute.subject_id,
        table=TABLE,
        column="statement",
        sealed=dispute.statement,
    ).decode()


def resolution_of(session: Session, *, vault: Vault, dispute: FactDispute) -> str | None:
    """Return the reviewer's reason, once resolved."""
    if dispute.resolution is None:
        return None
    return vault.open(
        session,
        subject_id=dispute.subject_id,
        table=TABLE,
        column="resolution",
        sealed=dispute.resolution,
    ).decode()

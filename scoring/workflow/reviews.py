"""Human review of a decision: the person's point of view, a reviewer's outcome.

The person opens a review of one of their decisions with a statement (GDPR Art. 22(3):
human intervention, a point of view, contest). A reviewer resolves it: ``upheld`` (the
decision stands) or ``overridden`` with the decision that replaces it (EU AI Act Art. 14).
The decision row itself never changes; its effective outcome is the last override.
Statement and resolution are sealed like every value about a person; paired fields are kept
consistent by the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, Final, Literal

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from store import Base, UuidPk, Vault, new_id, utcnow

from ..errors import ReviewError
from .decisions import Decision

TABLE: Final = "decision_reviews"
ReviewOutcome = Literal["upheld", "overridden"]
#: What a reviewer may override a decision to.
OVERRIDES: Final = ("approve", "refer", "decline")


class DecisionReview(Base):
    """One human review of a decision."""

    __tablename__ = TABLE

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    decision_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    opened_at: Mapped[dt.datetime]
    statement: Mapped[bytes] = mapped_column(LargeBinary)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (
        CheckConstraint(
            "(resolved_at IS NULL) = (resolved_by IS NULL) AND "
            "(resolved_at IS NULL) = (resolution IS NULL)",
            name="resolution_fields",
        ),
    )

    @property
    def state(self) -> str:
        """``open`` or ``resolved``."""
        return "open" if self.resolved_at is None else "resolved"


def open_review(
    session: Session, *, vault: Vault, decision: Decision, statement: str
) -> DecisionReview:
    """Open a review of ``decision`` with the person's statement."""
    if any(r.resolved_at is None for r in reviews_of(session, decision_id=decision.id)):
        raise ReviewError("this decision already has an open review; wait for its outcome")
    review = DecisionReview(
        decision_id=decision.id,
        subject_id=decision.subject_id,
        opened_at=utcnow(),
        statement=vault.seal(
            session,
            subject_id=decision.subject_id,
            table=TABLE,
            column="statement",
            plaintext=statement.encode(),
        ),
    )
    session.add(review)
    session.flush()
    return review


def resolve_review(
    session: Session,
    *,
    vault: Vault,
    review_id: str,
    reviewer: str,
    outcome: ReviewOutcome,
    reason: str,
    decision: str | None = None,
) -> DecisionReview:
    """Record a reviewer's outcome; ``overridden`` names the decision that replaces it."""
    review = session.get(DecisionReview, review_id)
    if review is None:
        raise ReviewError("no such review")
    if review.resolved_at is not None:
        raise ReviewError("the review is already resolved")
    if (outcome == "overridden") != (decision is not None):
        raise ReviewError("an override names the new decision; an upheld review names none")
    if decision is not None and decision not in OVERRIDES:
        raise ReviewError(f"a decision is one of {', '.join(OVERRIDES)}")
    if not reason.strip():
        raise ReviewError("a resolution says why")
    plain = json.dumps({"outcome": outcome, "decision": decision, "reason": reason})
    sealed = vault.seal(
        session,
        subject_id=review.subject_id,
        table=TABLE,
        column="resolution",
        plaintext=plain.encode(),
    )
    review.resolved_at = utcnow()
    review.resolved_by = reviewer
    review.resolution = sealed
    session.flush()
    return review


def reviews_of(
    session: Session, *, decision_id: str | None = None, subject_id: str | None = None
) -> Sequence[DecisionReview]:
    """Return the reviews of a decision or of a person (or all), oldest first."""
    query = select(DecisionReview).order_by(DecisionReview.opened_at, DecisionReview.id)
    if decision_id is not None:
        query = query.where(DecisionReview.decision_id == decision_id)
    if subject_id is not None:
        query = query.where(DecisionReview.subject_id == subject_id)
    return session.scalars(query).all()


def review_out(session: Session, *, vault: Vault, review: DecisionReview) -> dict[str, Any]:
    """Return a review with its statement and resolution opened."""
    statement = vault.open(
        session,
        subject_id=review.subject_id,
        table=TABLE,
        column="statement",
        sealed=review.statement,
    ).decode()
    resolution: dict[str, Any] | None = None
    if review.resolution is not None:
        resolution = json.loads(
            vault.open(
                session,
                subject_id=review.subject_id,
                table=TABLE,
                column="resolution",
                sealed=review.resolution,
            )
        )
    return {
        "id": review.id,
        "decision_id": review.decision_id,
        "state": review.state,
        "statement": statement,
        "opened_at": review.opened_at.isoformat(),
        "resolved_at": review.resolved_at.isoformat() if review.resolved_at else None,
        "resolved_by": review.resolved_by,
        "resolution": resolution,
    }


def effective_decision(
    session: Session, *, vault: Vault, decision_id: str, original: str
) -> tuple[str, str | None]:
    """Return the decision in force (the last override, else ``original``) and its review."""
    current, by = original, None
    for review in reviews_of(session, decision_id=decision_id):
        out = review_out(session, vault=vault, review=review)
        resolution = out["resolution"] or {}
        if resolution.get("outcome") == "overridden":
            current, by = str(resolution["decision"]), review.id
    return current, by

"""Decisions a lender asked for, made once per idempotency key, and the part it may see.

A lender asks for a decision about a person who shared with it (purpose
``share:<lender>``). The decision is made in the steps of ``scoring.workflow.decisions``
(the scoring gate, actor ``lender:<id>``) from the categories both the scoring consent
and the share cover (the share's notice: the lender reads a decision "computed from the
data categories you tick"), and the request is recorded under the lender's idempotency
key (``store_lender_decision``; ``request_decision`` runs every step in one transaction):
a retry with the same key and the same request returns the decision already made, never
a second one; the same key with a different request is refused. A
lender reads only decisions it asked for, and only the shared part of the explanation
(``shared_part``): the lines and reasons whose data category the share covers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from consent import ConsentKeys, DataCategory
from store import Base, UuidPk, Vault, new_id, utcnow

from ..card import Scorecard
from ..contract import FEATURES
from ..errors import DecisionError, DecisionNotFound, IdempotencyConflict
from .decisions import (
    Decided,
    Decision,
    Policy,
    decided_in_one,
    store_decision,
)

#: What the lender sees of the explanation, besides the shared lines and reasons.
_PLAIN: Final = (
    "decision_id",
    "issued_at",
    "model_version",
    "decision",
    "score",
    "range",
    "cut_off",
    "refer_band",
    "insufficient_data",
    "logic",
    "accuracy",
)


class LenderRequest(Base):
    """One decision request of a lender, under its idempotency key."""

    __tablename__ = "lender_requests"

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    lender_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("lenders.id", ondelete="CASCADE"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(128))
    request_digest: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    decision_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime]

    __table_args__ = (
        UniqueConstraint("lender_id", "idempotency_key", name="uq_lender_requests_key"),
    )


def request_digest(subject_id: str, policy: Policy) -> str:
    """Return the digest that identifies a request (the person and the policy).

    >>> request_digest("s", Policy(550, 0, "acme")) == request_digest("s", Policy(550, 0, "acme"))
    True
    """
    body = {"subject": subject_id, "cut_off": policy.cut_off, "refer_band": policy.refer_band}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def earlier_decision(
    session: Session, *, lender_id: str, idempotency_key: str, subject_id: str, policy: Policy
) -> Decision | None:
    """Return the decision already made under this idempotency key (a retry), if any.

    Raises:
        IdempotencyConflict: the key was used for a different request.
    """
    earlier = session.scalars(
        select(LenderRequest).where(
            LenderRequest.lender_id == lender_id,
            LenderRequest.idempotency_key == idempotency_key,
        )
    ).first()
    if earlier is None:
        return None
    if earlier.request_digest != request_digest(subject_id, policy):
        raise IdempotencyConflict(
            "this Idempotency-Key was used for a different request; use a new key"
        )
    return decision_for(
        session, lender_id=lender_id, subject_id=subject_id, decision_id=earlier.decision_id
    )


def store_lender_decision(
    session: Session, *, vault: Vault, decided: Decided, idempotency_key: str
) -> Decision:
    """Store a decision a lender asked for, and its request under the idempotency key.

    The lender is the one the decision names (``make_decision`` took it from the read).

    Raises:
        IdempotencyConflict: a request with the same key was stored meanwhile (in flight).
        DecisionError: the decision names no lender.
    """
    lender_id = decided.policy.lender
    if lender_id is None:
        raise DecisionError("a decision a lender asked for names the lender")
    row = store_decision(session, vault=vault, decided=decided)
    record = LenderRequest(
        lender_id=lender_id,
        idempotency_key=idempotency_key,
        request_digest=request_digest(decided.subject_id, decided.policy),
        subject_id=decided.subject_id,
        decision_id=row.id,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        raise IdempotencyConflict(
            "a request with this Idempotency-Key is in flight; retry it in a moment"
        ) from None
    return row


def request_decision(
    session: Session,
    *,
    vault: Vault,
    keys: ConsentKeys,
    lender_id: str,
    idempotency_key: str,
    subject_id: str,
    card: Scorecard,
    model_card: Mapping[str, Any],
    policy: Policy,
) -> tuple[Decision, bool]:
    """Return the decision for this request and whether it was made now (else replayed).

    The steps in the caller's one transaction: a retry's decision, else the three steps of
    a decision (``scoring.workflow.decisions``) as actor ``lender:<id>``, stored with the
    request. The API commits between them (ADR 0016).

    Raises:
        IdempotencyConflict: the key was used for a different request, or is in flight.
        ConsentMissing: no active scoring consent (from ``authorize_decision``).
    """
    policy = dataclasses.replace(policy, lender=lender_id)
    earlier = earlier_decision(
        session,
        lender_id=lender_id,
        idempotency_key=idempotency_key,
        subject_id=subject_id,
        policy=policy,
    )
    if earlier is not None:
        return earlier, False
    decided = decided_in_one(
        session,
        vault=vault,
        keys=keys,
        subject_id=subject_id,
        card=card,
        model_card=model_card,
        policy=policy,
        lender=lender_id,
    )
    row = store_lender_decision(
        session, vault=vault, decided=decided, idempotency_key=idempotency_key
    )
    return row, True


def decision_for(
    session: Session, *, lender_id: str, subject_id: str, decision_id: str
) -> Decision:
    """Return a decision the lender asked for about this person.

    Raises:
        DecisionNotFound: the lender did not ask for it (or it is not this person's).
    """
    found = session.scalars(
        select(Decision)
        .join(LenderRequest, LenderRequest.decision_id == Decision.id)
        .where(
            LenderRequest.lender_id == lender_id,
            Decision.id == decision_id,
            Decision.subject_id == subject_id,
        )
    ).first()
    if found is None:
        raise DecisionNotFound("no such decision")
    return found


def decisions_for(session: Session, *, lender_id: str, subject_id: str) -> Sequence[Decision]:
    """Return the decisions the lender asked for about this person, oldest first."""
    return session.scalars(
        select(Decision)
        .join(LenderRequest, LenderRequest.decision_id == Decision.id)
        .where(LenderRequest.lender_id == lender_id, Decision.subject_id == subject_id)
        .order_by(Decision.created_at, Decision.id)
    ).all()


def shared_part(explanation: Mapping[str, Any], shared: frozenset[DataCategory]) -> dict[str, Any]:
    """Return the part of an explanation document that the share's categories cover.

    Lines and reasons of a category the person did not share are left out, and so are the
    person's id, their recourse and their rights (which are theirs, not the lender's).
    """
    names = {c.value for c in shared}
    part = {k: explanation.get(k) for k in _PLAIN}
    points = explanation.get("points") or {}
    part["shared_categories"] = sorted(names)
    part["features"] = [f for f in points.get("features", []) if f.get("category") in names]
    part["reasons"] = [
        r
        for r in explanation.get("reasons", [])
        if r.get("feature") in FEATURES and FEATURES[r["feature"]].category.value in names
    ]
    return part

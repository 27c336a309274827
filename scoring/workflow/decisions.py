"""Decisions: a score against a cut-off, stored sealed and never changed, with its explanation.

``decide`` passes the consent gate for purpose ``scoring`` over the categories the
person's scoring consent covers, reads their facts, scores them (or finds that it cannot:
``insufficient_data``), compares the score with the cut-off (``refer`` when a refer band
is set and the score falls in it), builds the explanation and has it signed. Everything
about the person (inputs used, score, decision, consent ids, the signed explanation) is
one sealed payload; only the id, the person, the time and the model version are plain.

A decision is immutable: the ORM refuses any update of a stored row, and a human review
records its outcome beside the decision (``scoring.workflow.reviews``), never over it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, event, select
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column

from consent import DataCategory, gate
from consent.errors import ConsentMissing
from consent.lifecycle import ConsentKeys
from consent.purposes import Purpose, PurposeKind
from store import Base, UuidPk, new_id, utcnow
from store.vault import Vault

from ..card import Scorecard, Status, build_explanation, insufficient_data, score
from ..contract import CONTRACT, get_facts
from ..errors import DecisionError, DecisionNotFound
from .disputes import disputed_features

TABLE: Final = "decisions"
#: The cut-off when the lender sets none: odds of 9 repayments to 1 default (about a 10%
#: estimated default probability) on the standard scaling.
DEFAULT_CUT_OFF: Final = 550
#: No refer band unless one is asked for.
DEFAULT_REFER_BAND: Final = 0


class Decision(Base):
    """One decision about a person; everything about them in ``payload``, sealed."""

    __tablename__ = TABLE

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime]
    model_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


@event.listens_for(Decision, "before_update")
def _refuse_update(_mapper: Mapper[Any], _connection: Any, target: Decision) -> None:
    raise DecisionError(f"decision {target.id} is immutable; a review records changes")


class Phases(Protocol):
    """Where a caller may end one transaction and begin the next while a decision is made.

    A decision writes twice: the consent check's log entry, then the decision. Around and
    between them it only reads and computes (facts, score, explanation, signature), which
    is most of its time. A caller on SQLite, which admits one writer at a time, begins its
    write at ``authorizing``, commits the log entry at ``authorized`` and begins its write
    again at ``ready_to_store``, so other writers are not held up by the computing. The
    read is logged and committed before any data is read; if the decision then fails, the
    log still says, truthfully, that the read happened.
    """

    def authorizing(self) -> None:
        """The consent check and its log entry follow; the caller gets ready to write."""

    def authorized(self) -> None:
        """The read is allowed and logged; the caller may commit now."""

    def ready_to_store(self) -> None:
        """The decision is built; the caller makes its transaction ready to write."""


class OneTransaction:
    """Everything in the caller's one transaction (commands, tests, the web UI)."""

    def authorizing(self) -> None:
        """Nothing to do: the caller's transaction goes on."""

    def authorized(self) -> None:
        """Nothing to do: the caller's transaction goes on."""

    def ready_to_store(self) -> None:
        """Nothing to do: the caller's transaction goes on."""


@dataclass(frozen=True)
class Policy:
    """The lender's cut-off and refer band (points below the cut-off that are referred).

    ``lender`` is set only for a decision a lender asked for with its own key
    (``scoring.workflow.lending.request_decision`` sets it from the key); a person's own decision
    names none, so no signed explanation names a lender that did not ask.
    """

    cut_off: int = DEFAULT_CUT_OFF
    refer_band: int = DEFAULT_REFER_BAND
    lender: str | None = None

    def outcome(self, value: int) -> str:
        """Return ``approve``, ``refer`` or ``decline`` for a score.

        >>> Policy(550, 20).outcome(550), Policy(550, 20).outcome(530), Policy(550).outcome(549)
        ('approve', 'refer', 'decline')
        """
        if value >= self.cut_off:
            return "approve"
        if value >= self.cut_off - self.refer_band:
            return "refer"
        return "decline"


def decide(
    session: Session,
    *,
    vault: Vault,
    keys: ConsentKeys,
    subject_id: str,
    card: Scorecard,
    model_card: Mapping[str, Any],
    policy: Policy,
    actor: str = "subject",
    within: frozenset[DataCategory] | None = None,
    now: dt.datetime | None = None,
    phases: Phases | None = None,
) -> tuple[Decision, dict[str, Any]]:
    """Score the person under their scoring consent and store the decision, sealed.

    ``within`` narrows the categories used further (a lender's decision uses only what the
    person shares with that lender). ``phases`` lets the caller split the work into
    transactions (see ``Phases``; default: one). Returns the stored row and its opened
    payload.

    Raises:
        ConsentMissing: no active scoring consent covers any of the contract's categories.
    """
    now = now or utcnow()
    purpose = Purpose(PurposeKind.SCORING)
    held = {f.category for f in CONTRACT}
    allowed = gate.covered(session, subject_id=subject_id, purpose=purpose, now=now) & held
    if within is not None:
        allowed &= within
    if not allowed:
        raise ConsentMissing(subject_purpose=str(purpose), missing=sorted(c.value for c in held))
    phases = phases or OneTransaction()
    phases.authorizing()
    authorization = gate.authorize(
        session,
        keys=keys,
        actor=actor,
        subject_id=subject_id,
        purpose=purpose,
        categories=allowed,
        what="decision",
        now=now,
    )
    phases.authorized()
    consent_id = authorization.consent_ids[0]
    facts = get_facts(session, vault=vault, subject_id=subject_id)
    disputed = disputed_features(session, subject_id)
    missing = insufficient_data(facts, allowed=allowed, disputed=disputed)
    scored = None
    if not missing and facts is not None:
        scored = score(card, facts, allowed=allowed, disputed=disputed)
    outcome = policy.outcome(scored.score) if scored is not None else "insufficient_data"
    decision_id = new_id()
    explanation = build_explanation(
        decision_id=decision_id,
        subject_id=subject_id,
        issued_at=now,
        card=card,
        model_card=model_card,
        scored=scored,
        insufficient=missing,
        outcome=outcome,
        cut_off=policy.cut_off,
        refer_band=policy.refer_band,
        allowed=frozenset(allowed),
        consent_id=consent_id,
        lender=policy.lender,
    )
    lines = scored.lines if scored is not None else ()
    inputs = {line.name: line.value for line in lines if line.status is Status.USED}
    payload = {
        "decision": outcome,
        "score": scored.score if scored is not None else None,
        "cut_off": policy.cut_off,
        "refer_band": policy.refer_band,
        "lender": policy.lender,
        "model_version": card.version,
        "consent_ids": list(authorization.consent_ids),
        "log_entry_id": authorization.log_entry_id,
        "inputs_used": inputs,
        "explanation": keys.keyring.sign(explanation),
    }
    phases.ready_to_store()
    row = Decision(
        id=decision_id,
        subject_id=subject_id,
        created_at=now,
        model_version=card.version,
        payload=_seal(session, vault, subject_id, payload),
    )
    session.add(row)  # flushed with the caller's next query or commit
    return row, payload


def _seal(session: Session, vault: Vault, subject_id: str, payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, sort_keys=True).encode()
    return vault.seal(session, subject_id=subject_id, table=TABLE, column="payload", plaintext=data)


def open_decision(session: Session, *, vault: Vault, decision: Decision) -> dict[str, Any]:
    """Return a decision's sealed payload, opened."""
    data = vault.open(
        session,
        subject_id=decision.subject_id,
        table=TABLE,
        column="payload",
        sealed=decision.payload,
    )
    opened: dict[str, Any] = json.loads(data)
    return opened


def decision_of(session: Session, *, subject_id: str, decision_id: str) -> Decision:
    """Return the person's decision ``decision_id``.

    Raises:
        DecisionNotFound: there is none, or it is somebody else's.
    """
    row = session.get(Decision, decision_id)
    if row is None or row.subject_id != subject_id:
        raise DecisionNotFound("no such decision")
    return row


def decisions_of(session: Session, subject_id: str) -> Sequence[Decision]:
    """Return every decision about the person, oldest first."""
    return session.scalars(
        select(Decision)
        .where(Decision.subject_id == subject_id)
        .order_by(Decision.created_at, Decision.id)
    ).all()

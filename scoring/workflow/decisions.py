"""Decisions: a score against a cut-off, stored sealed and never changed, with its explanation.

A decision is made in three steps, each a function, so a caller can end one transaction
and begin the next between them, as the statistics do with ``reserve_statistic`` and
``run_statistic`` (ADR 0016):

1. ``authorize_decision`` passes the consent gate for purpose ``scoring`` over the
   categories the person's scoring consent covers (and, for a lender, shares with it:
   ``decision_categories``, which only reads) and writes the read to the transparency
   log;
2. ``make_decision`` reads the facts, scores them (or finds that it cannot:
   ``insufficient_data``), compares the score with the cut-off (``refer`` when a refer
   band is set and the score falls in it), builds the explanation and has it signed; it
   only reads;
3. ``store_decision`` seals it and adds it to the session.

``decide`` runs the three in one transaction. Everything about the person (inputs used,
score, decision, consent ids, the signed explanation) is one sealed payload; only the id,
the person, the time and the model version are plain.

A decision is immutable: the ORM refuses any update of a stored row, and a human review
records its outcome beside the decision (``scoring.workflow.reviews``), never over it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, event, select
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column

from consent import ConsentKeys, ConsentMissing, DataCategory, Purpose, PurposeKind, gate
from store import Base, UuidPk, Vault, new_id, utcnow

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


@dataclass(frozen=True)
class Policy:
    """The lender's cut-off and refer band (points below the cut-off that are referred).

    ``lender`` is set only for a decision a lender asked for with its own key:
    ``make_decision`` takes it from the authorized read, whatever the caller passed, so a
    person's own decision names none and no signed explanation names a lender that did not
    ask.
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


@dataclass(frozen=True)
class Authorized:
    """A read of the person's facts that the consent gate allowed and the log recorded.

    ``lender`` names the lender whose key asked (``None``: the person asked), and it is
    the lender the signed explanation names, whatever policy the caller passes later.
    """

    subject_id: str
    lender: str | None
    categories: frozenset[DataCategory]
    consent_ids: tuple[str, ...]
    log_entry_id: int
    at: dt.datetime


@dataclass(frozen=True)
class Decided:
    """A decision built, explained and signed, not stored yet (``store_decision``)."""

    id: str
    subject_id: str
    created_at: dt.datetime
    model_version: int
    policy: Policy
    payload: dict[str, Any]


def decision_categories(
    session: Session, *, subject_id: str, lender: str | None = None, now: dt.datetime | None = None
) -> frozenset[DataCategory]:
    """Return the categories a decision may read: what it only reads before it writes.

    Those the person's scoring consent covers; for a lender's decision (``lender`` set),
    only those the person also shares with that lender (purpose ``share:<lender>``).

    Raises:
        ConsentMissing: no active scoring consent covers any of the contract's categories.
    """
    now = now or utcnow()
    purpose = Purpose(PurposeKind.SCORING)
    held = {f.category for f in CONTRACT}
    allowed = gate.covered(session, subject_id=subject_id, purpose=purpose, now=now) & held
    if lender is not None:
        share = Purpose(PurposeKind.SHARE, lender)
        allowed &= gate.covered(session, subject_id=subject_id, purpose=share, now=now)
    if not allowed:
        raise ConsentMissing(subject_purpose=str(purpose), missing=sorted(c.value for c in held))
    return frozenset(allowed)


def authorize_decision(
    session: Session,
    *,
    keys: ConsentKeys,
    subject_id: str,
    categories: frozenset[DataCategory],
    lender: str | None = None,
    now: dt.datetime | None = None,
) -> Authorized:
    """Pass the scoring gate and log the read: the first of a decision's three steps.

    The gate checks the consent again as it writes the log entry (as actor
    ``lender:<id>`` for a lender's decision). This step writes; a caller that splits the
    work commits it before the facts are read (ADR 0016): if the decision then fails, the
    log still says, truthfully, that the read happened.

    Raises:
        ConsentMissing: the consent no longer covers ``categories`` (from the gate).
    """
    now = now or utcnow()
    authorization = gate.authorize(
        session,
        keys=keys,
        actor="subject" if lender is None else f"lender:{lender}",
        subject_id=subject_id,
        purpose=Purpose(PurposeKind.SCORING),
        categories=categories,
        what="decision",
        now=now,
    )
    return Authorized(
        subject_id=subject_id,
        lender=lender,
        categories=categories,
        consent_ids=tuple(authorization.consent_ids),
        log_entry_id=authorization.log_entry_id,
        at=now,
    )


def make_decision(
    session: Session,
    *,
    keys: ConsentKeys,
    vault: Vault,
    authorized: Authorized,
    card: Scorecard,
    model_card: Mapping[str, Any],
    policy: Policy,
) -> Decided:
    """Read the facts the read allowed, score, explain and sign: the second step.

    It only reads, so a caller on SQLite runs it without holding the write lock. The
    policy's lender is the one ``authorized`` names (a person's own decision names none).
    """
    policy = dataclasses.replace(policy, lender=authorized.lender)
    subject_id, allowed = authorized.subject_id, authorized.categories
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
        issued_at=authorized.at,
        card=card,
        model_card=model_card,
        scored=scored,
        insufficient=missing,
        outcome=outcome,
        cut_off=policy.cut_off,
        refer_band=policy.refer_band,
        allowed=allowed,
        consent_id=authorized.consent_ids[0],
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
        "consent_ids": list(authorized.consent_ids),
        "log_entry_id": authorized.log_entry_id,
        "inputs_used": inputs,
        "explanation": keys.keyring.sign(explanation),
    }
    return Decided(
        id=decision_id,
        subject_id=subject_id,
        created_at=authorized.at,
        model_version=card.version,
        policy=policy,
        payload=payload,
    )


def store_decision(session: Session, *, vault: Vault, decided: Decided) -> Decision:
    """Seal the decision and add it to the session: the third step, which writes."""
    row = Decision(
        id=decided.id,
        subject_id=decided.subject_id,
        created_at=decided.created_at,
        model_version=decided.model_version,
        payload=_seal(session, vault, decided.subject_id, decided.payload),
    )
    session.add(row)  # flushed with the caller's next query or commit
    return row


def decided_in_one(
    session: Session,
    *,
    vault: Vault,
    keys: ConsentKeys,
    subject_id: str,
    card: Scorecard,
    model_card: Mapping[str, Any],
    policy: Policy,
    lender: str | None = None,
    now: dt.datetime | None = None,
) -> Decided:
    """Authorize and log the read, then build the decision, in the caller's one transaction.

    Raises:
        ConsentMissing: no active scoring consent covers any of the contract's categories.
    """
    now = now or utcnow()
    categories = decision_categories(session, subject_id=subject_id, lender=lender, now=now)
    authorized = authorize_decision(
        session, keys=keys, subject_id=subject_id, categories=categories, lender=lender, now=now
    )
    return make_decision(
        session,
        keys=keys,
        vault=vault,
        authorized=authorized,
        card=card,
        model_card=model_card,
        policy=policy,
    )


def decide(
    session: Session,
    *,
    vault: Vault,
    keys: ConsentKeys,
    subject_id: str,
    card: Scorecard,
    model_card: Mapping[str, Any],
    policy: Policy,
    now: dt.datetime | None = None,
) -> tuple[Decision, dict[str, Any]]:
    """Score the person under their scoring consent and store the decision, sealed.

    The three steps in the caller's one transaction (commands, the web UI, tests); the API
    runs them with a commit after the first and the write lock only for the third (ADR
    0016). Returns the stored row and its opened payload.

    Raises:
        ConsentMissing: no active scoring consent covers any of the contract's categories.
    """
    decided = decided_in_one(
        session,
        vault=vault,
        keys=keys,
        subject_id=subject_id,
        card=card,
        model_card=model_card,
        policy=policy,
        now=now,
    )
    return store_decision(session, vault=vault, decided=decided), decided.payload


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

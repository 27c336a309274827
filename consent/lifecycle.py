"""Enrol, grant, renew and withdraw: every change appends an event, a receipt and a log entry.

Domain functions take the caller's session and never commit. Each change updates the
consent row (optimistically versioned by ``revision``), appends its ``ConsentEvent``, signs
a receipt and appends that receipt to the transparency log, all in the caller's
transaction: either all of it lands or none of it does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from store import Keyring, Pseudonyms, Subject, canonical_json, utcnow

from . import transparency
from .categories import DataCategory
from .errors import (
    ConsentConflict,
    ConsentNotFound,
    InvalidGrant,
    NotEnrolled,
    NoticeOutdated,
    UnknownLender,
)
from .models import Consent, ConsentEvent, Enrolment, Lender, Receipt
from .purposes import ENROLMENT_NOTICE, Purpose, PurposeKind, notice_for
from .receipts import ReceiptFacts, sign_receipt

#: The longest a consent period may run (the CFPB 1033 rule's one-year reauthorisation).
MAX_PERIOD = dt.timedelta(days=365)
Channel = Literal["api", "ui"]


@dataclass(frozen=True)
class ConsentKeys:
    """What consent changes are signed and pseudonymised with."""

    keyring: Keyring
    pseudonyms: Pseudonyms


@dataclass(frozen=True)
class Change:
    """The result of one consent change: the consent, its event and the signed receipt."""

    consent: Consent
    event: ConsentEvent
    receipt: dict[str, Any]
    log_entry_id: int


def enrol(
    session: Session, *, subject_id: str, notice_version: str, channel: Channel
) -> tuple[Enrolment, bool]:
    """Record the person's explicit enrolment; return it and whether it is new."""
    if session.get(Subject, subject_id) is None:
        raise ConsentNotFound("no such person")
    if notice_version != ENROLMENT_NOTICE.version:
        raise NoticeOutdated(
            "the enrolment notice has changed; read it again",
            current_notice_version=ENROLMENT_NOTICE.version,
        )
    existing = session.get(Enrolment, subject_id)
    if existing is not None:
        return existing, False
    enrolment = Enrolment(
        subject_id=subject_id, enrolled_at=utcnow(), channel=channel, notice_version=notice_version
    )
    session.add(enrolment)
    session.flush()
    return enrolment, True


def grant(
    session: Session,
    *,
    keys: ConsentKeys,
    subject_id: str,
    purpose: Purpose,
    categories: Iterable[DataCategory],
    notice_version: str,
    channel: Channel,
    period: dt.timedelta = MAX_PERIOD,
    now: dt.datetime | None = None,
) -> Change:
    """Grant one purpose over the chosen categories, opening a new period.

    A purpose that is withdrawn or expired may be granted again; one that is active must be
    renewed instead (so a grant never silently rewrites what the person agreed to).
    """
    now = now or utcnow()
    chosen = _categories(categories)
    _check_enrolled(session, subject_id)
    lender_name = _lender_name(session, purpose)
    _check_notice(purpose, notice_version)
    _check_period(period)
    consent = session.scalars(
        select(Consent).where(Consent.subject_id == subject_id, Consent.purpose == str(purpose))
    ).first()
    if consent is None:
        consent = Consent(subject_id=subject_id, purpose=str(purpose), revision=0)
        session.add(consent)
    elif consent.state(now) == "active":
        raise ConsentConflict(
            f"consent for {purpose} is already active; renew it to change its categories or "
            "extend it",
            consent_id=consent.id,
        )
    consent.categories = chosen
    consent.notice_version = notice_version
    consent.channel = channel
    consent.period_started_at = now
    consent.expires_at = now + period
    consent.withdrawn_at = None
    consent.withdrawn_by = None
    return _record(session, keys, consent, "grant", channel, now, lender_name)


def renew(
    session: Session,
    *,
    keys: ConsentKeys,
    subject_id: str,
    consent_id: str,
    notice_version: str,
    channel: Channel,
    categories: Iterable[DataCategory] | None = None,
    period: dt.timedelta = MAX_PERIOD,
    now: dt.datetime | None = None,
) -> Change:
    """Open a new period for an active or expired consent, optionally with new categories."""
    now = now or utcnow()
    consent = _own_consent(session, subject_id=subject_id, consent_id=consent_id)
    purpose = Purpose.parse(consent.purpose)
    lender_name = _lender_name(session, purpose)
    _check_notice(purpose, notice_version)
    _check_period(period)
    if consent.state(now) == "withdrawn":
        raise ConsentConflict(
            "a withdrawn consent is not renewed; grant the purpose again", consent_id=consent.id
        )
    if categories is not None:
        consent.categories = _categories(categories)
    consent.notice_version = notice_version
    consent.channel = channel
    consent.period_started_at = now
    consent.expires_at = now + period
    return _record(session, keys, consent, "renew", channel, now, lender_name)


def withdraw(
    session: Session,
    *,
    keys: ConsentKeys,
    subject_id: str,
    consent_id: str,
    channel: Channel,
    actor: str = "subject",
    now: dt.datetime | None = None,
) -> Change:
    """Withdraw an active consent at once: every later read for its purpose is refused."""
    now = now or utcnow()
    consent = _own_consent(session, subject_id=subject_id, consent_id=consent_id)
    state = consent.state(now)
    if state != "active":
        raise ConsentConflict(f"the consent is already {state}", consent_id=consent.id)
    lender_name = _lender_name(session, Purpose.parse(consent.purpose), must_exist=False)
    consent.withdrawn_at = now
    consent.withdrawn_by = actor
    return _record(session, keys, consent, "withdraw", channel, now, lender_name)


def consents_of(session: Session, subject_id: str) -> Sequence[Consent]:
    """Return every consent the person has, in a stable order."""
    return session.scalars(
        select(Consent).where(Consent.subject_id == subject_id).order_by(Consent.purpose)
    ).all()


def consent_of(session: Session, *, subject_id: str, consent_id: str) -> Consent:
    """Return one of the person's consents (someone else's is not found)."""
    return _own_consent(session, subject_id=subject_id, consent_id=consent_id)


def history_of(session: Session, consent: Consent) -> Sequence[ConsentEvent]:
    """Return the consent's events, oldest first."""
    return session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.consent_id == consent.id)
        .order_by(ConsentEvent.revision)
    ).all()


def receipts_of(session: Session, subject_id: str) -> Sequence[Receipt]:
    """Return the person's receipts, newest first."""
    return session.scalars(
        select(Receipt)
        .where(Receipt.subject_id == subject_id)
        .order_by(Receipt.issued_at.desc(), Receipt.id)
    ).all()


def receipt_of(session: Session, *, subject_id: str, receipt_id: str) -> Receipt:
    """Return one of the person's receipts (someone else's is not found)."""
    receipt = session.get(Receipt, receipt_id)
    if receipt is None or receipt.subject_id != subject_id:
        raise ConsentNotFound("no such receipt")
    return receipt


def _record(
    session: Session,
    keys: ConsentKeys,
    consent: Consent,
    kind: Literal["grant", "renew", "withdraw"],
    channel: Channel,
    now: dt.datetime,
    lender_name: str | None,
) -> Change:
    receipt_id = str(uuid.uuid4())
    consent.revision += 1
    event = ConsentEvent(
        consent_id=consent.id,
        revision=consent.revision,
        kind=kind,
        at=now,
        actor=(consent.withdrawn_by or "subject") if kind == "withdraw" else "subject",
        channel=channel,
        purpose=consent.purpose,
        categories=consent.categories,
        notice_version=consent.notice_version,
        expires_at=None if kind == "withdraw" else consent.expires_at,
        receipt_id=receipt_id,
    )
    try:
        # The consent UPDATE says WHERE revision = <the one read>, and (consent_id,
        # revision) is unique: a concurrent change makes one of the two fail here.
        session.flush()
        event.consent_id = consent.id
        session.add(event)
        session.flush()
    except (StaleDataError, IntegrityError):
        raise ConsentConflict(
            "the consent was changed by another request at the same time; read it and retry"
        ) from None
    pseudonym = keys.pseudonyms.of(consent.subject_id)
    envelope = sign_receipt(
        ReceiptFacts(
            receipt_id=receipt_id,
            consent_id=consent.id,
            event=kind,
            timestamp=now,
            collection_method=channel,
            subject_pseudonym=pseudonym,
            purpose=consent.purpose,
            data_categories=consent.categories,
            notice_version=consent.notice_version,
            state="withdrawn" if kind == "withdraw" else "active",
            expires_at=consent.expires_at,
            lender_name=lender_name,
        ),
        keys.keyring,
    )
    entry = transparency.append(session, kind="consent", subject_ref=pseudonym, leaf=envelope)
    session.add(
        Receipt(
            id=receipt_id,
            subject_id=consent.subject_id,
            consent_id=consent.id,
            issued_at=now,
            envelope=canonical_json(envelope).decode(),
            log_entry_id=entry.entry_id,
        )
    )
    session.flush()
    return Change(consent, event, envelope, entry.entry_id)


def _own_consent(session: Session, *, subject_id: str, consent_id: str) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None or consent.subject_id != subject_id:
        raise ConsentNotFound("no such consent")
    return consent


def _check_enrolled(session: Session, subject_id: str) -> None:
    if session.get(Enrolment, subject_id) is None:
        raise NotEnrolled("enrol first: nothing can be granted before enrolment")


def _check_notice(purpose: Purpose, notice_version: str) -> None:
    current = notice_for(purpose).version
    if notice_version != current:
        raise NoticeOutdated(
            f"the notice for {purpose.kind} has changed; read it again before granting",
            current_notice_version=current,
        )


def _check_period(period: dt.timedelta) -> None:
    if not dt.timedelta(days=1) <= period <= MAX_PERIOD:
        raise InvalidGrant("a consent period runs between 1 and 365 days")


def _lender_name(session: Session, purpose: Purpose, *, must_exist: bool = True) -> str | None:
    if purpose.kind is not PurposeKind.SHARE:
        return None
    lender = session.get(Lender, purpose.lender)
    if lender is None:
        if must_exist:
            raise UnknownLender(f"there is no lender {purpose.lender!r}")
        return purpose.lender
    return lender.name


def _categories(categories: Iterable[DataCategory]) -> frozenset[DataCategory]:
    chosen = frozenset(DataCategory(c) for c in categories)
    if not chosen:
        raise InvalidGrant("choose at least one data category")
    return chosen

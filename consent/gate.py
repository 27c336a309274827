"""The gate: the one function every read of a person's data passes.

``authorize`` checks that an active consent covers the purpose and every data category
the read touches, at the moment of the read (expiry is enforced here, not by a job), and
writes the read to the transparency log in the caller's transaction. It returns the ids
of the consents that allowed the read; it refuses with ``ConsentMissing`` naming every
category no active consent covers. ``covered`` answers the same question without logging,
for callers that must decide what to read before reading it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import canonical_json, utcnow

from . import membership, transparency
from .categories import DataCategory
from .errors import ConsentMissing
from .lifecycle import ConsentKeys
from .models import Consent
from .purposes import Purpose


@dataclass(frozen=True)
class Authorization:
    """A read that the gate allowed: which consents allowed it, and its log entry."""

    consent_ids: tuple[str, ...]
    categories: frozenset[DataCategory]
    log_entry_id: int


def active_consent(
    session: Session, *, subject_id: str, purpose: Purpose, now: dt.datetime | None = None
) -> Consent | None:
    """Return the person's active consent for ``purpose`` at ``now``, if any."""
    now = now or utcnow()
    consent = session.scalars(
        select(Consent).where(Consent.subject_id == subject_id, Consent.purpose == str(purpose))
    ).first()
    if consent is None or consent.state(now) != "active":
        return None
    return consent


def covered(
    session: Session, *, subject_id: str, purpose: Purpose, now: dt.datetime | None = None
) -> frozenset[DataCategory]:
    """Return the categories an active consent for ``purpose`` covers (maybe none)."""
    consent = active_consent(session, subject_id=subject_id, purpose=purpose, now=now)
    return consent.categories if consent is not None else frozenset()


def authorize(
    session: Session,
    *,
    keys: ConsentKeys,
    actor: str,
    subject_id: str,
    purpose: Purpose,
    categories: Iterable[DataCategory],
    what: str,
    now: dt.datetime | None = None,
) -> Authorization:
    """Allow and log a read of ``categories`` of the person's data for ``purpose``, or refuse.

    Args:
        session: The caller's session; the log entry joins its transaction.
        keys: Signing and pseudonym keys.
        actor: Who reads: ``subject``, ``lender:<id>``, ``system:<job>``.
        subject_id: Whose data.
        purpose: Why.
        categories: Which data categories the read touches (at least one).
        what: What is read, in a few words (``facts``, ``decision``), for the log.
        now: The time of the read (default: now).

    Raises:
        ConsentMissing: no active consent covers the purpose and all the categories.
    """
    now = now or utcnow()
    wanted = frozenset(DataCategory(c) for c in categories)
    consent_id = allowed(
        session, subject_id=subject_id, purpose=purpose, categories=wanted, now=now
    )
    entry_id = log_read(
        session,
        keys=keys,
        actor=actor,
        subject_id=subject_id,
        purpose=str(purpose),
        categories=[c.value for c in wanted],
        consent_ids=[consent_id],
        what=what,
        now=now,
    )
    return Authorization((consent_id,), wanted, entry_id)


def allowed(
    session: Session,
    *,
    subject_id: str,
    purpose: Purpose,
    categories: Iterable[DataCategory],
    now: dt.datetime | None = None,
) -> str:
    """Check that an active consent covers ``purpose`` and ``categories``; return its id.

    This is the one consent check: ``authorize`` calls it and logs the read; a DP release
    calls it for each member and logs them all at once with ``log_release``.

    Raises:
        ConsentMissing: no active consent covers the purpose and all the categories.
    """
    wanted = frozenset(DataCategory(c) for c in categories)
    if not wanted:
        raise ValueError("a read touches at least one data category")
    consent = active_consent(session, subject_id=subject_id, purpose=purpose, now=now)
    held = consent.categories if consent is not None else frozenset()
    missing = sorted(c.value for c in wanted - held)
    if consent is None or missing:
        raise ConsentMissing(subject_purpose=str(purpose), missing=missing)
    return consent.id


@dataclass(frozen=True)
class ReleaseRead:
    """One member's read in a DP release: whose, which categories, under which consent."""

    subject_id: str
    categories: frozenset[DataCategory]
    consent_id: str


def log_release(
    session: Session,
    *,
    keys: ConsentKeys,
    actor: str,
    release_id: str,
    purpose: Purpose,
    what: str,
    reads: Sequence[ReleaseRead],
    now: dt.datetime | None = None,
) -> int:
    """Write a DP release's reads to the log as one entry that hides how many they are.

    The entry commits to every member's own leaf (who read what of theirs, when, under
    which consent, as ``log_read`` writes it, plus a random nonce) in a membership tree
    (``consent.membership``, ADR 0020); each member's leaf and proof are stored for them
    alone and shown in their access log. Returns the entry id.
    """
    time = (now or utcnow()).isoformat()
    leaves = []
    for read in reads:
        pseudonym = keys.pseudonyms.of(read.subject_id)
        leaf = canonical_json(
            {
                "type": "fairfile/release-member/v1",
                "release": release_id,
                **_read_record(
                    time=time,
                    actor=actor,
                    pseudonym=pseudonym,
                    purpose=str(purpose),
                    categories=[c.value for c in read.categories],
                    consent_ids=[read.consent_id],
                    what=what,
                ),
                "nonce": secrets.token_hex(16),
            }
        )
        leaves.append((pseudonym, leaf))
    root, proofs = membership.commit([leaf for _, leaf in leaves])
    entry = transparency.append(
        session,
        kind="release",
        subject_ref=f"release:{release_id}",
        leaf={
            "type": "fairfile/release/v1",
            "time": time,
            "actor": actor,
            "release": release_id,
            "purpose": str(purpose),
            "what": what,
            "membersRoot": root.hex(),
            "membersDepth": membership.DEPTH,
        },
    )
    transparency.add_members(
        session,
        entry_id=entry.entry_id,
        members=[(ref, leaf, proof) for (ref, leaf), proof in zip(leaves, proofs, strict=True)],
    )
    return entry.entry_id


def log_read(
    session: Session,
    *,
    keys: ConsentKeys,
    actor: str,
    subject_id: str,
    purpose: str,
    categories: Iterable[str],
    consent_ids: Sequence[str],
    what: str,
    now: dt.datetime | None = None,
) -> int:
    """Write one read of a person's data to the transparency log; return the entry id.

    ``authorize`` calls it for every read it allows. A read that needs no consent (the
    person's own access, a reviewer's rectification) calls it directly, with no consent
    ids and a purpose that says why (``subject-access``, ``rectification``).
    """
    pseudonym = keys.pseudonyms.of(subject_id)
    entry = transparency.append(
        session,
        kind="access",
        subject_ref=pseudonym,
        leaf={
            "type": "fairfile/access/v1",
            **_read_record(
                time=(now or utcnow()).isoformat(),
                actor=actor,
                pseudonym=pseudonym,
                purpose=purpose,
                categories=categories,
                consent_ids=consent_ids,
                what=what,
            ),
        },
    )
    return entry.entry_id


def _read_record(
    *,
    time: str,
    actor: str,
    pseudonym: str,
    purpose: str,
    categories: Iterable[str],
    consent_ids: Sequence[str],
    what: str,
) -> dict[str, object]:
    """What the log says of one read: when, who, whose, why, which data, under which consent."""
    return {
        "time": time,
        "actor": actor,
        "subject": pseudonym,
        "purpose": purpose,
        "categories": sorted(set(categories)),
        "consentIds": list(consent_ids),
        "what": what,
    }


def consenting_subjects(
    session: Session,
    *,
    purpose: Purpose,
    categories: Iterable[DataCategory] = (),
    now: dt.datetime | None = None,
) -> Sequence[tuple[str, str]]:
    """Return ``(subject_id, consent_id)`` for everyone whose consent is active at ``now``.

    This is the snapshot for training and statistics: a person who withdrew, or whose
    consent expired, is not in it. ``categories`` narrows it to consents covering them all.
    """
    now = now or utcnow()
    wanted = frozenset(DataCategory(c) for c in categories)
    rows = session.execute(
        select(Consent.subject_id, Consent.id, Consent.categories).where(
            Consent.purpose == str(purpose),
            Consent.withdrawn_at.is_(None),
            Consent.expires_at > now,
        )
    ).all()
    return [(subject, consent) for subject, consent, cats in rows if wanted <= cats]

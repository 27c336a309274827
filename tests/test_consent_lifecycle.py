"""The consent lifecycle and the gate, at the domain level, on both engines."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from consent import gate, lifecycle, transparency
from consent.errors import (
    ConsentConflict,
    ConsentMissing,
    ConsentNotFound,
    InvalidGrant,
    InvalidPurpose,
    NotEnrolled,
    NoticeOutdated,
    UnknownLender,
)
from consent.models import Consent, ConsentEvent
from consent.purposes import Purpose
from consent.receipts import verify_receipt
from tests.consent_fixtures import add_lender, add_person, ago, grant

SCORING = Purpose.parse("scoring")


def test_nothing_is_pre_granted(session, person):
    assert lifecycle.consents_of(session, person) == []
    assert gate.covered(session, subject_id=person, purpose=SCORING) == frozenset()
    for purpose in ("scoring", "training", "statistics"):
        assert gate.consenting_subjects(session, purpose=Purpose.parse(purpose)) == []


def test_grant_needs_enrolment(session, keys):
    stranger = add_person(session, enrol=False)
    with pytest.raises(NotEnrolled):
        grant(session, keys, stranger)


def test_grant_quoting_an_old_notice_is_refused(session, keys, person):
    with pytest.raises(NoticeOutdated) as caught:
        lifecycle.grant(
            session,
            keys=keys,
            subject_id=person,
            purpose=SCORING,
            categories=["rent"],
            notice_version="2020-01-01",
            channel="api",
        )
    assert caught.value.problem_extensions["current_notice_version"]


@pytest.mark.parametrize("text_", ["share", "share:", "sharing:acme", "marketing", "share:Bad!"])
def test_unknown_purposes_are_refused(text_):
    with pytest.raises(InvalidPurpose):
        Purpose.parse(text_)


def test_share_needs_a_known_lender(session, keys, person):
    with pytest.raises(UnknownLender):
        grant(session, keys, person, purpose="share:nobody-bank")
    add_lender(session)
    change = grant(session, keys, person, purpose="share:acme-bank")
    assert change.consent.purpose == "share:acme-bank"
    receipt = change.receipt["document"]
    disclosed = receipt["services"][0]["purposes"][0]
    assert disclosed["thirdPartyDisclosure"] is True
    assert disclosed["thirdPartyName"] == "Acme Bank"


def test_each_purpose_is_its_own_grant_and_refusing_one_blocks_nothing(session, keys, person):
    grant(session, keys, person, purpose="scoring", categories=["rent", "income"])
    assert gate.covered(session, subject_id=person, purpose=SCORING) == {"rent", "income"}
    training = Purpose.parse("training")
    assert gate.covered(session, subject_id=person, purpose=training) == frozenset()
    with pytest.raises(ConsentMissing):
        gate.authorize(
            session,
            keys=keys,
            actor="system:training",
            subject_id=person,
            purpose=training,
            categories=["rent"],
            what="facts",
        )
    allowed = gate.authorize(
        session,
        keys=keys,
        actor="subject",
        subject_id=person,
        purpose=SCORING,
        categories=["rent"],
        what="facts",
    )
    assert len(allowed.consent_ids) == 1


def test_the_gate_names_every_missing_category(session, keys, person):
    grant(session, keys, person, categories=["rent"])
    with pytest.raises(ConsentMissing) as caught:
        gate.authorize(
            session,
            keys=keys,
            actor="subject",
            subject_id=person,
            purpose=SCORING,
            categories=["rent", "income", "bureau"],
            what="facts",
        )
    assert caught.value.missing == ["bureau", "income"]
    assert caught.value.problem_extensions["purpose"] == "scoring"


def test_an_allowed_read_is_logged_under_a_pseudonym(session, keys, person):
    change = grant(session, keys, person)
    allowed = gate.authorize(
        session,
        keys=keys,
        actor="lender:acme-bank",
        subject_id=person,
        purpose=SCORING,
        categories=["income"],
        what="decision",
    )
    entries = transparency.entries_about(session, keys.pseudonyms.of(person))
    kinds = [e.kind for e in entries]
    assert kinds == ["consent", "access"]
    assert entries[-1].id == allowed.log_entry_id
    assert person not in entries[-1].leaf
    assert change.consent.id in entries[-1].leaf


def test_an_active_consent_is_renewed_not_granted_again(session, keys, person):
    grant(session, keys, person)
    with pytest.raises(ConsentConflict):
        grant(session, keys, person)


def test_periods_run_at_most_365_days(session, keys, person):
    with pytest.raises(InvalidGrant):
        grant(session, keys, person, period=dt.timedelta(days=366))
    change = grant(session, keys, person)
    consent = change.consent
    assert consent.expires_at - consent.period_started_at == dt.timedelta(days=365)


def test_expiry_is_enforced_at_read_time(session, keys, person):
    change = grant(session, keys, person, period=dt.timedelta(days=30), now=ago(31))
    consent = change.consent
    assert consent.state(dt.datetime.now(dt.UTC)) == "expired"
    assert consent.withdrawn_at is None  # nothing was written when it expired
    assert gate.covered(session, subject_id=person, purpose=SCORING) == frozenset()
    with pytest.raises(ConsentMissing):
        gate.authorize(
            session,
            keys=keys,
            actor="subject",
            subject_id=person,
            purpose=SCORING,
            categories=["rent"],
            what="facts",
        )
    assert gate.consenting_subjects(session, purpose=SCORING) == []
    renewed = lifecycle.renew(
        session,
        keys=keys,
        subject_id=person,
        consent_id=consent.id,
        notice_version=consent.notice_version,
        channel="api",
    )
    assert renewed.consent.state(dt.datetime.now(dt.UTC)) == "active"
    assert [e.kind for e in lifecycle.history_of(session, consent)] == ["grant", "renew"]


def test_withdrawal_takes_effect_at_once_everywhere(session, keys, person):
    add_lender(session)
    other = add_person(session)
    for purpose in ("scoring", "training", "statistics", "share:acme-bank"):
        grant(session, keys, person, purpose=purpose)
        grant(session, keys, other, purpose=purpose)
    for consent in lifecycle.consents_of(session, person):
        lifecycle.withdraw(
            session, keys=keys, subject_id=person, consent_id=consent.id, channel="api"
        )
    for purpose in ("scoring", "training", "statistics", "share:acme-bank"):
        parsed = Purpose.parse(purpose)
        # no further reads for that purpose, lender shares stop ...
        with pytest.raises(ConsentMissing):
            gate.authorize(
                session,
                keys=keys,
                actor="lender:acme-bank",
                subject_id=person,
                purpose=parsed,
                categories=["rent"],
                what="decision",
            )
        # ... and the person leaves the next training and statistics snapshots
        assert [s for s, _ in gate.consenting_subjects(session, purpose=parsed)] == [other]


def test_withdrawn_consent_is_granted_again_not_renewed(session, keys, person):
    change = grant(session, keys, person)
    lifecycle.withdraw(
        session, keys=keys, subject_id=person, consent_id=change.consent.id, channel="ui"
    )
    with pytest.raises(ConsentConflict):
        lifecycle.withdraw(
            session, keys=keys, subject_id=person, consent_id=change.consent.id, channel="ui"
        )
    with pytest.raises(ConsentConflict):
        lifecycle.renew(
            session,
            keys=keys,
            subject_id=person,
            consent_id=change.consent.id,
            notice_version=change.consent.notice_version,
            channel="api",
        )
    again = grant(session, keys, person, categories=["bureau"])
    assert again.consent.id == change.consent.id
    assert again.consent.categories == {"bureau"}
    history = lifecycle.history_of(session, change.consent)
    assert [(e.revision, e.kind) for e in history] == [(1, "grant"), (2, "withdraw"), (3, "grant")]


def test_someone_elses_consent_is_not_found(session, keys, person):
    other = add_person(session)
    change = grant(session, keys, other)
    with pytest.raises(ConsentNotFound):
        lifecycle.withdraw(
            session, keys=keys, subject_id=person, consent_id=change.consent.id, channel="api"
        )
    with pytest.raises(ConsentNotFound):
        lifecycle.receipt_of(session, subject_id=person, receipt_id=change.event.receipt_id)


def test_every_change_gives_a_verifiable_receipt_in_the_log(session, keys, person):
    change = grant(session, keys, person)
    document = verify_receipt(change.receipt, keys.keyring.public_keys())
    assert document["fairfile"]["consentId"] == change.consent.id
    assert document["piiPrincipalId"] == keys.pseudonyms.of(person)
    assert person not in str(change.receipt)
    head = transparency.sequence(session, keyring=keys.keyring)
    proof = transparency.inclusion(session, entry_id=change.log_entry_id)
    from consent import merkle
    from consent.receipts import receipt_leaf_hash

    assert merkle.verify_inclusion(
        proof["leafIndex"],
        proof["treeSize"],
        receipt_leaf_hash(change.receipt),
        [bytes.fromhex(h) for h in proof["inclusionPath"]],
        bytes.fromhex(head["document"]["rootHash"]),
    )


def test_paired_fields_are_kept_consistent_by_the_database(session, keys, person):
    change = grant(session, keys, person)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            text("UPDATE consents SET withdrawn_at = expires_at WHERE id = :id"),
            {"id": change.consent.id},
        )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            text("UPDATE consent_events SET expires_at = NULL WHERE kind = 'grant'"),
        )


def test_events_are_numbered_without_gaps(session, keys, person):
    change = grant(session, keys, person)
    for _ in range(3):
        lifecycle.renew(
            session,
            keys=keys,
            subject_id=person,
            consent_id=change.consent.id,
            notice_version=change.consent.notice_version,
            channel="api",
        )
    revisions = session.scalars(
        select(ConsentEvent.revision).where(ConsentEvent.consent_id == change.consent.id)
    ).all()
    assert sorted(revisions) == [1, 2, 3, 4]
    assert session.get(Consent, change.consent.id).revision == 4

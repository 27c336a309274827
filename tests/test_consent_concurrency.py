"""Concurrent grant, renew and withdraw on one consent, in real separate transactions.

Each worker thread has its own session and commits, as concurrent requests do. Whatever the
interleaving, the consent never has two active periods, no event is lost or duplicated,
and the event history replays to the stored state.
"""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consent import lifecycle
from consent.errors import ConsentConflict
from consent.models import Consent, ConsentEvent
from consent.purposes import NOTICES, Purpose, PurposeKind
from consent.transparency import LogEntry
from store import Subject
from store.db import WRITE
from tests.consent_fixtures import add_person

NOTICE = NOTICES[PurposeKind.SCORING].version
WORKERS = 6
STEPS = 15


@pytest.fixture
def committed_person(engine, keys):
    with Session(engine) as s, s.begin():
        subject_id = add_person(s)
    yield subject_id
    with Session(engine) as s, s.begin():
        s.execute(delete(Subject).where(Subject.id == subject_id))
        s.execute(delete(LogEntry).where(LogEntry.subject_ref == keys.pseudonyms.of(subject_id)))


def _step(engine, keys, subject_id, rng, done):
    action = rng.choice(["grant", "renew", "withdraw"])
    with Session(engine, expire_on_commit=False) as session:
        try:
            with session.begin():
                session.connection(execution_options=WRITE)
                consent = session.scalars(
                    select(Consent).where(Consent.subject_id == subject_id)
                ).first()
                if action == "grant" or consent is None:
                    change = lifecycle.grant(
                        session,
                        keys=keys,
                        subject_id=subject_id,
                        purpose=Purpose.parse("scoring"),
                        categories=["rent"],
                        notice_version=NOTICE,
                        channel="api",
                    )
                elif action == "renew":
                    change = lifecycle.renew(
                        session,
                        keys=keys,
                        subject_id=subject_id,
                        consent_id=consent.id,
                        notice_version=NOTICE,
                        channel="api",
                    )
                else:
                    change = lifecycle.withdraw(
                        session,
                        keys=keys,
                        subject_id=subject_id,
                        consent_id=consent.id,
                        channel="api",
                    )
        except ConsentConflict:
            return  # refused because of the state or a race: nothing was written
        done.append(change.event.receipt_id)


def test_concurrent_changes_never_lose_or_double_an_event(engine, keys, committed_person):
    done: list[str] = []
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(STEPS):
                _step(engine, keys, committed_person, rng, done)
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    with Session(engine) as session:
        consents = session.scalars(
            select(Consent).where(Consent.subject_id == committed_person)
        ).all()
        assert len(consents) == 1  # never two rows, so never two active periods
        consent = consents[0]
        events = session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.consent_id == consent.id)
            .order_by(ConsentEvent.revision)
        ).all()
    assert [e.revision for e in events] == list(range(1, consent.revision + 1))
    assert sorted(e.receipt_id for e in events) == sorted(done)  # every success, once
    assert len(done) > WORKERS  # the run really did change things

    assert events[0].kind == "grant"
    active, expiry = False, None
    for event in events:  # the history replays as a valid state machine
        live = active and expiry is not None and event.at < expiry
        if event.kind == "grant":
            assert not live  # never a second active period
        elif event.kind == "withdraw":
            assert live
        else:
            assert active  # renewal of an active or expired period, never of a withdrawn one
        active = event.kind != "withdraw"
        expiry = event.expires_at
    assert active == (consent.withdrawn_at is None)

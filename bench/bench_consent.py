"""Consent: the gate's cost per read, logging a release, the transparency log at 100,000.

The gate is timed as a request would use it (its own transaction, committed), next to the
same transaction doing only a primary-key read, on the SQLite default. The log is filled
with 100,000 entries, then sequenced, proved and fully audited.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bench.report import Row
from consent import gate, lifecycle, merkle, transparency
from consent.categories import DataCategory
from consent.lifecycle import ConsentKeys
from consent.purposes import ENROLMENT_NOTICE, NOTICES, Purpose, PurposeKind
from store import Subject, make_engine, upgrade, utcnow
from store.db import WRITE
from store.keys import Pseudonyms
from store.signing import Keyring, canonical_json

READS = 2_000
LOG_SIZE = 100_000


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _gate_rows(engine, keys: ConsentKeys) -> list[Row]:
    with Session(engine) as s, s.begin():
        person = Subject(origin="synthetic")
        s.add(person)
        s.flush()
        subject_id = person.id
        lifecycle.enrol(
            s, subject_id=subject_id, notice_version=ENROLMENT_NOTICE.version, channel="api"
        )
        lifecycle.grant(
            s,
            keys=keys,
            subject_id=subject_id,
            purpose=Purpose.parse("scoring"),
            categories=["rent", "income", "bank_cashflow"],
            notice_version=NOTICES[PurposeKind.SCORING].version,
            channel="api",
        )
    gated, plain = [], []
    for _ in range(READS):
        started = time.perf_counter()
        with Session(engine) as s, s.begin():
            s.connection(execution_options=WRITE)
            gate.authorize(
                s,
                keys=keys,
                actor="bench",
                subject_id=subject_id,
                purpose=Purpose.parse("scoring"),
                categories=["rent", "income"],
                what="facts",
            )
        gated.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with Session(engine) as s, s.begin():
            s.connection(execution_options=WRITE)
            s.get(Subject, subject_id)
        plain.append((time.perf_counter() - started) * 1000)
    p50, p99 = statistics.median(gated), _percentile(gated, 0.99)
    base50 = statistics.median(plain)
    return [
        Row(
            "gate.authorize + log append, own committed transaction (SQLite file)",
            f"p50 {p50:.2f} ms, p99 {p99:.2f} ms over {READS} reads",
            "p50 <= 5 ms",
            p50 <= 5,
            f"a primary-key read in the same kind of transaction: p50 {base50:.2f} ms",
        )
    ]


def _log_rows(engine, keys: ConsentKeys) -> list[Row]:
    now = utcnow()
    rows = []
    for n in range(LOG_SIZE):
        data = canonical_json({"type": "bench", "n": n})
        rows.append(
            {
                "kind": "access",
                "subject_ref": "bench",
                "created_at": now,
                "leaf": data.decode(),
                "leaf_hash": merkle.leaf_hash(data).hex(),
            }
        )
    with Session(engine) as s, s.begin():
        s.execute(insert(transparency.LogEntry), rows)
    started = time.perf_counter()
    with Session(engine) as s, s.begin():
        head = transparency.sequence(s, keyring=keys.keyring)
    sequencing = time.perf_counter() - started
    size = head["document"]["treeSize"]
    with Session(engine) as s:
        entry_id = s.scalars(select(transparency.LogEntry.id).limit(1)).one()
        started = time.perf_counter()
        transparency.inclusion(s, entry_id=entry_id)
        proving = time.perf_counter() - started
        started = time.perf_counter()
        report = transparency.verify_log(s, keys.keyring.public_keys())
        auditing = time.perf_counter() - started
    return [
        Row(f"sequence + sign the head of {size:,} entries", f"{sequencing:.2f} s"),
        Row(
            f"inclusion proof in a tree of {size:,}",
            f"{proving * 1000:.0f} ms",
            "<= 500 ms",
            proving <= 0.5,
        ),
        Row(
            f"fairfile audit verify over {size:,} entries",
            f"{auditing:.2f} s, problems: {len(report.problems)}",
        ),
    ]


def _release_rows(engine, keys: ConsentKeys) -> list[Row]:
    """Log one DP release over N people: one entry and N private proofs, vs N entries."""
    rows = []
    for people in (1_000, 10_000):
        reads = [
            gate.ReleaseRead(f"bench-{n}", frozenset({DataCategory.RENT}), "consent")
            for n in range(people)
        ]
        started = time.perf_counter()
        with Session(engine) as s, s.begin():
            gate.log_release(
                s,
                keys=keys,
                actor="analyst:bench",
                release_id=f"bench-{people}",
                purpose=Purpose(PurposeKind.STATISTICS),
                what="bench",
                reads=reads,
            )
        hidden = time.perf_counter() - started
        started = time.perf_counter()
        with Session(engine) as s, s.begin():
            for read in reads:
                gate.log_read(
                    s,
                    keys=keys,
                    actor="analyst:bench",
                    subject_id=read.subject_id,
                    purpose="statistics",
                    categories=["rent"],
                    consent_ids=[read.consent_id],
                    what="bench",
                )
        per_person = time.perf_counter() - started
        rows.append(
            Row(
                f"log a release over {people:,} people (ADR 0020): the log grows by 1",
                f"{hidden:.2f} s",
                compare=f"one entry per person, the log growing by {people:,}: {per_person:.2f} s",
            )
        )
    return rows


def run() -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="fairfile-bench-consent-"))
    engine = make_engine(f"sqlite:///{folder / 'bench.sqlite3'}")
    upgrade(engine)
    keys = ConsentKeys(
        keyring=Keyring.from_directory(folder / "signing"), pseudonyms=Pseudonyms(bytes(32))
    )
    rows = _gate_rows(engine, keys) + _release_rows(engine, keys) + _log_rows(engine, keys)
    engine.dispose()
    return rows

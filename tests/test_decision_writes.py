"""How a decision writes: two short writes around the computing, and a writer queue.

A decision over the API commits the consent check's log entry, computes (facts, score,
explanation, signature) without holding SQLite's one write lock, then stores the decision.
Writers wait in a queue shared by the threads of a process and, for a database in a
file, by every process using it (several gunicorn workers, a CLI command).
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import scoring.workflow.decisions
import service.api.decisions
from consent.transparency import LogEntry
from scoring.contract.models import put_facts
from scoring.workflow.decisions import Decision
from service.web.keys import consent_keys, vault
from store.db import WRITE, WriterQueue, make_engine
from store.migrate import upgrade
from synthetic import generate
from tests.conftest import make_test_app
from tests.consent_fixtures import add_person, grant, signed_in_headers
from tests.decision_fixtures import add_model
from tests.lender_fixtures import add_key, add_sharer

ALL = ("rent", "utilities", "telecom", "bank_cashflow", "income", "bureau")


def _world(engine, tmp_path):
    app = make_test_app(tmp_path, engine=engine)
    facts = generate(5, seed=3).features.drop("subject_id").to_dicts()[0]
    with Session(engine) as s, s.begin():
        add_model(s)
        subject_id = add_person(s)
        put_facts(s, vault=vault(app), subject_id=subject_id, facts=facts)
        grant(s, consent_keys(app), subject_id, purpose="scoring", categories=ALL)
    return app, engine, subject_id


@pytest.fixture
def live(live_engine, tmp_path):
    return _world(live_engine, tmp_path)


@pytest.fixture
def sqlite_file(tmp_path):
    # SQLite's single write lock is what the first test is about.
    engine = make_engine(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    upgrade(engine)
    yield _world(engine, tmp_path)
    engine.dispose()


def _decision_reads(engine) -> int:
    with Session(engine) as s:
        leaves = s.scalars(select(LogEntry.leaf).where(LogEntry.kind == "access")).all()
    return sum(json.loads(leaf)["what"] == "decision" for leaf in leaves)


def _another_writer_may_write(engine) -> bool:
    other = sqlite3.connect(engine.url.database, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_a_decision_holds_the_write_lock_only_to_log_and_to_store(sqlite_file, monkeypatch):
    app, engine, subject_id = sqlite_file
    seen = {}
    explain, show = (
        scoring.workflow.decisions.build_explanation,
        service.api.decisions.decision_shown,
    )

    def explaining(**kw):
        # While the explanation is built another connection may write, and it already
        # sees the committed log entry of this read.
        seen["explaining"] = (_another_writer_may_write(engine), _decision_reads(engine))
        return explain(**kw)

    def answering(*args, **kw):
        # The answer is built before the decision is written: no lock held yet.
        seen["answering"] = _another_writer_may_write(engine)
        return show(*args, **kw)

    monkeypatch.setattr(scoring.workflow.decisions, "build_explanation", explaining)
    monkeypatch.setattr(service.api.decisions, "decision_shown", answering)
    answer = app.test_client().post(
        f"/v1/subjects/{subject_id}/decisions", json={}, headers=signed_in_headers(app, subject_id)
    )
    assert answer.status_code == 201
    assert seen == {"explaining": (True, 1), "answering": True}
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 1


def test_a_lenders_decision_computes_without_the_write_lock(sqlite_file, monkeypatch):
    # The lender's route decides in the same steps: the read is logged and committed, and
    # the explanation is built while another connection may write.
    app, engine, _subject_id = sqlite_file
    key = add_key(app, "lender-a")
    subject_id = add_sharer(app, "lender-a")
    seen = {}
    explain = scoring.workflow.decisions.build_explanation

    def explaining(**kw):
        seen["explaining"] = (_another_writer_may_write(engine), _decision_reads(engine))
        return explain(**kw)

    monkeypatch.setattr(scoring.workflow.decisions, "build_explanation", explaining)
    answer = app.test_client().post(
        f"/v1/lender/subjects/{subject_id}/decisions",
        json={},
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "k-1"},
    )
    assert answer.status_code == 201, answer.json
    assert seen == {"explaining": (True, 1)}
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 1


def test_a_writing_engine_begins_with_the_write_lock(sqlite_file):
    # ``next_transaction_writes`` stores through the engine's writing variant: its transactions take
    # the write lock when they begin (and queue for it), not when they first write.
    _app, engine, _subject_id = sqlite_file
    with engine.execution_options(**WRITE).connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        assert not _another_writer_may_write(engine)
        connection.rollback()
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        assert _another_writer_may_write(engine)


def test_a_decision_that_fails_after_the_read_keeps_the_read_in_the_log(live, monkeypatch):
    app, engine, subject_id = live

    def broken(**_kw):
        raise RuntimeError("the explanation could not be built")

    monkeypatch.setattr(scoring.workflow.decisions, "build_explanation", broken)
    answer = app.test_client().post(
        f"/v1/subjects/{subject_id}/decisions", json={}, headers=signed_in_headers(app, subject_id)
    )
    assert answer.status_code == 500
    assert answer.content_type == "application/problem+json"
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 0
    # The facts were read under the consent, so the log says so; no decision was made.
    assert _decision_reads(engine) == 1


HOLDER = """
import sys, time
from store.db import WriterQueue
queue = WriterQueue(sys.argv[1])
queue.acquire()
print("held", flush=True)
time.sleep(0.5)
queue.release()
"""


def test_the_writer_queue_excludes_writers_of_another_process(tmp_path):
    path = str(tmp_path / "db.sqlite3.writers")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, path], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        queue = WriterQueue(path)
        started = time.monotonic()
        assert queue.acquire()
        waited = time.monotonic() - started
        queue.release()
    finally:
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    assert waited > 0.2, f"acquired after {waited:.3f} s while another process held the lock"


def _child_tries(queue: WriterQueue, path: str, out: multiprocessing.Queue) -> None:
    fd = queue._file(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        out.put("acquired")
    except BlockingIOError:
        out.put("blocked")


def test_a_forked_worker_does_not_share_its_parents_turn(tmp_path):
    # gunicorn forks its workers from a process that made the engine: a lock taken through
    # an inherited file description would not exclude the sibling, so each process opens
    # the lock file itself.
    path = str(tmp_path / "db.sqlite3.writers")
    queue = WriterQueue(path)
    assert queue.acquire()
    try:
        context = multiprocessing.get_context("fork")
        out = context.Queue()
        child = context.Process(target=_child_tries, args=(queue, path, out))
        child.start()
        child.join(timeout=10)
        assert out.get(timeout=5) == "blocked"
    finally:
        queue.release()

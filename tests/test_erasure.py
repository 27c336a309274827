"""Erasure: after it, the stored bytes hold nothing of the person and no key to their data.

These tests commit for real (``live_engine``), then read what is physically stored: the
SQLite file and its write-ahead log byte for byte, and every row of every table on both
engines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import gate, merkle
from consent.purposes import Purpose
from consent.receipts import receipt_leaf_hash, verify_receipt
from scoring.contract.models import SubjectFacts, get_facts, put_facts
from scoring.workflow.disputes import open_dispute
from service.web.keys import consent_keys, vault
from store import Base
from store.vault import DataKey, KeyShredded
from synthetic import generate
from tests.conftest import make_test_app
from tests.consent_fixtures import add_person, grant, signed_in_headers


@pytest.fixture
def live(live_engine, tmp_path):
    app = make_test_app(tmp_path, engine=live_engine)
    facts = generate(20, seed=5).features.drop("subject_id").to_dicts()
    people = []
    with Session(live_engine) as s, s.begin():
        for n in range(2):
            subject_id = add_person(s)
            put_facts(s, vault=vault(app), subject_id=subject_id, facts=facts[n])
            for purpose in ("scoring", "training", "statistics"):
                grant(s, consent_keys(app), subject_id, purpose=purpose)
            open_dispute(
                s,
                vault=vault(app),
                subject_id=subject_id,
                feature="savings_balance",
                statement="MY-STATEMENT-" + subject_id[:8],
            )
            people.append(subject_id)
    return app, live_engine, people


def _stored(engine, subject_id):
    with Session(engine) as s:
        key = s.get(DataKey, subject_id)
        payload = s.get(SubjectFacts, subject_id)
        return (key.wrapped if key else None), (payload.payload if payload else None)


def _all_rows_text(engine) -> str:
    dump = []
    with Session(engine) as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)).all():
                dump.append(repr(tuple(row)))
    return "\n".join(dump)


def test_erasure_leaves_no_plaintext_and_no_key(live, tmp_path):
    app, engine, (person, other) = live
    client = app.test_client()
    wrapped, payload = _stored(engine, person)
    other_wrapped, _ = _stored(engine, other)
    with app.app_context(), Session(engine) as s:
        receipts = [json.loads(r.envelope) for r in _receipts(s, person)]
        entry_ids = [r.log_entry_id for r in _receipts(s, person)]
    headers = signed_in_headers(app, person)

    response = client.delete(f"/v1/subjects/{person}", headers=headers)
    assert response.status_code == 200, response.json
    response.close()  # runs the WAL checkpoint, as the server does after sending
    statement = response.json
    rows = statement["destroyed"]["rows"]
    for table in ("subject_facts", "consents", "receipts", "fact_disputes", "data_keys"):
        assert rows[table] >= 1, table
    assert statement["kept"][0]["count"] >= 4  # 3 consent receipts + the erasure record

    # every table, every row: nothing names the person or holds their key or ciphertext
    text = _all_rows_text(engine)
    assert person not in text
    assert repr(wrapped) not in text
    assert repr(payload) not in text
    assert repr(other_wrapped) in text  # the search does find what is there

    if engine.dialect.name == "sqlite":
        database = Path(engine.url.database)
        raw = database.read_bytes() + (
            database.with_name(database.name + "-wal").read_bytes()
            if database.with_name(database.name + "-wal").exists()
            else b""
        )
        assert other_wrapped in raw  # the byte search works ...
        assert wrapped not in raw  # ... and finds no trace of the shredded key
        assert payload not in raw
        assert person.encode() not in raw
        assert b"MY-STATEMENT-" + person[:8].encode() not in raw

    # no remaining key opens the person's ciphertext, the other person is untouched
    with app.app_context(), Session(engine) as s:
        with pytest.raises(KeyShredded):
            vault(app).open(
                s, subject_id=person, table="subject_facts", column="payload", sealed=payload
            )
        assert get_facts(s, vault=vault(app), subject_id=other) is not None
        for purpose in ("scoring", "training", "statistics"):
            members = [m for m, _ in gate.consenting_subjects(s, purpose=Purpose.parse(purpose))]
            assert members == [other]

    # receipts already issued stay verifiable, and stay in the log
    jwks = client.get("/.well-known/jwks.json").json
    from store.signing import public_keys_from_jwks

    keys = public_keys_from_jwks(jwks)
    for envelope, entry_id in zip(receipts, entry_ids, strict=True):
        verify_receipt(envelope, keys)
        proof = client.get(f"/v1/log/entries/{entry_id}/inclusion-proof").json
        assert merkle.verify_inclusion(
            proof["leafIndex"],
            proof["treeSize"],
            receipt_leaf_hash(envelope),
            [bytes.fromhex(h) for h in proof["inclusionPath"]],
            bytes.fromhex(proof["treeHead"]["document"]["rootHash"]),
        )

    # the session died with the account, and the person is gone for everyone
    assert client.get(f"/v1/subjects/{person}/consents", headers=headers).status_code == 401


def test_erasing_someone_else_is_not_found(live):
    app, _engine, (person, other) = live
    response = app.test_client().delete(
        f"/v1/subjects/{person}", headers=signed_in_headers(app, other)
    )
    assert response.status_code == 404
    with Session(_engine) as s:
        assert s.get(SubjectFacts, person) is not None


def _receipts(session, subject_id):
    from consent.lifecycle import receipts_of

    return receipts_of(session, subject_id)


def test_the_outbox_names_nobody_and_erasure_empties_their_letters(live):
    app, _engine, (person, other) = live
    client = app.test_client()
    for who in (person, other, person):
        assert client.post("/v1/sign-in-links", json={"subject_id": who}).status_code == 202
    outbox = Path(app.instance_path) / "outbox"
    letters = sorted(outbox.iterdir())
    assert len(letters) == 3
    for letter in letters:
        for who in (person, other):
            assert who not in letter.name
            assert who not in letter.read_text()
            assert who.replace("-", "") not in letter.read_text()
    with app.app_context():
        from service.web.outbox import letters_for, link_secret_for

        assert len(letters_for(person)) == 2
        assert link_secret_for(person) is not None  # the sandbox's demo still finds its link

    response = client.delete(f"/v1/subjects/{person}", headers=signed_in_headers(app, person))
    assert response.status_code == 200
    response.close()
    (left,) = outbox.iterdir()
    with app.app_context():
        assert letters_for(other) == [left]


def test_erasing_from_the_web_ui_empties_the_outbox_too(live):
    from tests.test_ui import post, sign_in

    app, _engine, (person, other) = live
    client = app.test_client()
    for who in (person, other):
        client.post("/v1/sign-in-links", json={"subject_id": who})
    sign_in(app, client, person)
    answer = post(client, "/my-data/erase", {"confirm": "yes"}, page="/my-data/erase")
    assert answer.status_code == 200
    answer.close()
    with app.app_context():
        from service.web.outbox import letters_for

        assert letters_for(person) == []
        assert len(letters_for(other)) == 1

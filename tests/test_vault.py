"""Per-subject sealing: round trips, tamper and move detection, shredding, KEK rotation."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from scoring.workflow.outcomes import SubjectRegion
from store.keks import KekFolder, WrappingKeys
from store.keys import MasterKeyFolder, new_master_key
from store.vault import DataKey, KeyShredded, SealError, Vault, put_sealed
from tests.consent_fixtures import add_person

SECRET = b'{"savings_balance": 1234.5}'


@pytest.fixture
def folder(tmp_path):
    return KekFolder(tmp_path / "keks", MasterKeyFolder(tmp_path).load)


@pytest.fixture
def vault(folder):
    return Vault(folder.load)


def _seal(session, vault, subject_id, table="subject_facts", column="payload"):
    return vault.seal(session, subject_id=subject_id, table=table, column=column, plaintext=SECRET)


def _open(session, vault, subject_id, sealed, table="subject_facts", column="payload"):
    return vault.open(session, subject_id=subject_id, table=table, column=column, sealed=sealed)


def test_round_trip_with_a_fresh_nonce_each_time(session, vault, person):
    first, second = _seal(session, vault, person), _seal(session, vault, person)
    assert first != second
    assert SECRET not in first
    assert _open(session, vault, person, first) == SECRET
    assert _open(session, vault, person, second) == SECRET


def test_a_tampered_value_fails_loudly(session, vault, person):
    sealed = bytearray(_seal(session, vault, person))
    sealed[-5] ^= 0x01
    with pytest.raises(SealError):
        _open(session, vault, person, bytes(sealed))
    with pytest.raises(SealError):
        _open(session, vault, person, b"\x02" + bytes(sealed[1:]))


@pytest.mark.parametrize(
    ("table", "column"), [("subject_facts", "other"), ("fact_disputes", "payload")]
)
def test_a_value_moved_to_another_column_or_table_fails(session, vault, person, table, column):
    sealed = _seal(session, vault, person)
    with pytest.raises(SealError):
        _open(session, vault, person, sealed, table=table, column=column)


def test_a_value_moved_to_another_person_fails(session, vault, person):
    other = add_person(session)
    _seal(session, vault, other)  # the other person has a key of their own
    sealed = _seal(session, vault, person)
    with pytest.raises(SealError):
        _open(session, vault, other, sealed)


def test_shredding_makes_values_unreadable_and_spares_others(session, vault, person):
    other = add_person(session)
    mine, theirs = _seal(session, vault, person), _seal(session, vault, other)
    assert vault.shred(session, subject_id=person)
    with pytest.raises(KeyShredded):
        _open(session, vault, person, mine)
    assert _open(session, vault, other, theirs) == SECRET


def test_a_tampered_wrapped_key_fails(session, vault, person, sessions):
    sealed = _seal(session, vault, person)
    session.flush()
    session.execute(
        update(DataKey).where(DataKey.subject_id == person).values(wrapped=b"\x00" * 60)
    )
    with sessions() as fresh, pytest.raises(SealError):
        _open(fresh, vault, person, sealed)


def test_rotation_rewraps_every_key_and_old_values_still_open(session, folder, person, sessions):
    vault = Vault(folder.load)
    others = [add_person(session) for _ in range(3)]
    sealed = {s: _seal(session, vault, s) for s in [person, *others]}
    old_kid = vault.active_kid
    stale = Vault(folder.load)  # a second process, started before the rotation
    new = folder.create()
    vault.reload()
    assert vault.active_kid == new.kid != old_kid
    assert vault.rewrap(session) == 4
    assert vault.keys_per_kek(session) == {new.kid: 4}
    with sessions() as fresh:
        for subject_id, value in sealed.items():
            assert _open(fresh, vault, subject_id, value) == SECRET
    with sessions() as fresh:
        for subject_id, value in sealed.items():
            # the stale process meets a master key it does not know, and re-reads the keys
            assert _open(fresh, stale, subject_id, value) == SECRET
    assert stale.active_kid == vault.active_kid


def test_without_the_retired_key_a_rewrapped_database_is_unreadable(
    session, folder, person, sessions
):
    vault = Vault(folder.load)
    sealed = _seal(session, vault, person)
    session.flush()
    forgetful = Vault(lambda: WrappingKeys(active="other", keys={"other": new_master_key()}))
    with sessions() as fresh, pytest.raises(SealError, match="not configured"):
        _open(fresh, forgetful, person, sealed)


def test_a_moved_ciphertext_is_refused_over_http_with_no_data(app, client):
    from sqlalchemy import select

    from scoring.contract.models import SubjectFacts, put_facts
    from service.web.keys import consent_keys
    from service.web.keys import vault as app_vault
    from service.web.sessions import session_factory
    from synthetic import generate
    from tests.consent_fixtures import grant, signed_in_headers

    facts = generate(20, seed=9).features.drop("subject_id").to_dicts()
    with session_factory(app)() as s, s.begin():
        victim, mover = add_person(s), add_person(s)
        for n, who in enumerate((victim, mover)):
            put_facts(s, vault=app_vault(app), subject_id=who, facts=facts[n])
            grant(s, consent_keys(app), who, categories=["bank_cashflow", "income"])
    with session_factory(app)() as s, s.begin():
        stolen = s.scalars(
            select(SubjectFacts.payload).where(SubjectFacts.subject_id == victim)
        ).one()
        s.get(SubjectFacts, mover).payload = stolen
    response = client.get(
        f"/v1/subjects/{mover}/facts",
        query_string={"purpose": "scoring"},
        headers=signed_in_headers(app, mover),
    )
    assert response.status_code == 500
    assert response.json["type"].endswith("/problems/integrity-failure")
    assert "facts" not in response.json


def test_keys_rotate_command_rewraps_while_values_stay_readable(app):
    from scoring.contract.models import get_facts, put_facts
    from service.commands.keys import keys
    from service.web.keys import vault as app_vault
    from service.web.sessions import session_factory
    from synthetic import generate

    facts = generate(20, seed=4).features.drop("subject_id").to_dicts()
    with session_factory(app)() as s, s.begin():
        people = [add_person(s) for _ in range(3)]
        for n, who in enumerate(people):
            put_facts(s, vault=app_vault(app), subject_id=who, facts=facts[n])
    old = app_vault(app).active_kid
    runner = app.test_cli_runner()
    result = runner.invoke(keys, ["rotate"])
    assert result.exit_code == 0, result.output
    assert "re-wrapped 3 data keys" in result.output
    assert f"kept {old} until" in result.output  # inside the 30-day retention
    new = app_vault(app).active_kid
    status = runner.invoke(keys, ["status"]).output
    assert f"{new}: created" in status
    assert "active: 3 data keys" in status
    assert f"{old}: created" in status
    assert "destroyed from" in status
    assert ": 0 data keys" in status
    with session_factory(app)() as s:
        assert get_facts(s, vault=app_vault(app), subject_id=people[0]) == facts[0]


def test_preloading_keys_opens_the_same_values(session, vault, sessions):
    people = [add_person(session) for _ in range(5)]
    sealed = {p: _seal(session, vault, p) for p in people}
    session.flush()
    with sessions() as fresh:
        vault.preload(fresh, [*people, "00000000-0000-4000-8000-000000000000"])
        assert all(_open(fresh, vault, p, c) == SECRET for p, c in sealed.items())


def test_put_sealed_inserts_once_then_replaces_with_a_new_time(session, vault, person):
    first = _seal(session, vault, person, table="subject_regions", column="sealed_region")
    row = put_sealed(
        session, SubjectRegion, subject_id=person, column="sealed_region", sealed=first
    )
    stamped = row.recorded_at
    second = _seal(session, vault, person, table="subject_regions", column="sealed_region")
    again = put_sealed(
        session, SubjectRegion, subject_id=person, column="sealed_region", sealed=second
    )
    assert again is row
    assert row.sealed_region == second
    assert row.recorded_at >= stamped
    assert session.query(SubjectRegion).filter_by(subject_id=person).count() == 1


def test_keys_rotate_master_in_development_rewraps_the_key_files(app, tmp_path):
    from scoring.contract.models import get_facts, put_facts
    from service.commands.keys import keys
    from service.web.keys import vault as app_vault
    from service.web.sessions import session_factory
    from synthetic import generate

    facts = generate(20, seed=6).features.drop("subject_id").to_dicts()[0]
    with session_factory(app)() as s, s.begin():
        who = add_person(s)
        put_facts(s, vault=app_vault(app), subject_id=who, facts=facts)
    result = app.test_cli_runner().invoke(keys, ["rotate", "--master"])
    assert result.exit_code == 0, result.output
    assert "new master key" in result.output
    assert "re-wrapped 1 key files under the active master key" in result.output
    instance = tmp_path / "instance"
    for retired in (instance / "master_keys_retired").glob("*.key"):
        retired.unlink()  # the old master key is no longer needed by any file
    fresh = Vault(
        KekFolder(instance / "keks", MasterKeyFolder(instance).load).load  # a new process
    )
    with session_factory(app)() as s:
        assert get_facts(s, vault=fresh, subject_id=who) == facts

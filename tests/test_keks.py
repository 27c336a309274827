"""Key-encryption keys: files with ids and dates, a retention window, legacy rows, refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text
from sqlalchemy.orm import Session

from store import upgrade
from store.errors import KekDestroyed, KekError
from store.keks import KekFolder, retired_at
from store.keys import MasterKeyFolder, master_kid
from store.vault import DataKey, Vault
from tests.consent_fixtures import add_person

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
SECRET = b"a value about one person"


@pytest.fixture
def masters(tmp_path):
    return MasterKeyFolder(tmp_path)


@pytest.fixture
def folder(tmp_path, masters):
    return KekFolder(tmp_path / "keks", masters.load)


def test_the_first_load_makes_one_kek_then_reuses_it(folder):
    first = folder.load()
    assert folder.load().active == first.active
    (kek,) = folder.keks()
    assert kek.kid == first.active
    assert (folder.directory / f"{kek.kid}.kek").stat().st_mode & 0o777 == 0o600
    raw = (folder.directory / f"{kek.kid}.kek").read_text()
    assert kek.key.hex() not in raw  # wrapped under the master key, never in clear
    assert "key=" not in repr(kek)


def test_an_edited_creation_date_or_an_unknown_master_does_not_open(tmp_path, folder):
    kek = folder.create(now=T0)
    path = folder.directory / f"{kek.kid}.kek"
    raw = json.loads(path.read_text())
    path.write_text(json.dumps(raw | {"created_at": (T0 + 400 * DAY).isoformat()}))
    with pytest.raises(KekError, match="tampered"):
        folder.keks()
    path.write_text(json.dumps(raw))
    stranger = KekFolder(folder.directory, MasterKeyFolder(tmp_path / "elsewhere").load)
    with pytest.raises(KekError, match="not configured"):
        stranger.keks()


@pytest.mark.parametrize(
    ("now", "retention", "expired"),
    [
        (T0 + 10 * DAY, 30 * DAY, False),  # retired just now
        (T0 + 40 * DAY - dt.timedelta(seconds=1), 30 * DAY, False),  # a hair inside
        (T0 + 40 * DAY, 30 * DAY, True),  # exactly at the window
        (T0 + 400 * DAY, 30 * DAY, True),
        (T0 + 10 * DAY, 0 * DAY, True),  # retention 0: destroyed by the same rotation
    ],
)
def test_a_kek_expires_once_retired_for_the_retention(folder, now, retention, expired):
    old = folder.create(now=T0)
    new = folder.create(now=T0 + 10 * DAY)
    assert retired_at(folder.keks(), old) == new.created_at
    due = folder.expired(retention=retention, now=now)
    assert [k.kid for k in due] == ([old.kid] if expired else [])
    assert new.kid not in [k.kid for k in folder.expired(retention=0 * DAY, now=T0 + 999 * DAY)]


def test_the_active_kek_is_never_destroyed(folder):
    kek = folder.create(now=T0)
    with pytest.raises(KekError, match="active"):
        folder.destroy(kek, now=T0 + 999 * DAY)


def test_a_destroyed_kek_leaves_only_its_dates_and_the_vault_says_so(
    session, folder, person, sessions
):
    vault = Vault(folder.load)
    old = vault.active_kid
    sealed = vault.seal(session, subject_id=person, table="t", column="c", plaintext=SECRET)
    session.flush()
    folder.create()
    (due,) = folder.expired(retention=0 * DAY, now=dt.datetime.now(dt.UTC))
    tomb = folder.destroy(due, now=dt.datetime.now(dt.UTC))
    assert tomb.kid == old
    leftover = (folder.directory / f"{old}.destroyed").read_text()
    assert set(json.loads(leftover)) == {"kid", "created_at", "retired_at", "destroyed_at"}
    assert not (folder.directory / f"{old}.kek").exists()
    with sessions() as fresh, pytest.raises(KekDestroyed, match="was destroyed on"):
        Vault(folder.load).open(fresh, subject_id=person, table="t", column="c", sealed=sealed)


def test_a_process_started_before_a_rotation_wraps_under_the_new_kek_within_a_minute(
    session, folder
):
    now = [0.0]
    stale = Vault(folder.load, clock=lambda: now[0])
    new = folder.create()
    first = add_person(session)
    stale.seal(session, subject_id=first, table="t", column="c", plaintext=SECRET)
    assert session.get(DataKey, first).kek_id != new.kid  # still trusting what it read
    now[0] = 61.0
    second = add_person(session)
    stale.seal(session, subject_id=second, table="t", column="c", plaintext=SECRET)
    assert session.get(DataKey, second).kek_id == new.kid


def test_a_new_master_key_rewraps_the_key_files(tmp_path, masters, folder):
    kek = folder.create()
    masters.rotate(master_kid)
    assert folder.rewrap_files() == 1
    assert folder.rewrap_files() == 0
    (retired,) = (tmp_path / "master_keys_retired").glob("*.key")
    retired.unlink()  # the old master is gone: the files open under the new one alone
    assert [k.kid for k in folder.keks()] == [kek.kid]


def test_data_keys_from_before_kek_files_still_open_and_rotation_moves_them(
    live_engine, tmp_path, masters, folder
):
    """Upgrade a database whose data keys were wrapped directly under the master key."""
    from alembic import command
    from sqlalchemy import inspect

    from store.migrate import alembic_config

    master, _ = masters.load()
    with live_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0013")
    assert "master_kid" in {c["name"] for c in inspect(live_engine).get_columns("data_keys")}
    key = AESGCM.generate_key(bit_length=256)
    subject = "11111111-1111-4111-8111-111111111111"
    nonce = b"\x00" * 11 + b"\x01"
    wrapped = nonce + AESGCM(master).encrypt(
        nonce, key, b"fairfile/data-key/v1|" + subject.encode()
    )
    value_nonce = b"\x00" * 11 + b"\x02"
    sealed = (
        b"\x01"
        + value_nonce
        + AESGCM(key).encrypt(value_nonce, SECRET, f"fairfile/value/v1|{subject}|t|c".encode())
    )
    with live_engine.begin() as c:
        c.execute(
            text("INSERT INTO subjects (id, origin, created_at) VALUES (:s, 'synthetic', :t)"),
            {"s": subject, "t": T0.isoformat()},
        )
        c.execute(
            text(
                "INSERT INTO data_keys (subject_id, master_kid, wrapped, created_at) "
                "VALUES (:s, :k, :w, :t)"
            ),
            {"s": subject, "k": master_kid(master), "w": wrapped, "t": T0.isoformat()},
        )
    upgrade(live_engine)
    assert "kek_id" in {c["name"] for c in inspect(live_engine).get_columns("data_keys")}
    vault = Vault(folder.load)
    with Session(live_engine) as s:
        assert vault.keys_per_kek(s) == {master_kid(master): 1}  # the legacy "KEK 0"
        assert vault.open(s, subject_id=subject, table="t", column="c", sealed=sealed) == SECRET
    with Session(live_engine) as s, s.begin():
        assert vault.rewrap(s) == 1
    with Session(live_engine) as s:
        assert vault.keys_per_kek(s) == {vault.active_kid: 1}
        assert vault.open(s, subject_id=subject, table="t", column="c", sealed=sealed) == SECRET

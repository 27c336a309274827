"""The attacker's move: a backup from before an erasure, restored beside the live keys.

The attacker holds a copy of the database taken before a person erased their account (a
file copy on SQLite, a copy of every row on PostgreSQL), the master key, and the live key
directory. After the erasure and one ``fairfile keys rotate`` that destroys the expired
KEK, the copy's wrapped data key opens under nothing, while every live person's data still
opens in the live database. Without the rotation the same copy still opens the erased
person's data: that test documents why the rotation is needed, and shows the attack works
when it is not stopped.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.orm import Session

from scoring.contract.models import SubjectFacts, get_facts, put_facts
from service.web.keys import kek_folder, vault
from store import Base, make_engine, upgrade
from store.vault import DataKey, KekDestroyed, SealError
from synthetic import generate
from tests.conftest import _drop_postgres_schema, _postgres_engine, make_test_app
from tests.consent_fixtures import add_person, signed_in_headers


@pytest.fixture
def restorer(tmp_path) -> Iterator[Callable[[Engine], Callable[[], Engine]]]:
    """``take(engine)`` copies the database now; calling the result restores the copy."""
    made: list[tuple[Engine, str | None]] = []

    def take(engine: Engine) -> Callable[[], Engine]:
        if engine.dialect.name == "sqlite":
            copy = tmp_path / f"backup-{len(made)}.sqlite3"
            source, target = sqlite3.connect(engine.url.database), sqlite3.connect(copy)
            with target:
                source.backup(target)  # what `sqlite3 live.sqlite3 .backup copy` does
            source.close()
            target.close()

            def restore_file() -> Engine:
                restored = make_engine(f"sqlite:///{copy}")
                made.append((restored, None))
                return restored

            return restore_file
        rows: dict[str, list[dict[str, Any]]] = {}
        with Session(engine) as session:
            for table in Base.metadata.sorted_tables:
                rows[table.name] = [dict(r._mapping) for r in session.execute(select(table))]

        def restore_rows() -> Engine:
            restored, schema = _postgres_engine()
            made.append((restored, schema))
            upgrade(restored)
            with restored.begin() as connection:
                for table in reversed(Base.metadata.sorted_tables):
                    connection.execute(delete(table))  # rows the migrations seed
                for table in Base.metadata.sorted_tables:
                    if rows[table.name]:
                        connection.execute(insert(table), rows[table.name])
            return restored

        return restore_rows

    yield take
    for engine, schema in made:
        engine.dispose()
        if schema is not None:
            _drop_postgres_schema(schema)


def _world(engine: Engine, tmp_path: Path, **settings: Any):
    app = make_test_app(tmp_path, engine=engine, **settings)
    facts = generate(20, seed=8).features.drop("subject_id").to_dicts()[:2]
    with Session(engine) as s, s.begin():
        people = [add_person(s) for _ in facts]
        for who, payload in zip(people, facts, strict=True):
            put_facts(s, vault=vault(app), subject_id=who, facts=payload)
    return app, people, facts


def _erase(app, subject_id: str) -> None:
    response = app.test_client().delete(
        f"/v1/subjects/{subject_id}", headers=signed_in_headers(app, subject_id)
    )
    assert response.status_code == 200, response.json
    response.close()  # checkpoint / VACUUM, as the server does once the answer is sent


def _rotate(app) -> str:
    from service.commands.keys import keys

    result = app.test_cli_runner().invoke(keys, ["rotate"])
    assert result.exit_code == 0, result.output
    return result.output


def _beside_the_live_keys(restored: Engine, tmp_path: Path, **settings: Any):
    # the same instance folder: the same master key file and the live key directory
    return make_test_app(tmp_path, engine=restored, **settings)


def test_after_erasure_and_rotation_a_restored_backup_opens_nothing_of_them(
    live_engine, tmp_path, restorer
):
    app, (erased, kept), (erased_facts, kept_facts) = _world(
        live_engine, tmp_path, kek_retention_days=0
    )
    backup = restorer(live_engine)  # taken before the erasure
    _erase(app, erased)
    said = _rotate(app)
    assert "destroyed key-encryption key" in said

    restored = backup()
    thief = _beside_the_live_keys(restored, tmp_path, kek_retention_days=0)
    with Session(restored) as s:
        # the copy does hold the erased person's sealed facts and wrapped data key ...
        assert s.get(SubjectFacts, erased) is not None
        assert s.get(DataKey, erased) is not None
        # ... and the live keys open neither
        with pytest.raises(KekDestroyed, match="older than the key retention period"):
            get_facts(s, vault=vault(thief), subject_id=erased)
        # The price, stated: the copy is expired for everyone, since its every key was
        # wrapped under the destroyed KEK (backups older than the retention must expire).
        with pytest.raises(KekDestroyed):
            get_facts(s, vault=vault(thief), subject_id=kept)

    # the live database: the person not erased still opens, under the new KEK
    with Session(live_engine) as s:
        assert get_facts(s, vault=vault(app), subject_id=kept) == kept_facts
        assert s.get(DataKey, erased) is None
        assert {row.kek_id for row in s.scalars(select(DataKey))} == {vault(app).active_kid}
    assert erased_facts != kept_facts


def test_without_rotation_the_restored_backup_still_opens_the_erased_person(
    live_engine, tmp_path, restorer
):
    app, (erased, _kept), (erased_facts, _) = _world(live_engine, tmp_path)
    backup = restorer(live_engine)
    _erase(app, erased)

    restored = backup()
    thief = _beside_the_live_keys(restored, tmp_path)
    with Session(restored) as s:
        # the attack works until the KEK of the backup's time is destroyed
        assert get_facts(s, vault=vault(thief), subject_id=erased) == erased_facts


def test_inside_the_retention_window_the_backup_opens_and_after_it_nothing_does(
    live_engine, tmp_path, restorer
):
    app, (erased, _kept), (erased_facts, _) = _world(live_engine, tmp_path)
    backup = restorer(live_engine)
    _erase(app, erased)
    said = _rotate(app)  # the 30-day default: the old KEK is kept
    assert "destroyed" not in said
    assert "until" in said

    restored = backup()
    with Session(restored) as s:
        thief = _beside_the_live_keys(restored, tmp_path)
        assert get_facts(s, vault=vault(thief), subject_id=erased) == erased_facts

    # 30 days after the old KEK was retired, the next rotation destroys it
    folder = kek_folder(app.config["FAIRFILE_SETTINGS"], Path(app.instance_path))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30, seconds=1)
    (expired,) = folder.expired(retention=dt.timedelta(days=30), now=later)
    folder.destroy(expired, now=later)
    with Session(restored) as s:
        thief = _beside_the_live_keys(restored, tmp_path)
        with pytest.raises(SealError):
            get_facts(s, vault=vault(thief), subject_id=erased)


def test_erasure_vacuums_the_key_row_on_postgresql(live_engine, tmp_path):
    if live_engine.dialect.name != "postgresql":
        pytest.skip("SQLite zeroes freed pages itself (secure_delete; tests/test_erasure.py)")
    app, (erased, _kept), _ = _world(live_engine, tmp_path)
    with Session(live_engine) as s:
        wrapped = s.get(DataKey, erased).wrapped
    inspect = _page_inspector(live_engine)

    response = app.test_client().delete(
        f"/v1/subjects/{erased}", headers=signed_in_headers(app, erased)
    )
    assert response.status_code == 200
    assert _last_vacuum(live_engine) is None
    if inspect is not None:
        assert any(wrapped in item for item in inspect())  # committed, yet still in the page
    response.close()  # the answer is sent: VACUUM runs on an autocommit connection
    assert _last_vacuum(live_engine) is not None
    if inspect is not None:
        assert not any(wrapped in item for item in inspect())  # no tuple holds it any more


def _last_vacuum(engine: Engine) -> Any:
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT last_vacuum FROM pg_stat_user_tables "
                "WHERE relname = 'data_keys' AND schemaname = current_schema()"
            )
        ).scalar_one()


def _page_inspector(engine: Engine) -> Callable[[], list[bytes]] | None:
    """Every tuple's bytes in the data-key table's pages (pageinspect), if it is available."""
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public"))
    except Exception:
        return None

    def tuples() -> list[bytes]:
        with engine.connect() as connection:
            pages = connection.execute(
                text("SELECT pg_relation_size('data_keys') / current_setting('block_size')::int")
            ).scalar_one()
            found: list[bytes] = []
            for page in range(int(pages)):
                found += [
                    bytes(data)
                    for (data,) in connection.execute(
                        text(
                            "SELECT t_data FROM public.heap_page_items("
                            "public.get_raw_page('data_keys', :page)) WHERE t_data IS NOT NULL"
                        ),
                        {"page": page},
                    )
                ]
            return found

    return tuples

"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when configured.

``FAIRFILE_TEST_DATABASE_URL`` points the suite at a PostgreSQL server; each run works in
a schema of its own, created and dropped here. With ``CI=true`` the URL is required: CI
must never quietly fall back to SQLite alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from consent.lifecycle import ConsentKeys
from service import create_app
from store import make_engine, upgrade
from store.keys import Pseudonyms
from store.signing import Keyring

PG_URL = os.environ.get("FAIRFILE_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
ENGINES = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]

if IN_CI and not PG_URL:
    raise pytest.UsageError("CI=true but FAIRFILE_TEST_DATABASE_URL is not set")


def _postgres_engine() -> tuple[Engine, str]:
    assert PG_URL
    schema = f"fairfile_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


def _drop_postgres_schema(schema: str) -> None:
    assert PG_URL
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=ENGINES)
def live_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated database whose commits really land (no outer transaction).

    For tests that look at what is physically stored, or that need real concurrency.
    """
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'live.sqlite3'}")
        upgrade(eng)
        yield eng
        eng.dispose()
    else:
        eng, schema = _postgres_engine()
        upgrade(eng)
        yield eng
        eng.dispose()
        _drop_postgres_schema(schema)


@pytest.fixture(scope="session", params=ENGINES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database, one per engine for the whole run."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "fairfile.sqlite3"
        eng = make_engine(f"sqlite:///{path}")
        upgrade(eng)
        yield eng
        eng.dispose()
    else:
        eng, schema = _postgres_engine()
        upgrade(eng)
        yield eng
        eng.dispose()
        _drop_postgres_schema(schema)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside an outer transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        if outer.is_active:
            outer.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    """A session factory whose commits become savepoints of the test's transaction."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One session for domain-level tests; code under test may commit freely."""
    with sessions() as s:
        yield s


@pytest.fixture
def keys(tmp_path: Path) -> ConsentKeys:
    """Signing and pseudonym keys for domain-level consent tests."""
    return ConsentKeys(
        keyring=Keyring.from_directory(tmp_path / "signing"), pseudonyms=Pseudonyms(bytes(32))
    )


@pytest.fixture
def person(session: Session) -> str:
    """An enrolled synthetic person with no consents."""
    from tests.consent_fixtures import add_person

    return add_person(session)


def make_test_app(tmp_path: Path, **overrides: Any) -> Flask:
    """Create an app in testing mode with its instance folder under ``tmp_path``."""
    config: dict[str, Any] = {"env": "testing", "instance_path": tmp_path / "instance"}
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(tmp_path: Path, sessions: sessionmaker[Session]) -> Flask:
    """The app bound to the test's transaction."""
    return make_test_app(tmp_path, engine=sessions)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for ``app``."""
    return app.test_client()


def pytest_report_header() -> str:
    """Say on which database engines this run's database tests run."""
    where = f" ({PG_URL.split('@')[-1]})" if PG_URL else ""
    return f"fairfile database engines: {', '.join(ENGINES)}{where}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Count the passed database tests per engine, so a CI log shows both ran."""
    passed = terminalreporter.stats.get("passed", [])
    counts = {name: sum(1 for r in passed if name in r.keywords) for name in ENGINES}
    terminalreporter.write_line(
        "database tests passed per engine: "
        + ", ".join(f"{name} {count}" for name, count in counts.items())
    )

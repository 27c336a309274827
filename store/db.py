"""The declarative base, shared column shapes, and engine and session factories."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
from typing import Any, ClassVar

from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

# Constraint names are fixed by convention so that Alembic migrations are the same on
# SQLite and PostgreSQL and a later migration can refer to a constraint by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC timestamp on every engine.

    SQLite has no time zones, so values are stored naive in UTC and handed back aware.
    Naive datetimes are refused on the way in: a naive time is a bug, not a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        """Convert an aware datetime to UTC before it is stored."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is required")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        """Hand back an aware UTC datetime."""
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """The one declarative base of every Fairfile table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime()}


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers run beside one writer;
    # busy_timeout makes a second writer wait instead of failing at once. The driver's own
    # transaction handling is switched off so that SQLAlchemy emits BEGIN itself and
    # SAVEPOINTs work (the pysqlite recipe in SQLAlchemy's SQLite dialect docs).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted content is overwritten with zeros, so an erased person's wrapped data key and
    # ciphertexts do not linger in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with Fairfile's settings for its dialect.

    SQLite gets foreign keys, WAL and a busy timeout on every connection. A plain
    ``postgresql://`` URL is routed to the psycopg 3 driver.

    >>> make_engine("sqlite://").dialect.name
    'sqlite'
    """
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(parsed, **kwargs)
    if engine.dialect.name == "sqlite":
        database = parsed.database or ""
        on_disk = database not in {"", ":memory:"} and not database.startswith("file:")
        writers = WriterQueue(f"{database}.writers" if on_disk else None)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", lambda conn: _sqlite_begin(conn, writers))
        event.listen(engine, "commit", _sqlite_end)
        event.listen(engine, "rollback", _sqlite_end)
    return engine


class WriterQueue:
    """The queue SQLite writers wait in, in this process and across processes.

    SQLite admits one writer; its own busy handler makes the others retry by sleeping,
    which lets late writers overtake and stretches the tail. Here a writer waits on a lock
    instead and is woken the moment the lock is free: a thread lock among the threads of a
    process, then (for a database in a file) an exclusive ``flock`` on a file beside the
    database among processes, such as several gunicorn workers and a CLI command.

    The file is opened once per process (never inherited across a fork: a lock shared
    through an inherited file description would not exclude the sibling). The kernel
    drops a dead process's lock. The in-process wait is bounded like SQLite's busy
    timeout, so a lock left held by a bug costs speed, never a deadlock: SQLite's own
    locking still serialises the writers.
    """

    def __init__(self, path: str | None, timeout: float = 10.0) -> None:
        self._path = path
        self._timeout = timeout
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def acquire(self) -> bool:
        """Wait for the turn to write; False if the in-process wait timed out."""
        if not self._threads.acquire(timeout=self._timeout):
            return False
        try:
            if self._path is not None:
                fcntl.flock(self._file(self._path), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        return True

    def release(self) -> None:
        """End this writer's turn."""
        try:
            if self._path is not None and self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _file(self, path: str) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd


def _sqlite_begin(connection: Connection, writers: WriterQueue) -> None:
    # A writing transaction asks for IMMEDIATE (see ``WRITE``): it takes SQLite's write lock
    # at BEGIN, so concurrent writers queue instead of failing when a read lock cannot be
    # upgraded, and they queue in the ``WriterQueue`` first.
    mode = connection.get_execution_options().get("sqlite_begin", "")
    if mode == "IMMEDIATE" and writers.acquire():
        connection.info["fairfile.writers"] = writers
    try:
        connection.exec_driver_sql(f"BEGIN {mode}".strip())
    except BaseException:
        _sqlite_end(connection)
        raise


def _sqlite_end(connection: Connection) -> None:
    held: WriterQueue | None = connection.info.pop("fairfile.writers", None)
    if held is not None:
        held.release()


#: Execution options for a session or connection that will write: on SQLite its
#: transaction begins IMMEDIATE; other engines ignore the option.
WRITE: dict[str, Any] = {"sqlite_begin": "IMMEDIATE"}


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory used by requests, commands and jobs.

    ``expire_on_commit`` is off so values read in a request stay usable after the request
    edge commits.
    """
    return sessionmaker(bind=engine, expire_on_commit=False)

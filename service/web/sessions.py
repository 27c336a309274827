"""One database session per request, committed at the request's edge."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, g, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store import WRITE, make_session_factory

_EXTENSION = "fairfile.sessions"
_WRITING = "fairfile.sessions.writing"
_WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
V = TypeVar("V", bound=Callable[..., object])


def split_writes(view: V) -> V:
    """Mark a route that ends and begins its own transactions: it begins by only reading.

    Such a route commits between the steps of its work (``restart_ready_to_write``,
    ``next_transaction_writes``) so that SQLite's one write lock is held only while it
    writes (ADR 0016).
    """
    view.fairfile_split_writes = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask, engine: Engine | sessionmaker[Session]) -> None:
    """Bind ``app`` to a database: a session factory, and the request-edge commit."""
    factory = engine if isinstance(engine, sessionmaker) else make_session_factory(engine)
    app.extensions[_EXTENSION] = factory
    bind = factory.kw.get("bind")
    # The same engine and pool, its transactions begun ready to write (``next_transaction_writes``).
    app.extensions[_WRITING] = bind.execution_options(**WRITE) if isinstance(bind, Engine) else None
    app.after_request(_commit_successful_request)
    app.teardown_appcontext(_close)


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    """Return the session factory bound to ``app`` (default: the current app)."""
    factory: sessionmaker[Session] = (app or current_app).extensions[_EXTENSION]
    return factory


def db() -> Session:
    """Return this request's session, opening it on first use.

    A request that writes (a writing method, or a read of personal data, which appends to
    the transparency log) begins its transaction ready to write (IMMEDIATE on SQLite).
    """
    if "db_session" not in g:
        session = session_factory()()
        view = current_app.view_functions.get(request.endpoint or "")
        gated = getattr(view, "fairfile_access", None) == "gated"
        split = getattr(view, "fairfile_split_writes", False)
        if (request.method in _WRITING_METHODS or gated) and not split:
            session.connection(execution_options=WRITE)
        g.db_session = session
    current: Session = g.db_session
    return current


def _commit_successful_request(response: Response) -> Response:
    # Domain functions never commit: a request that succeeded is committed here (a GET
    # commits too: a read of personal data appends to the transparency log), everything
    # else is rolled back, so a failed request leaves nothing half-written.
    session: Session | None = g.get("db_session")
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    return response


def _close(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def restart_ready_to_write() -> Session:
    """End this request's transaction and begin the next one ready to write.

    For a request that must commit something in a transaction of its own first (a privacy
    charge): the request's transaction, which has written nothing yet, must not hold
    SQLite's one write lock meanwhile, and what follows writes again.
    """
    session = db()
    session.commit()
    session.connection(execution_options=WRITE)
    return session


def next_transaction_writes() -> Session:
    """End this request's transaction; the next begins ready to write when it first writes.

    For a request marked ``split_writes`` that has computed what it will store: the
    session switches to the engine's writing variant (same pool), so SQLite's one write
    lock is taken when the database is next touched, not while the answer is built.
    """
    session = db()
    session.commit()
    writing: Engine | None = current_app.extensions[_WRITING]
    if writing is not None:
        session.bind = writing
    else:  # bound to a connection (tests): its transaction is already the caller's
        session.connection(execution_options=WRITE)
    return session

"""One database session per request, committed at the request's edge."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store import make_session_factory
from store.db import WRITE

_EXTENSION = "fairfile.sessions"
_WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_app(app: Flask, engine: Engine | sessionmaker[Session]) -> None:
    """Bind ``app`` to a database: a session factory, and the request-edge commit."""
    factory = engine if isinstance(engine, sessionmaker) else make_session_factory(engine)
    app.extensions[_EXTENSION] = factory
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
        if request.method in _WRITING_METHODS or gated:
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


class SplitWrites:
    """Commit a decision's log entry, compute without holding the write lock, then store.

    Passed as ``phases`` to ``scoring.decisions.decide``: at ``authorized`` this request's
    transaction (the consent check and its log entry) commits and a read transaction
    follows; at ``ready_to_store`` the next transaction begins ready to write. SQLite's
    one write lock is then held for two short writes instead of the whole request.
    """

    def authorized(self) -> None:
        """Commit the read's log entry; what follows only reads."""
        db().commit()

    def ready_to_store(self) -> None:
        """Begin the transaction that stores the decision, ready to write."""
        restart_ready_to_write()

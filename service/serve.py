"""Serve the app with gunicorn, a production WSGI server (never Flask's dev server).

A request gunicorn itself refuses, before the app sees it (a request line over 8,190
bytes, headers over their limits, a line that is not HTTP), is answered as the app answers
everything: an RFC 9457 problem document, not gunicorn's HTML page (``ProblemWorker``).
The app refuses URLs over ``service.web.errors.MAX_URL_BYTES`` itself, well inside that.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

#: gunicorn's own refusals of a request it could not read: status, title, detail. The
#: detail never repeats the request (its path may name a person).
_REFUSALS: tuple[tuple[type[Exception], int, str, str], ...] = (
    (http_errors.LimitRequestLine, 414, "URI Too Long", "The request line is too long."),
    (
        http_errors.LimitRequestHeaders,
        431,
        "Request Header Fields Too Large",
        "Too many request headers, or one too large.",
    ),
    (
        http_errors.UnsupportedTransferCoding,
        501,
        "Not Implemented",
        "That transfer coding is not supported.",
    ),
    (http_errors.ExpectationFailed, 417, "Expectation Failed", "That Expect is not supported."),
)
_NOT_THE_CLIENTS = (
    http_errors.InvalidResponseHeader,
    http_errors.InvalidResponseHeaderName,
    http_errors.ConfigurationProblem,
)


def refusal(exc: Exception) -> tuple[int, str, str] | None:
    """Return how to answer a request gunicorn could not read (None: not the client's fault).

    >>> refusal(http_errors.LimitRequestLine(9000, 8190))
    (414, 'URI Too Long', 'The request line is too long.')
    >>> refusal(http_errors.InvalidRequestMethod("BREW"))[0]
    400
    """
    if not isinstance(exc, http_errors.ParseException) or isinstance(exc, _NOT_THE_CLIENTS):
        return None
    for kind, status, title, detail in _REFUSALS:
        if isinstance(exc, kind):
            return status, title, detail
    return 400, "Bad Request", "The request is not valid HTTP/1.1."


class ProblemWorker:
    """A worker mixin: gunicorn's refusals of unreadable requests as problem+json."""

    log: Any

    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        """Answer a client's unreadable request with a problem; the rest as gunicorn does."""
        answer = refusal(exc)
        if answer is None:
            super().handle_error(req, client, addr, exc)  # type: ignore[misc]
            return
        status, title, detail = answer
        self.log.warning("refused an unreadable request: %s (%d)", type(exc).__name__, status)
        body = json.dumps(
            {"type": "about:blank", "title": title, "status": status, "detail": detail}
        )
        head = (
            f"HTTP/1.1 {status} {title}\r\nConnection: close\r\n"
            "Content-Type: application/problem+json\r\nX-Content-Type-Options: nosniff\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        try:
            util.write_nonblock(client, (head + body).encode("latin-1"))
        except OSError:
            self.log.debug("could not send the refusal")


class ProblemSyncWorker(ProblemWorker, SyncWorker):  # type: ignore[misc]
    """gunicorn's sync worker, refusing in problem+json."""


class ProblemThreadWorker(ProblemWorker, ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker, refusing in problem+json."""


class Server(BaseApplication):  # type: ignore[misc]
    """Gunicorn embedded as a library, serving one already-built app."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        """Copy the known options into gunicorn's settings."""
        for key, value in self._options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Callable[..., Iterable[bytes]]:
        """Return the WSGI app, each request run in a context of its own."""
        return _isolated(self._app)


def _isolated(app: Flask) -> Callable[..., Iterable[bytes]]:
    """Run every request of ``app`` in a fresh, empty ``contextvars`` context.

    ``fairfile serve`` runs inside the command line's application context. A sync worker
    answers in the thread that holds it, and Flask reuses an application context it finds
    active, so ``g`` (the request's database session, the signed-in person, the lender's
    key) would carry from one request to the next. In an empty context every request gets
    its own application context. (A threaded worker's threads start empty anyway.)
    """

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        result: Iterable[bytes] = contextvars.Context().run(app, environ, start_response)
        return result

    return wsgi


def serve(app: Flask, *, host: str, port: int, workers: int, threads: int) -> None:
    """Run gunicorn in the foreground until interrupted."""
    Server(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": ProblemThreadWorker if threads > 1 else ProblemSyncWorker,
            "limit_request_line": 8190,  # gunicorn's most; the app's own limit is lower
            "accesslog": None,
            "errorlog": "-",
            # Each worker opens its own connections: none may cross the fork.
            "post_fork": lambda _server, _worker: _dispose(app),
        },
    ).run()


def _dispose(app: Flask) -> None:
    from .web.sessions import session_factory

    session_factory(app).kw["bind"].dispose(close=False)

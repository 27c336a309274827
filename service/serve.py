"""Serve the app with gunicorn, a production WSGI server (never Flask's dev server)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


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
        return isolated(self._app)


def isolated(app: Flask) -> Callable[..., Iterable[bytes]]:
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
            "worker_class": "gthread" if threads > 1 else "sync",
            "accesslog": None,
            "errorlog": "-",
            # Each worker opens its own connections: none may cross the fork.
            "post_fork": lambda _server, _worker: _dispose(app),
        },
    ).run()


def _dispose(app: Flask) -> None:
    from .sessions import session_factory

    session_factory(app).kw["bind"].dispose(close=False)

"""Security headers on every answer, set once for the whole app.

- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` everywhere;
- ``Cache-Control: no-store`` on everything but static files (an answer about a person,
  a decision or a key must never sit in a shared or browser cache; a route may set its own);
- a ``Content-Security-Policy`` on every answer: the page policy on HTML (the web UI, the
  ``/v1/...html`` pages, problem-type pages; the API docs set their own), and
  ``default-src 'none'`` on everything else, so a JSON answer opened in a browser runs
  nothing.

HSTS is the TLS-terminating proxy's duty (``docs/operations.md``): the app never sees TLS.
"""

from __future__ import annotations

from typing import Final

from flask import Flask, Response, request

PAGE_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
DATA_CSP: Final = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


def _secure(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    if "Content-Security-Policy" not in headers:
        page = response.mimetype == "text/html"
        headers["Content-Security-Policy"] = PAGE_CSP if page else DATA_CSP
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every answer (a blueprint's own policy, set earlier, stays)."""
    app.after_request(_secure)

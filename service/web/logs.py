"""JSON logs with a request id, and an access line that carries no subject data.

Every response carries the server-made ``X-Request-ID`` that its log lines carry too.

The access line names the matched route *pattern* (``/v1/subjects/<subject_id>``), never
the concrete path, query string, headers or body, so identifiers and values a client sends
never reach the log.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from typing import TextIO

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

access_log = logging.getLogger("fairfile.access")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time of each record."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(level: str) -> None:
    """Send every log record to stderr as one JSON object per line."""
    handler = _StderrHandler()
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"levelname": "level", "asctime": "time", "name": "logger"},
        )
    )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "fairfile", False):
            root.removeHandler(existing)
    handler.fairfile = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())


def init_app(app: Flask) -> None:
    """Give every request an id and write one access line per response."""
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    # The id is always made here: an id chosen by the client could carry anything into
    # the log, including a person's data.
    g.request_id = uuid.uuid4().hex
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-ID"] = request_id
    started = g.get("started")
    access_log.info(
        "request",
        extra={
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else None,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        },
    )
    return response

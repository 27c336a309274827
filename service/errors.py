"""Every error the service returns, as RFC 9457 ``application/problem+json``.

This is the one place where exceptions become HTTP answers. Domain packages raise their
own exceptions, with no HTTP in them; ``DOMAIN_PROBLEMS`` maps each to a status and a
problem type. Clients never see a stack trace or an internal message: an unexpected error
is logged here with its request id and answered with a generic 500.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, request, url_for
from pydantic import ValidationError
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProblemType:
    """A documented kind of problem: its URL slug, title, status and explanation."""

    slug: str
    title: str
    status: int
    description: str


VALIDATION = ProblemType(
    "validation",
    "The request did not validate",
    422,
    "A field is missing, has the wrong type or is out of range, or the request names a "
    "field the endpoint does not accept. `errors` lists each one with a JSON pointer.",
)
MALFORMED_JSON = ProblemType(
    "malformed-json",
    "The request body is not valid JSON",
    400,
    "The body could not be parsed as JSON. Nothing was changed.",
)

#: Domain exception -> problem type. Later capabilities add their exceptions here.
DOMAIN_PROBLEMS: dict[type[Exception], ProblemType] = {}

#: Every documented problem type, by slug (served at ``/problems/<slug>``).
CATALOGUE: dict[str, ProblemType] = {p.slug: p for p in (VALIDATION, MALFORMED_JSON)}


def register_domain_problem(exc: type[Exception], problem: ProblemType) -> None:
    """Map a domain exception to a documented problem type."""
    DOMAIN_PROBLEMS[exc] = problem
    CATALOGUE[problem.slug] = problem


def problem(
    status: int,
    *,
    title: str,
    detail: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """Build a problem+json response.

    ``extensions`` become extra members (for example ``errors`` for a validation problem);
    every problem also carries the ``request_id`` that the logs use.
    """
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if request:
        body["instance"] = request.path
    body.update(extensions)
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def typed_problem(kind: ProblemType, detail: str | None = None, **extensions: Any) -> Response:
    """Build a problem+json response of a documented type."""
    return problem(
        kind.status,
        title=kind.title,
        detail=detail,
        type_=url_for("problems.problem_type", slug=kind.slug, _external=True),
        **extensions,
    )


def validation_problem(exc: ValidationError) -> Response:
    """Turn a pydantic error into a 422 problem listing each field with a JSON pointer.

    The offending values are never echoed: they may be a person's data.
    """
    errors = [
        {
            "pointer": "#/" + "/".join(str(part) for part in error["loc"]),
            "detail": error["msg"],
            "code": error["type"],
        }
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    ]
    return typed_problem(VALIDATION, f"{len(errors)} field(s) did not validate", errors=errors)


def _http_problem(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers: dict[str, str] = {}
    allow = exc.get_headers().copy()
    for name, value in allow:
        if name.lower() in {"allow", "retry-after"}:
            headers[name] = value
    if isinstance(exc, BadRequest) and getattr(exc, "fairfile_malformed_json", False):
        return typed_problem(MALFORMED_JSON, "The body could not be parsed as JSON.")
    return problem(status, title=exc.name, detail=exc.description, headers=headers)


def _unexpected(exc: Exception) -> Response:
    original = getattr(exc, "original_exception", None) or exc
    log.error("unhandled error", exc_info=original)
    return problem(
        500,
        title="Internal Server Error",
        detail="Something went wrong on our side. Nothing was changed; quote the request_id "
        "if you report it.",
    )


def _domain(exc: Exception) -> Response:
    for cls in type(exc).__mro__:
        kind = DOMAIN_PROBLEMS.get(cls)
        if kind is not None:
            extensions: dict[str, Any] = dict(getattr(exc, "problem_extensions", {}) or {})
            return typed_problem(kind, str(exc), **extensions)
    return _unexpected(exc)


def require_json_body() -> None:
    """Refuse, before the view runs, a JSON endpoint's body that is not JSON.

    A writing request under ``/v1/`` that carries a body must say
    ``Content-Type: application/json`` (else 415) and parse (else 400). Reading the body
    here also enforces the body-size limit (413).
    """
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"}:
        return
    if not request.path.startswith("/v1/"):
        return
    data = request.get_data(cache=True)
    if not data:
        return
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("This endpoint accepts only a body of type application/json.")
    try:
        json.loads(data)
    except (UnicodeDecodeError, ValueError):
        error = BadRequest("The body could not be parsed as JSON.")
        error.fairfile_malformed_json = True  # type: ignore[attr-defined]
        raise error from None


def init_app(app: Flask) -> None:
    """Register the handlers that turn every error into problem+json."""
    app.before_request(require_json_body)
    app.register_error_handler(HTTPException, _http_problem)
    app.register_error_handler(ValidationError, validation_problem)
    app.register_error_handler(Exception, _domain)

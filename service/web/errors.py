"""Every error the service returns, as RFC 9457 ``application/problem+json``.

This is the one place where exceptions become HTTP answers. Domain packages raise their
own exceptions, with no HTTP in them; ``DOMAIN_PROBLEMS`` maps each to a status and a
problem type. Clients never see a stack trace or an internal message: an unexpected error
is logged here with its request id and answered with a generic 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request, url_for
from pydantic import ValidationError
from werkzeug.exceptions import BadRequest, HTTPException, RequestURITooLarge, UnsupportedMediaType

from consent import errors as consent_errors
from dp import BudgetExhausted, InvalidQuery, ModelNotFound
from scoring import (
    ContractViolation,
    DecisionNotFound,
    DirtyFile,
    DisputeError,
    IdempotencyConflict,
    NoActiveModel,
    RecourseBug,
    ReviewError,
    StatementNotFound,
)
from store import KeyShredded, Refusal, SealError

from .config import current

V = TypeVar("V", bound=Callable[..., object])

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

NOT_FOUND = ProblemType(
    "not-found",
    "Not found",
    404,
    "There is no such resource for you. Fairfile answers the same whether it does not "
    "exist or belongs to someone else.",
)

RATE_LIMITED = ProblemType(
    "rate-limited",
    "Too many requests",
    429,
    "The key (or, without a key, the address) made more requests than its limit allows. "
    "`Retry-After` says how many seconds to wait; the `X-RateLimit-*` headers of every "
    "answer show the limit, what remains and when it resets.",
)

#: Domain exception -> problem type: the one table that turns domain errors into HTTP.
DOMAIN_PROBLEMS: dict[type[Exception], ProblemType] = {
    consent_errors.ConsentMissing: ProblemType(
        "consent-missing",
        "No active consent covers this use of the data",
        403,
        "The person has not granted (or has withdrawn, or let expire) consent for this "
        "purpose over every data category the request needs. `purpose` and "
        "`missing_categories` say what is missing. Nothing was read.",
    ),
    consent_errors.ConsentNotFound: NOT_FOUND,
    DecisionNotFound: NOT_FOUND,
    StatementNotFound: NOT_FOUND,
    ModelNotFound: NOT_FOUND,
    DirtyFile: ProblemType(
        "dirty-file",
        "The file breaks its mapping",
        422,
        "A column is undeclared or absent, or rows hold a missing value, a value of the "
        "wrong type or outside the declared range, an undeclared category, or an outcome "
        "that is neither the bad nor a good value. `problems` lists each with its `row` "
        "(1 is the first data row; null for a whole column), `column` and `problem`, "
        "never the value; `problems_total` counts them all. Nothing was stored and nothing "
        "was charged. See docs/own-data.md.",
    ),
    NoActiveModel: ProblemType(
        "no-active-model",
        "No scoring model is active",
        503,
        "Nothing can be scored until an operator trains and activates a model version "
        "(`fairfile model train`). Nothing was read.",
    ),
    ReviewError: ProblemType(
        "review-conflict",
        "The review does not fit its current state",
        409,
        "A decision has at most one open review at a time; a review is resolved once. "
        "`GET /v1/subjects/{id}/decisions/{decision_id}` lists its reviews.",
    ),
    RecourseBug: ProblemType(
        "internal-invariant",
        "An internal check failed",
        500,
        "A recourse did not pass its own re-scoring proof. This is a bug on our side; "
        "nothing was stored.",
    ),
    consent_errors.ProofUnavailable: ProblemType(
        "proof-unavailable",
        "No such log entry or tree size",
        404,
        "The entry is not yet sequenced, or no signed tree head exists for that size. Ask "
        "for the current tree head first; it sequences every committed entry.",
    ),
    KeyShredded: ProblemType(
        "erased",
        "Erased",
        404,
        "The person's data key was destroyed when they erased their account: nothing about "
        "them can be read any more.",
    ),
    SealError: ProblemType(
        "integrity-failure",
        "Stored data failed its integrity check",
        500,
        "A stored value did not open under its owner, table and column: it was altered or "
        "moved. Nothing was returned; the incident is logged for the operator.",
    ),
    consent_errors.NotEnrolled: ProblemType(
        "not-enrolled",
        "Enrol first",
        409,
        "Nothing can be granted before the person has enrolled (an explicit act).",
    ),
    consent_errors.NoticeOutdated: ProblemType(
        "notice-outdated",
        "The notice has changed",
        409,
        "The request quotes a notice version that is no longer current. Read the current "
        "notice (`current_notice_version`, `GET /v1/notices`) and try again.",
    ),
    consent_errors.ConsentConflict: ProblemType(
        "consent-conflict",
        "The consent is not in a state that allows this",
        409,
        "For example granting a purpose that is already active (renew it instead), "
        "withdrawing one that is no longer active, or a change that raced another one.",
    ),
    consent_errors.InvalidPurpose: ProblemType(
        "invalid-purpose",
        "Unknown purpose",
        422,
        "A purpose is `scoring`, `training`, `statistics` or `share:<lender>`.",
    ),
    consent_errors.InvalidGrant: ProblemType(
        "invalid-grant",
        "The grant is not valid",
        422,
        "A grant names at least one data category and a period of 1 to 365 days.",
    ),
    consent_errors.UnknownLender: ProblemType(
        "unknown-lender",
        "Unknown lender",
        422,
        "A share names a lender that does not exist. `GET /v1/lenders` lists them.",
    ),
    consent_errors.ScopeMissing: ProblemType(
        "scope-missing",
        "The API key lacks the scope this call needs",
        403,
        "The key is valid but was not given the scope this endpoint requires "
        "(`required_scope`). Ask the operator for a key with it "
        "(`fairfile lenders create NAME --scope ...`).",
    ),
    IdempotencyConflict: ProblemType(
        "idempotency-conflict",
        "The Idempotency-Key does not match its first use",
        409,
        "The key was already used for a different request (another person, cut-off or "
        "refer band), or the first request with it is still in flight. A retry of the same "
        "request with the same key returns the decision already made; a new request needs "
        "a new key.",
    ),
    BudgetExhausted: ProblemType(
        "budget-exhausted",
        "The privacy budget does not allow this release",
        409,
        "The release would take someone in its snapshot past their privacy budget (every "
        "person's budget is spent across every release they are in), or past the part of it "
        "that `allocation` names, the one the caller spends from. `requested` and "
        "`remaining` give zCDP rho, exact. Nothing was charged and nothing was released; a "
        "cheaper query (a smaller epsilon or rho) may still fit. See docs/privacy.md.",
    ),
    InvalidQuery: ProblemType(
        "invalid-query",
        "The statistics query is not valid",
        422,
        "An unknown statistic, feature or group key, a clip outside the feature's public "
        "range, or not exactly one positive `epsilon` or `rho`. `GET /v1/contract` lists "
        "the features and their public bins.",
    ),
    DisputeError: ProblemType(
        "dispute-conflict",
        "The dispute does not fit its current state",
        409,
        "A fact can be disputed only when facts are held about you and that fact has no "
        "open dispute; a dispute is resolved once. `GET /v1/subjects/{id}/disputes` lists "
        "yours with their states.",
    ),
    ContractViolation: ProblemType(
        "contract-violation",
        "The data breaks the feature contract",
        422,
        "The payload or dataset names a field that is prohibited (social, behavioural, "
        "fine location or protected data) or not a feature of the contract, a lender's "
        "mapping declares such a column as a feature (declare it `audit_only`), or a value is "
        "given of the wrong type or out of range. `fields` lists each offending field with its "
        "`offence`, the `reason` and, for a prohibited field, its `category`; values are "
        "never echoed. `GET /v1/contract` lists the features and the prohibited list.",
    ),
}

#: Every documented problem type, by slug (served at ``/problems/<slug>``).
CATALOGUE: dict[str, ProblemType] = {
    p.slug: p for p in (VALIDATION, MALFORMED_JSON, RATE_LIMITED, *DOMAIN_PROBLEMS.values())
}


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
    if request and len(request.path) <= MAX_URL_BYTES:  # a 414 does not repeat its URL
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
        if name.lower() in {"allow", "retry-after", "www-authenticate"}:
            headers[name] = value
    if isinstance(exc, BadRequest) and getattr(exc, "fairfile_malformed_json", False):
        return typed_problem(MALFORMED_JSON, exc.description)
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
            if kind.status >= 500:
                log.error("%s: %s", kind.slug, type(exc).__name__)
            # A refusal carries its detail; an internal bug (InternalBug) carries none.
            extensions = dict(exc.problem_extensions) if isinstance(exc, Refusal) else {}
            return typed_problem(kind, str(exc), **extensions)
    return _unexpected(exc)


#: The longest URL (path and query, as sent) the app answers; longer is a 414 problem. No
#: Fairfile URL needs a tenth of it; gunicorn's own limit (8,190 bytes) is above it.
MAX_URL_BYTES = 4096


def refuse_long_url() -> None:
    """Refuse, before anything else, a URL longer than ``MAX_URL_BYTES`` (414).

    Raises:
        RequestURITooLarge: it is longer.
    """
    sent = request.environ.get("RAW_URI") or request.full_path
    if len(sent) > MAX_URL_BYTES:
        raise RequestURITooLarge(f"The URL is longer than {MAX_URL_BYTES} bytes.")


def init_url_limit(app: Flask) -> None:
    """Refuse long URLs before any other check (after the request id is given)."""
    app.before_request(refuse_long_url)


def body_limit(setting: str) -> Callable[[V], V]:
    """Mark a route whose body may be larger than the app's limit: up to the setting named.

    ``require_json_body`` reads the body first, so it applies the route's limit there.
    """

    def mark(view: V) -> V:
        view.fairfile_body_limit = setting  # type: ignore[attr-defined]
        return view

    return mark


def apply_body_limit() -> None:
    """Give this request its route's own body limit, if ``body_limit`` marked one.

    Call it before anything reads the body: the JSON check here, the UI's CSRF check (which
    reads the form) for a page that takes a bank's whole feed as an upload.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    larger = getattr(view, "fairfile_body_limit", None)
    if larger is not None:
        request.max_content_length = getattr(current(), larger)


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
    apply_body_limit()
    data = request.get_data(cache=True)
    if not data:
        return
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("This endpoint accepts only a body of type application/json.")
    try:
        # Parsed through the request, which caches it: the view's body model reads the
        # same parse instead of decoding a bank's whole feed a second time.
        parsed = request.get_json(cache=True)
    except (BadRequest, RecursionError):
        # RecursionError: nested so deep that the decoder ran out of stack.
        error = BadRequest("The body could not be parsed as JSON.")
        error.fairfile_malformed_json = True  # type: ignore[attr-defined]
        raise error from None
    if _nesting(parsed) > MAX_JSON_DEPTH:
        error = BadRequest(f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
        error.fairfile_malformed_json = True  # type: ignore[attr-defined]
        raise error


#: The deepest nesting of arrays and objects a JSON body may have (Fairfile's deepest is 3).
MAX_JSON_DEPTH = 32


def _nesting(value: Any) -> int:
    """Return how deep a parsed JSON value's arrays and objects nest (no recursion).

    >>> _nesting({"a": [1, {"b": "[[["}]}), _nesting(1), _nesting([[[]]])
    (3, 0, 3)
    """
    depth = 0
    level: list[Any] = [value] if isinstance(value, dict | list) else []
    while level:  # one level of containers at a time: leaves never enter a list
        depth += 1
        inner: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            inner += [c for c in children if isinstance(c, dict | list)]
        level = inner
    return depth


def init_app(app: Flask) -> None:
    """Register the handlers that turn every error into problem+json."""
    app.before_request(require_json_body)
    app.register_error_handler(HTTPException, _http_problem)
    app.register_error_handler(ValidationError, validation_problem)
    app.register_error_handler(Exception, _domain)

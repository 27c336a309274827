"""Who is calling: a signed-in person (bearer token or session cookie), a lender or an analyst.

A person may act only on their own record. Asking about anybody else answers 404, exactly
as for a person who does not exist, so nobody learns who is enrolled. A lender calls with
its API key and may see a person only while that person's ``share:<lender>`` consent is
active; otherwise 404 too, so a lender never learns whether somebody exists. An analyst (a
regulator, auditor or researcher) calls the statistics routes with its own API key; what
it releases is recorded under the key's name, never one the caller chose.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, session
from werkzeug.exceptions import HTTPException

from consent import (
    AnalystKey,
    AnalystScope,
    LenderKey,
    LenderScope,
    Purpose,
    PurposeKind,
    authenticate_analyst,
    authenticate_lender,
    gate,
    require_analyst_scope,
    require_lender_scope,
    signin,
)
from store import WRITE

from .sessions import db
from .types import ID_PATTERN

V = TypeVar("V", bound=Callable[..., Any])


class SignInRequired(HTTPException):
    """No valid credentials came with the request (401)."""

    code = 401
    description = "Sign in first: send `Authorization: Bearer <token>`."

    def get_headers(self, *args: object, **kwargs: object) -> list[tuple[str, str]]:
        """Say how to authenticate."""
        return [("WWW-Authenticate", 'Bearer realm="fairfile"')]


class LenderKeyRequired(SignInRequired):
    """No valid lender API key came with the request (401)."""

    description = "Send a lender API key: `Authorization: Bearer ffk_...`."


class AnalystKeyRequired(SignInRequired):
    """No valid analyst API key came with the request (401)."""

    description = (
        "Send an analyst API key: `Authorization: Bearer ffa_...` (the operator makes one "
        "with `fairfile analysts create`). A lender asks through /v1/lender/statistics."
    )


class NotFoundHere(HTTPException):
    """The resource does not exist for this caller (404, whether or not it exists)."""

    code = 404
    description = "No such resource."


def _bearer_token() -> str | None:
    """Return the bearer token of the request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def signed_in_subject() -> str | None:
    """Return the signed-in person's subject id, or None."""
    if "subject_id" in g:
        return g.subject_id  # type: ignore[no-any-return]
    token = _bearer_token()
    subject_id = None
    if token is not None:
        subject_id = signin.authenticate(db(), token=token)
    elif "subject_token" in session and _cookie_may_authenticate():
        subject_id = signin.authenticate(db(), token=str(session["subject_token"]), kind="ui")
    g.subject_id = subject_id
    return subject_id


def _cookie_may_authenticate() -> bool:
    # The session cookie (set by the web UI) signs a person in to the UI, whose forms carry
    # a CSRF token, and to the JSON API's reads. A writing call to the JSON API needs a
    # bearer token: it carries no CSRF token, so a cookie alone must not be enough.
    return request.method in {"GET", "HEAD"} or not request.path.startswith("/v1/")


def _require_self(subject_id: str) -> str:
    """Allow the call only if the signed-in person is ``subject_id``.

    Raises:
        SignInRequired: nobody is signed in.
        NotFoundHere: somebody else is signed in.
    """
    caller = signed_in_subject()
    if caller is None:
        raise SignInRequired()
    if caller != subject_id:
        raise NotFoundHere()
    return caller


def self_service(view: V) -> V:
    """Mark a route where a person manages or reads their own record (``_require_self``).

    ``tests/test_route_access.py`` finds every route that names a subject and requires one
    of these marks; a self-service route must answer 401 to nobody and 404 to anybody else.
    """
    view.fairfile_access = "self"  # type: ignore[attr-defined]
    return view


def gated(
    *, example_query: dict[str, str] | None = None, example_body: dict[str, Any] | None = None
) -> Callable[[V], V]:
    """Mark a route that reads a person's data for a purpose: it passes ``consent.gate``.

    The route test calls it with every consent withdrawn and requires a refusal without
    data; ``example_query`` is the query string it calls it with, and ``example_body`` the
    JSON body (for a route that takes one).
    """

    def mark(view: V) -> V:
        view.fairfile_access = "gated"  # type: ignore[attr-defined]
        view.fairfile_example_query = example_query or {}  # type: ignore[attr-defined]
        view.fairfile_example_body = example_body  # type: ignore[attr-defined]
        return view

    return mark


def lender(scope: LenderScope | None) -> Callable[[V], V]:
    """Mark a lender's route: it needs a lender API key carrying ``scope`` (None: any key).

    A lender route that names a person answers 404 unless that person's
    ``share:<lender>`` consent is active; ``tests/test_route_access.py`` checks every route
    under ``/v1/lender``.
    """

    def mark(view: V) -> V:
        view.fairfile_access = "lender"  # type: ignore[attr-defined]
        view.fairfile_scope = scope  # type: ignore[attr-defined]
        return view

    return mark


def analyst(scope: AnalystScope) -> Callable[[V], V]:
    """Mark an analyst's route: it needs an analyst API key carrying ``scope``."""

    def mark(view: V) -> V:
        view.fairfile_access = "analyst"  # type: ignore[attr-defined]
        view.fairfile_scope = scope  # type: ignore[attr-defined]
        return view

    return mark


def calling_analyst() -> AnalystKey:
    """Return the key of the analyst calling an analyst route (set before the view runs)."""
    key: AnalystKey = g.analyst_key
    return key


def _require_analyst(scope: AnalystScope) -> None:
    token = _bearer_token()
    key = authenticate_analyst(db(), token=token) if token is not None else None
    if key is None:
        raise AnalystKeyRequired()
    require_analyst_scope(key, scope)
    g.analyst_key = key


def calling_lender() -> LenderKey:
    """Return the key of the lender calling a lender route (set before the view runs)."""
    key: LenderKey = g.lender_key
    return key


def lender_key_of_request() -> LenderKey | None:
    """Return the active lender key the request carries, if any (looked up once)."""
    if "lender_key" not in g:
        session = db()
        if request.method == "GET":
            # a lender's read appends to the transparency log: begin ready to write
            session.connection(execution_options=WRITE)
        token = _bearer_token()
        g.lender_key = authenticate_lender(session, token=token) if token is not None else None
    key: LenderKey | None = g.lender_key
    return key


def _require_lender(scope: LenderScope | None) -> None:
    session = db()
    key = lender_key_of_request()
    if key is None:
        raise LenderKeyRequired()
    if scope is not None:
        require_lender_scope(key, scope)
    subject_id = (request.view_args or {}).get("subject_id")
    if subject_id is not None:
        # An id that cannot be one is nobody's: the same 404 as no share, and no query
        # with it (a NUL byte would be an error in PostgreSQL's driver, not an answer).
        if not re.fullmatch(ID_PATTERN, str(subject_id)):
            raise NotFoundHere()
        share = Purpose(PurposeKind.SHARE, key.lender_id)
        if gate.active_consent(session, subject_id=str(subject_id), purpose=share) is None:
            raise NotFoundHere()


def _enforce_marks() -> None:
    # Runs before request validation: a route marked self-service or gated names a person,
    # and only that person, signed in, may call it (401 for nobody, 404 for anybody else);
    # a lender route needs a key with its scope, and a person who shares with the lender.
    view = current_app.view_functions.get(request.endpoint or "")
    access = getattr(view, "fairfile_access", None)
    if access in {"self", "gated"}:
        _require_self(str((request.view_args or {}).get("subject_id", "")))
    elif access == "lender":
        _require_lender(view.fairfile_scope)  # type: ignore[union-attr]
    elif access == "analyst":
        _require_analyst(view.fairfile_scope)  # type: ignore[union-attr]


def init_app(app: Flask) -> None:
    """Enforce the marks of every route before it runs."""
    app.before_request(_enforce_marks)

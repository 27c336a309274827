"""What every web UI page stands on: the CSRF check, the sign-in guard, headers, labels.

Each UI blueprint calls ``guard`` on itself; its views use ``me`` for the person signed in
and ``attempt`` to run a domain action that may be refused (its message is flashed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.wrappers import Response as BaseResponse

from consent import DataCategory

from .auth import signed_in_subject
from .errors import apply_body_limit
from .headers import PAGE_CSP
from .sessions import db

csrf = CSRFProtect()

#: Pages open to somebody not signed in.
PUBLIC_ENDPOINTS: Final = frozenset(
    {"ui.sign_in", "ui.request_link", "ui.redeem", "ui.demo_sign_in"}
)
CATEGORY_LABELS: Final = {
    DataCategory.RENT: "Rent payments",
    DataCategory.UTILITIES: "Utility bills",
    DataCategory.TELECOM: "Phone and internet bills",
    DataCategory.BANK_CASHFLOW: "Bank account cash flow",
    DataCategory.INCOME: "Income",
    DataCategory.BUREAU: "Credit bureau file",
}


def guard(blueprint: Blueprint) -> None:
    """Give ``blueprint`` the UI's CSRF check, sign-in requirement and security headers."""
    blueprint.before_request(_check_request)
    blueprint.after_request(_secure_headers)
    blueprint.context_processor(_layout)
    blueprint.register_error_handler(CSRFError, _form_expired)


def _form_expired(_error: CSRFError) -> tuple[str, int]:
    # A person in a browser gets a page that says what happened, not problem+json.
    return render_template("ui/form_expired.html"), 400


def _layout() -> dict[str, Any]:
    return {"signed_in": signed_in_subject() is not None}


def _check_request() -> BaseResponse | None:
    if request.method == "POST":
        apply_body_limit()  # the CSRF check reads the form: the route's limit first
        csrf.protect()
    if request.endpoint not in PUBLIC_ENDPOINTS and signed_in_subject() is None:
        return redirect(url_for("ui.sign_in"))
    return None


def _secure_headers(response: Response) -> Response:
    # The app sets these on every answer too (``service.web.headers``); a UI page states them
    # itself so that they hold whatever else the app does.
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def me() -> str:
    """Return the signed-in person's subject id (the guard made sure there is one)."""
    subject_id = signed_in_subject()
    if subject_id is None:
        raise RuntimeError("bug: a UI page ran without a signed-in person")
    return subject_id


def attempt(action: Callable[[], Any], errors: tuple[type[Exception], ...]) -> bool:
    """Run a domain action; on an expected refusal, flash its message and return False."""
    try:
        action()
    except errors as refusal:
        db().rollback()
        flash(str(refusal), "error")
        return False
    return True

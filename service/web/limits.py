"""Rate limits, per lender API key (lender routes) and per client address (the rest).

Flask-Limiter counts each request before it is authorised or validated, so a lender's
refused calls (401, 403, 404) count against its key too. Every answer carries
``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` and
``Retry-After``; a request over the limit answers 429 ``rate-limited`` problem+json. The
limits and the storage come from settings (``rate_limit_lender``, ``rate_limit_per_ip``,
``rate_limit_storage_uri``); the default storage is per process (``memory://``), so with
several gunicorn workers the effective limit is that many times higher: point
``FAIRFILE_RATE_LIMIT_STORAGE_URI`` at Redis or Memcached to share one count.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from .auth import lender_key_of_request
from .config import Settings
from .errors import RATE_LIMITED, typed_problem

_EXEMPT = frozenset({"ops.healthz", "ops.readyz", "static"})


def _is_lender_route() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "fairfile_access", None) == "lender"


def _who() -> str:
    key = lender_key_of_request() if _is_lender_route() else None
    return f"key:{key.id}" if key is not None else f"ip:{get_remote_address()}"


def _limit() -> str:
    settings: Settings = current_app.config["FAIRFILE_SETTINGS"]
    if _is_lender_route() and lender_key_of_request() is not None:
        return settings.rate_limit_lender
    return settings.rate_limit_per_ip


def _exempt() -> bool:
    return request.endpoint in _EXEMPT


def _too_many(exc: RateLimitExceeded) -> Response:
    return typed_problem(RATE_LIMITED, f"Limit: {exc.description}. Wait and retry.")


def init_app(app: Flask, settings: Settings) -> None:
    """Count every request against its key's (or address's) limit; 429 when over."""
    app.config.update(
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_STORAGE_URI=settings.rate_limit_storage_uri,
    )
    limiter = Limiter(
        _who,
        default_limits=[_limit],
        default_limits_exempt_when=_exempt,
        key_prefix="fairfile",
    )
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _too_many)

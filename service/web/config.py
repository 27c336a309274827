"""Settings: from a mapping (tests) or from ``FAIRFILE_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from flask import current_app
from pydantic import BaseModel, ConfigDict, Field

from dp import AllocationError, Allocations, PrivacyLoss

Environment = Literal["production", "development", "testing"]


class ConfigurationError(RuntimeError):
    """The service cannot start with these settings; the message says what to set."""


class Settings(BaseModel):
    """Every setting the service reads, with its default.

    Environment variables are the field names in upper case with a ``FAIRFILE_`` prefix,
    for example ``FAIRFILE_DATABASE_URL``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: Environment = "production"
    secret_key: str | None = None
    master_key: str | None = None
    master_keys_retired: str | None = None
    #: Where the key-encryption keys live (files, outside the database and its backups);
    #: unset: ``<instance>/keks``. See docs/data-at-rest.md.
    kek_directory: Path | None = None
    #: Days a superseded key-encryption key is kept before ``fairfile keys rotate``
    #: destroys it. Database backups older than this must expire: they open nobody's data.
    kek_retention_days: int = Field(default=30, ge=0, le=3650)
    pseudonym_key: str | None = None
    signing_key: str | None = None
    signing_retired_keys: str | None = None
    database_url: str | None = None
    instance_path: Path | None = None
    max_content_length: int = Field(default=1_048_576, gt=0)
    #: The largest body of ``POST /v1/subjects/<id>/bank-data``: one bank's whole feed.
    max_bank_data_length: int = Field(default=8_388_608, gt=0)
    log_level: str = "INFO"
    #: Each person's lifetime privacy budget in zCDP rho (an exact decimal), across every
    #: DP release they are in; ``inf`` for no limit (a sandbox only). See docs/privacy.md.
    privacy_budget_rho: str = "2"
    #: How every person's budget is divided (``dp.allocations``, ADR 0019):
    #: ``name=rho, ...`` over ``training``, ``lenders``, ``analysts`` and ``analyst:<id>``,
    #: summing to at most the budget; unset: half to training, a quarter each to the rest.
    privacy_allocations: str | None = None
    #: The delta at which budgets and costs are also reported as (epsilon, delta).
    privacy_delta: float = Field(default=1e-6, gt=0, lt=1)
    #: Requests per lender API key on lender routes, in Flask-Limiter's notation.
    rate_limit_lender: str = "600/minute"
    #: Requests per client address everywhere else (and for a lender route without a key).
    rate_limit_per_ip: str = "3000/minute"
    #: Where the counts live: ``memory://`` (per process), ``redis://...``, ``memcached://...``.
    rate_limit_storage_uri: str = "memory://"
    #: Send the session cookie only over HTTPS; unset means "in production only".
    session_cookie_secure: bool | None = None

    @property
    def cookie_secure(self) -> bool:
        """Return whether the session cookie carries ``Secure``."""
        if self.session_cookie_secure is None:
            return self.is_production
        return self.session_cookie_secure

    @property
    def is_production(self) -> bool:
        """Return whether keys must be configured instead of generated."""
        return self.env == "production"


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Collect ``FAIRFILE_*`` variables into a settings mapping.

    >>> settings_from_env({"FAIRFILE_ENV": "testing", "HOME": "/root"})
    {'env': 'testing'}
    """
    environ = os.environ if environ is None else environ
    known = set(Settings.model_fields)
    found: dict[str, Any] = {}
    for name, value in environ.items():
        if name.startswith("FAIRFILE_"):
            key = name.removeprefix("FAIRFILE_").lower()
            if key in known:
                found[key] = value
    return found


def load_settings(config: Mapping[str, Any] | None) -> Settings:
    """Build the settings from ``config`` if given, else from the environment.

    Outside development and testing the service refuses to start without a secret key
    and a master key: there are no default secrets.
    """
    raw = dict(config) if config is not None else settings_from_env()
    settings = Settings.model_validate(raw)
    try:
        privacy_allocations(settings)
    except (AllocationError, ValueError) as error:
        raise ConfigurationError(f"FAIRFILE_PRIVACY_ALLOCATIONS: {error}") from None
    if settings.is_production:
        missing = [
            f"FAIRFILE_{name.upper()}"
            for name in ("secret_key", "master_key", "signing_key", "pseudonym_key")
            if not getattr(settings, name)
        ]
        if missing:
            raise ConfigurationError(
                "refusing to start in production without "
                + ", ".join(missing)
                + " (set FAIRFILE_ENV=development for a local sandbox with generated keys)"
            )
        weak = _weak_secret(str(settings.secret_key))
        if weak:
            raise ConfigurationError(
                f"refusing to start in production: FAIRFILE_SECRET_KEY is {weak}; use at "
                "least 32 random characters, for example the output of `python -c "
                '"import secrets; print(secrets.token_urlsafe(32))"`'
            )
    return settings


def privacy_allocations(settings: Settings) -> Allocations:
    """The division of every person's budget that ``settings`` configure.

    Raises:
        AllocationError: the allocations are not a valid division of the budget.
        ValueError: the budget is not a number.
    """
    return Allocations.parse(_privacy_budget(settings), settings.privacy_allocations)


def _privacy_budget(settings: Settings) -> PrivacyLoss:
    """Each person's lifetime budget that ``settings`` configure (``inf``: unlimited)."""
    raw = settings.privacy_budget_rho.strip().lower()
    return PrivacyLoss.unlimited() if raw == "inf" else PrivacyLoss.zcdp(raw)


def current() -> Settings:
    """The settings of the app handling this request or command."""
    settings: Settings = current_app.config["FAIRFILE_SETTINGS"]
    return settings


def budget() -> tuple[PrivacyLoss, float]:
    """Return the running app's per-person budget and its reporting delta."""
    settings = current()
    return _privacy_budget(settings), settings.privacy_delta


def allocations() -> Allocations:
    """Return the running app's division of every person's budget (checked at start-up)."""
    return privacy_allocations(current())


#: The shortest secret key production accepts (it signs the UI's session cookies).
MIN_SECRET_KEY = 32


def _weak_secret(key: str) -> str | None:
    """Say why a secret key is too weak to sign cookies with, or None if it is not.

    >>> _weak_secret("a"), _weak_secret("a" * 40), _weak_secret("x7Qp2_Lk9vT3mW8zR1nB5cY4hJ6dF0sA")
    ('1 characters long', 'one character repeated', None)
    """
    if len(key) < MIN_SECRET_KEY:
        return f"{len(key)} characters long"
    if len(set(key)) < 8:
        return "one character repeated" if len(set(key)) == 1 else "too repetitive"
    return None

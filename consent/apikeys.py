"""API keys, for lenders and analysts alike: made once, stored hashed, scoped, revoked.

A key is shown once, when it is made: ``<kind>_<prefix>_<secret>`` (``ffk`` for a lender,
``ffa`` for an analyst). The ``prefix`` (8 hex characters) is public and finds the row;
the secret (32 random bytes) is never stored, only its SHA-256 digest, compared in
constant time. A revoked key authenticates nothing.

>>> _parse_key("ffa", "ffa_0123abcd_" + "x" * 43)
('0123abcd', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
>>> _parse_key("ffk", "ffa_0123abcd_" + "x" * 43) is None
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import String, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from store import CreatedAt, utcnow

from .errors import KeyNotFound, ScopeMissing

E = TypeVar("E", bound=StrEnum)


class ScopeSet(TypeDecorator[frozenset[Any]]):
    """A set of scopes of one ``StrEnum``, stored as their sorted values joined by spaces."""

    impl = String(200)
    cache_ok = True

    def __init__(self, scopes: type[StrEnum]) -> None:
        super().__init__()
        self.scopes = scopes

    def process_bind_param(self, value: frozenset[Any] | None, dialect: Dialect) -> Any:
        """Store the sorted values."""
        if value is None:
            return None
        return " ".join(sorted(self.scopes(v).value for v in value))

    def process_result_value(self, value: Any, dialect: Dialect) -> frozenset[Any] | None:
        """Read the values back as members."""
        if value is None:
            return None
        return frozenset(self.scopes(v) for v in str(value).split() if v)


class KeyColumns:
    """The columns every API key row has (a mixin for a mapped class)."""

    prefix: Mapped[str] = mapped_column(String(8), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]
    revoked_at: Mapped[dt.datetime | None]

    @property
    def active(self) -> bool:
        """Whether the key still authenticates."""
        return self.revoked_at is None


K = TypeVar("K", bound=KeyColumns)


def digest_of(secret: str) -> str:
    """Return the stored digest of a key's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse_key(kind: str, token: str) -> tuple[str, str] | None:
    """Return ``(prefix, secret)`` of a key of ``kind``, or None when it is not one."""
    match = re.fullmatch(rf"{kind}_([0-9a-f]{{8}})_([A-Za-z0-9_-]{{43}})", token)
    return None if match is None else (match.group(1), match.group(2))


def new_secret(session: Session, model: type[K]) -> tuple[str, str]:
    """Return a fresh ``(prefix, secret)`` whose prefix no key of ``model`` has."""
    prefix = secrets.token_hex(4)
    while session.scalars(select(model).where(model.prefix == prefix)).first():
        prefix = secrets.token_hex(4)  # pragma: no cover - 1 in 4 billion
    return prefix, secrets.token_urlsafe(32)


def authenticate(session: Session, model: type[K], *, kind: str, token: str) -> K | None:
    """Return the active key of ``model`` that ``token`` is, or None."""
    parsed = _parse_key(kind, token)
    if parsed is None:
        return None
    prefix, secret = parsed
    key = session.scalars(select(model).where(model.prefix == prefix)).first()
    if key is None or not key.active:
        return None
    if not hmac.compare_digest(key.digest, digest_of(secret)):
        return None
    return key


def require_scope(scopes: frozenset[Any], scope: StrEnum) -> None:
    """Allow the call only if a key's ``scopes`` hold ``scope``.

    Raises:
        ScopeMissing: they do not.
    """
    if scope not in scopes:
        raise ScopeMissing(scope)


def revoke(session: Session, model: type[K], *, key: str, now: dt.datetime | None = None) -> K:
    """Revoke the key with this id or prefix; revoking a revoked key changes nothing.

    Raises:
        KeyNotFound: no key has this id or prefix.
    """
    row = (
        session.get(model, key) or session.scalars(select(model).where(model.prefix == key)).first()
    )
    if row is None:
        raise KeyNotFound(f"there is no key {key!r}")
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
        session.flush()
    return row

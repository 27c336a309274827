"""Lenders and their API keys: stored hashed, scoped, listed and revoked.

A key is shown once, when it is made: ``ffk_<prefix>_<secret>``. The ``prefix`` (8 hex
characters) is public and finds the row; the secret (32 random bytes) is never stored,
only its SHA-256 digest, compared in constant time. A key carries scopes, each allowing
one kind of call; a revoked key authenticates nothing.

>>> Scope("decisions:write") in set(Scope)
True
>>> lender_slug("Acme Bank plc.")
'acme-bank-plc'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from store import Base, CreatedAt, UuidPk, new_id, utcnow

from .errors import ConsentError, InvalidPurpose
from .models import Lender
from .purposes import Purpose, PurposeKind

KEY_PREFIX: Final = "ffk"
_KEY = re.compile(r"^ffk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


class Scope(StrEnum):
    """What a key may do. Stored as its value; only ever added to."""

    DECISIONS_WRITE = "decisions:write"
    DECISIONS_READ = "decisions:read"
    REVIEWS_WRITE = "reviews:write"
    STATS_QUERY = "stats:query"
    MODELS_TRAIN = "models:train"  # train on the lender's own file, score its records


class ScopeMissing(ConsentError):
    """The key is valid but lacks the scope this call needs."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(f"this key lacks the scope {scope.value}", required_scope=scope.value)


class KeyNotFound(ConsentError):
    """No such key (by id or prefix)."""


class ScopeSet(TypeDecorator[frozenset[Scope]]):
    """A set of scopes, stored as their sorted values joined by spaces."""

    impl = String(200)
    cache_ok = True

    def process_bind_param(self, value: frozenset[Scope] | None, dialect: Dialect) -> Any:
        """Store the sorted values."""
        if value is None:
            return None
        return " ".join(sorted(Scope(v).value for v in value))

    def process_result_value(self, value: Any, dialect: Dialect) -> frozenset[Scope] | None:
        """Read the values back as members."""
        if value is None:
            return None
        return frozenset(Scope(v) for v in str(value).split() if v)


class LenderKey(Base):
    """One API key of a lender: its public prefix, the digest of its secret, its scopes."""

    __tablename__ = "lender_keys"

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    lender_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("lenders.id", ondelete="CASCADE"), index=True
    )
    prefix: Mapped[str] = mapped_column(String(8), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[frozenset[Scope]] = mapped_column(ScopeSet())
    created_at: Mapped[CreatedAt]
    revoked_at: Mapped[dt.datetime | None]

    __table_args__ = (CheckConstraint("scopes <> ''", name="some_scope"),)

    @property
    def active(self) -> bool:
        """Whether the key still authenticates."""
        return self.revoked_at is None


def lender_slug(name: str) -> str:
    """Return a lender identifier made from a name (lower case, words joined by ``-``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    if not slug:
        raise InvalidPurpose(f"{name!r} makes no lender identifier; name one (--id)")
    Purpose(PurposeKind.SHARE, slug)  # raises InvalidPurpose if it is not an identifier
    return slug


def ensure_lender(session: Session, *, name: str, lender_id: str | None = None) -> Lender:
    """Return the lender ``lender_id`` (default: the slug of ``name``), adding it if new."""
    slug = lender_id or lender_slug(name)
    Purpose(PurposeKind.SHARE, slug)
    lender = session.get(Lender, slug)
    if lender is None:
        lender = Lender(id=slug, name=name)
        session.add(lender)
        session.flush()
    return lender


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(
    session: Session, *, lender_id: str, scopes: Iterable[Scope | str]
) -> tuple[LenderKey, str]:
    """Make a key for the lender; return the row and the key text (shown only now)."""
    wanted = frozenset(Scope(s) for s in scopes)
    if not wanted:
        raise InvalidPurpose("a key carries at least one scope")
    if session.get(Lender, lender_id) is None:
        raise KeyNotFound(f"there is no lender {lender_id!r}")
    prefix = secrets.token_hex(4)
    while session.scalars(select(LenderKey.id).where(LenderKey.prefix == prefix)).first():
        prefix = secrets.token_hex(4)  # pragma: no cover - 1 in 4 billion
    secret = secrets.token_urlsafe(32)
    key = LenderKey(lender_id=lender_id, prefix=prefix, digest=_digest(secret), scopes=wanted)
    session.add(key)
    session.flush()
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def authenticate_key(session: Session, *, token: str) -> LenderKey | None:
    """Return the active key that ``token`` is, or None (unknown, malformed or revoked)."""
    match = _KEY.match(token)
    if match is None:
        return None
    prefix, secret = match.groups()
    key = session.scalars(select(LenderKey).where(LenderKey.prefix == prefix)).first()
    if key is None or not key.active:
        return None
    if not hmac.compare_digest(key.digest, _digest(secret)):
        return None
    return key


def require_scope(key: LenderKey, scope: Scope) -> None:
    """Allow the call only if ``key`` carries ``scope``.

    Raises:
        ScopeMissing: it does not.
    """
    if scope not in key.scopes:
        raise ScopeMissing(scope)


def keys_of(session: Session, *, lender_id: str | None = None) -> Sequence[LenderKey]:
    """Return every key (of one lender, or of all), oldest first."""
    query = select(LenderKey).order_by(LenderKey.created_at, LenderKey.id)
    if lender_id is not None:
        query = query.where(LenderKey.lender_id == lender_id)
    return session.scalars(query).all()


def revoke_key(session: Session, *, key: str, now: dt.datetime | None = None) -> LenderKey:
    """Revoke the key with this id or prefix; revoking a revoked key changes nothing."""
    row = (
        session.get(LenderKey, key)
        or session.scalars(select(LenderKey).where(LenderKey.prefix == key)).first()
    )
    if row is None:
        raise KeyNotFound(f"there is no key {key!r}")
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
        session.flush()
    return row

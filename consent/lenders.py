"""Lenders and their API keys: stored hashed, scoped, listed and revoked.

A key is shown once, when it is made: ``ffk_<prefix>_<secret>``, stored as analysts' keys
are (``consent.apikeys``: only a digest of the secret). A key carries scopes, each allowing
one kind of call; a revoked key authenticates nothing.

>>> LenderScope("decisions:write") in set(LenderScope)
True
>>> _lender_slug("Acme Bank plc.")
'acme-bank-plc'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Final

from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from store import Base, UuidPk, new_id

from .apikeys import (
    KeyColumns,
    ScopeSet,
    authenticate,
    digest_of,
    new_secret,
    revoke,
)
from .apikeys import require_scope as holds
from .errors import InvalidPurpose, KeyNotFound
from .models import Lender
from .purposes import Purpose, PurposeKind

KEY_PREFIX: Final = "ffk"


class LenderScope(StrEnum):
    """What a key may do. Stored as its value; only ever added to."""

    DECISIONS_WRITE = "decisions:write"
    DECISIONS_READ = "decisions:read"
    REVIEWS_WRITE = "reviews:write"
    STATS_QUERY = "stats:query"
    MODELS_TRAIN = "models:train"  # train on the lender's own file, score its records
    BANK_DATA_WRITE = "bank-data:write"  # connect a person's bank data for them


class LenderKey(KeyColumns, Base):
    """One API key of a lender: its public prefix, the digest of its secret, its scopes."""

    __tablename__ = "lender_keys"

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    lender_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("lenders.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[frozenset[LenderScope]] = mapped_column(ScopeSet(LenderScope))

    __table_args__ = (CheckConstraint("scopes <> ''", name="some_scope"),)


def _lender_slug(name: str) -> str:
    """Return a lender identifier made from a name (lower case, words joined by ``-``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    if not slug:
        raise InvalidPurpose(f"{name!r} makes no lender identifier; name one (--id)")
    Purpose(PurposeKind.SHARE, slug)  # raises InvalidPurpose if it is not an identifier
    return slug


def ensure_lender(session: Session, *, name: str, lender_id: str | None = None) -> Lender:
    """Return the lender ``lender_id`` (default: the slug of ``name``), adding it if new."""
    slug = lender_id or _lender_slug(name)
    Purpose(PurposeKind.SHARE, slug)
    lender = session.get(Lender, slug)
    if lender is None:
        lender = Lender(id=slug, name=name)
        session.add(lender)
        session.flush()
    return lender


def issue_lender_key(
    session: Session, *, lender_id: str, scopes: Iterable[LenderScope | str]
) -> tuple[LenderKey, str]:
    """Make a key for the lender; return the row and the key text (shown only now)."""
    wanted = frozenset(LenderScope(s) for s in scopes)
    if not wanted:
        raise InvalidPurpose("a key carries at least one scope")
    if session.get(Lender, lender_id) is None:
        raise KeyNotFound(f"there is no lender {lender_id!r}")
    prefix, secret = new_secret(session, LenderKey)
    key = LenderKey(lender_id=lender_id, prefix=prefix, digest=digest_of(secret), scopes=wanted)
    session.add(key)
    session.flush()
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def authenticate_lender(session: Session, *, token: str) -> LenderKey | None:
    """Return the active key that ``token`` is, or None (unknown, malformed or revoked)."""
    return authenticate(session, LenderKey, kind=KEY_PREFIX, token=token)


def require_lender_scope(key: LenderKey, scope: LenderScope) -> None:
    """Allow the call only if ``key`` carries ``scope``.

    Raises:
        ScopeMissing: it does not.
    """
    holds(key.scopes, scope)


def lender_keys(session: Session, *, lender_id: str | None = None) -> Sequence[LenderKey]:
    """Return every key (of one lender, or of all), oldest first."""
    query = select(LenderKey).order_by(LenderKey.created_at, LenderKey.id)
    if lender_id is not None:
        query = query.where(LenderKey.lender_id == lender_id)
    return session.scalars(query).all()


def revoke_lender_key(session: Session, *, key: str, now: dt.datetime | None = None) -> LenderKey:
    """Revoke the key with this id or prefix; revoking a revoked key changes nothing."""
    return revoke(session, LenderKey, key=key, now=now)

"""Analysts (regulators, auditors, researchers) and their API keys.

An analyst releases and reads DP statistics, never a person's record: its key carries
scopes (``statistics:release``, ``statistics:read``, ``models:read``) and its releases are
recorded as ``analyst:<id>``, the credential's name, never one the caller chose. A
regulator reads every release; an auditor or a researcher reads its own.

>>> _analyst_slug("Office of the Data Regulator")
'office-of-the-data-regulator'
>>> actor_of("fca")
'analyst:fca'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Final

from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from store import Base, CreatedAt, UuidPk, new_id

from .apikeys import KeyColumns, ScopeSet, authenticate, digest_of, new_secret, revoke
from .apikeys import require_scope as holds
from .errors import InvalidPurpose, KeyNotFound

KEY_PREFIX: Final = "ffa"
ID: Final = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


class Role(StrEnum):
    """What an analyst is; a regulator reads every release, the others their own."""

    REGULATOR = "regulator"
    AUDITOR = "auditor"
    RESEARCHER = "researcher"


class AnalystScope(StrEnum):
    """What an analyst key may do."""

    STATISTICS_RELEASE = "statistics:release"  # spend budget on a new release
    STATISTICS_READ = "statistics:read"  # list releases (own; a regulator's: all)
    MODELS_READ = "models:read"  # read model cards and their checks


class Analyst(Base):
    """A regulator, auditor or researcher who may ask for DP statistics."""

    __tablename__ = "analysts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[CreatedAt]

    __table_args__ = (
        CheckConstraint("role IN ('regulator', 'auditor', 'researcher')", name="role"),
    )


class AnalystKey(KeyColumns, Base):
    """One API key of an analyst: its public prefix, the digest of its secret, its scopes."""

    __tablename__ = "analyst_keys"

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    analyst_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("analysts.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[frozenset[AnalystScope]] = mapped_column(ScopeSet(AnalystScope))

    __table_args__ = (CheckConstraint("scopes <> ''", name="some_scope"),)


def _analyst_slug(name: str) -> str:
    """Return an analyst identifier made from a name (lower case, words joined by ``-``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    if not ID.match(slug):
        raise InvalidPurpose(f"{name!r} makes no analyst identifier; name one (--id)")
    return slug


def actor_of(analyst_id: str) -> str:
    """Return how the analyst's releases and reads are recorded."""
    return f"analyst:{analyst_id}"


def ensure_analyst(
    session: Session, *, name: str, role: Role | str, analyst_id: str | None = None
) -> Analyst:
    """Return the analyst ``analyst_id`` (default: the slug of ``name``), adding it if new.

    Raises:
        InvalidPurpose: the identifier is not one, or it exists with another role.
    """
    slug = analyst_id or _analyst_slug(name)
    if not ID.match(slug):
        raise InvalidPurpose(f"{slug!r} is not an analyst identifier (a-z, 0-9 and -)")
    wanted = Role(role)
    analyst = session.get(Analyst, slug)
    if analyst is None:
        analyst = Analyst(id=slug, name=name, role=wanted.value)
        session.add(analyst)
        session.flush()
    elif analyst.role != wanted.value:
        raise InvalidPurpose(f"analyst {slug!r} has the role {analyst.role}, not {wanted.value}")
    return analyst


def issue_analyst_key(
    session: Session, *, analyst_id: str, scopes: Iterable[AnalystScope | str]
) -> tuple[AnalystKey, str]:
    """Make a key for the analyst; return the row and the key text (shown only now)."""
    wanted = frozenset(AnalystScope(s) for s in scopes)
    if not wanted:
        raise InvalidPurpose("a key carries at least one scope")
    if session.get(Analyst, analyst_id) is None:
        raise KeyNotFound(f"there is no analyst {analyst_id!r}")
    prefix, secret = new_secret(session, AnalystKey)
    key = AnalystKey(analyst_id=analyst_id, prefix=prefix, digest=digest_of(secret), scopes=wanted)
    session.add(key)
    session.flush()
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def authenticate_analyst(session: Session, *, token: str) -> AnalystKey | None:
    """Return the active analyst key that ``token`` is, or None."""
    return authenticate(session, AnalystKey, kind=KEY_PREFIX, token=token)


def require_analyst_scope(key: AnalystKey, scope: AnalystScope) -> None:
    """Allow the call only if ``key`` carries ``scope``.

    Raises:
        ScopeMissing: it does not.
    """
    holds(key.scopes, scope)


def revoke_analyst_key(session: Session, *, key: str, now: dt.datetime | None = None) -> AnalystKey:
    """Revoke the key with this id or prefix; revoking a revoked key changes nothing."""
    return revoke(session, AnalystKey, key=key, now=now)


def analyst_keys(session: Session) -> Sequence[AnalystKey]:
    """Return every analyst key, oldest first."""
    query = select(AnalystKey).order_by(AnalystKey.created_at, AnalystKey.id)
    return session.scalars(query).all()

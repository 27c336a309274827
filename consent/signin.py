"""Sandbox sign-in: one-time links, then tokens, for people acting on their own data.

Only hashes of links and tokens are stored (SHA-256 of 32 random bytes: guessing is
hopeless, so no key is needed). A link works once and for 15 minutes; a token for 12 hours
or until signed out. A token has a kind: an ``api`` token is a bearer token (the
``Authorization`` header); a ``ui`` token is the web UI's session handle, kept in its
cookie and accepted only there, so a cookie read off a screen or a log is no bearer token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Literal

from sqlalchemy import CheckConstraint, ForeignKey, String, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from store import Base, Subject, utcnow

LINK_LIFETIME = dt.timedelta(minutes=15)
TOKEN_LIFETIME = dt.timedelta(hours=12)

TokenKind = Literal["api", "ui"]


class SignInLink(Base):
    """A one-time sign-in link, by the hash of its secret."""

    __tablename__ = "sign_in_links"

    secret_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class AccessToken(Base):
    """A bearer token a signed-in person uses, by the hash of its secret."""

    __tablename__ = "access_tokens"

    secret_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    kind: Mapped[str] = mapped_column(String(8), default="api", server_default="api")

    __table_args__ = (CheckConstraint("kind IN ('api', 'ui')", name="kind"),)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_link(session: Session, *, subject_id: str, now: dt.datetime | None = None) -> str | None:
    """Return a new one-time link secret for the person, or None if there is no such person.

    The caller delivers the secret (sandbox: the server log and the local outbox) and must
    answer the same way either way, so nobody learns who exists.
    """
    if session.get(Subject, subject_id) is None:
        return None
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    session.add(
        SignInLink(
            secret_hash=_hash(secret),
            subject_id=subject_id,
            expires_at=now + LINK_LIFETIME,
            used_at=None,
        )
    )
    session.flush()
    return secret


def redeem_link(
    session: Session, *, secret: str, kind: TokenKind = "api", now: dt.datetime | None = None
) -> tuple[str, str] | None:
    """Use a link once; return ``(token, subject_id)``, or None if unknown, used or expired.

    The token is of ``kind``: ``api`` for the JSON API, ``ui`` for the web UI's cookie.
    """
    now = now or utcnow()
    # One UPDATE claims the link, so two concurrent redemptions cannot both succeed.
    claimed = session.execute(
        update(SignInLink)
        .where(
            SignInLink.secret_hash == _hash(secret),
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(SignInLink.subject_id)
    ).first()
    if claimed is None:
        return None
    subject_id = str(claimed[0])
    return issue_token(session, subject_id=subject_id, kind=kind, now=now), subject_id


def issue_token(
    session: Session,
    *,
    subject_id: str,
    kind: TokenKind = "api",
    now: dt.datetime | None = None,
) -> str:
    """Issue a token directly (the sandbox's "try as a demo person"; tests)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        AccessToken(
            secret_hash=_hash(token),
            subject_id=subject_id,
            expires_at=now + TOKEN_LIFETIME,
            revoked_at=None,
            kind=kind,
        )
    )
    session.flush()
    return token


def authenticate(
    session: Session, *, token: str, kind: TokenKind = "api", now: dt.datetime | None = None
) -> str | None:
    """Return the subject id a token of ``kind`` stands for, or None.

    None: unknown, expired, revoked, or a token of the other kind (a UI session handle sent
    as a bearer token, or the reverse).
    """
    now = now or utcnow()
    row = session.get(AccessToken, _hash(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now or row.kind != kind:
        return None
    return row.subject_id


def revoke(session: Session, *, token: str, now: dt.datetime | None = None) -> None:
    """Sign out: the token stops working at once."""
    session.execute(
        update(AccessToken)
        .where(AccessToken.secret_hash == _hash(token), AccessToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )

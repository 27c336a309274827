"""Per-subject encryption at rest: data keys wrapped by master keys, and crypto-shredding.

Every stored value about a person is sealed with AES-GCM under that person's own 256-bit
data key. The data key is stored only wrapped (AES-GCM) under a master key; master keys
never touch the database. Associated data binds each ciphertext to its subject, table and
column, so a ciphertext copied to another row or column fails to open. Nonces are 96 random
bits from the operating system, never derived from the plaintext.

Erasing a person destroys their wrapped data key (``shred``): every ciphertext under it,
wherever a copy survives (backups included), becomes noise.

Sealed value layout: ``0x01 || nonce (12) || AES-GCM ciphertext and tag``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import ForeignKey, LargeBinary, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, utcnow

_VERSION: Final = b"\x01"
_NONCE: Final = 12
_WRAP_CONTEXT: Final = b"fairfile/data-key/v1|"
_VALUE_CONTEXT: Final = "fairfile/value/v1"


class DataKey(Base):
    """A person's data key, wrapped under one master key."""

    __tablename__ = "data_keys"

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    master_kid: Mapped[str] = mapped_column(String(16), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    rewrapped_at: Mapped[dt.datetime | None]


class SealError(Exception):
    """A value cannot be opened: tampered, moved, or its key was destroyed.

    Never answered with data: a caller that sees this must not guess.
    """


class KeyShredded(SealError):
    """The person's data key no longer exists (they were erased)."""


def master_kid(master: bytes) -> str:
    """Return the public id of a master key (a hash prefix; reveals nothing of the key).

    >>> len(master_kid(bytes(32)))
    16
    """
    return hashlib.sha256(b"fairfile/master-kid|" + master).hexdigest()[:16]


class Vault:
    """Seals and opens values about people, under their data keys.

    Args:
        load: Returns the master key new data keys are wrapped under (32 bytes) and the
            earlier ones, still able to unwrap until every data key has been re-wrapped
            (``rewrap``). Called at start and again whenever a data key names a master key
            this vault does not know (another process rotated the keys).
    """

    def __init__(self, load: Callable[[], tuple[bytes, Sequence[bytes]]]) -> None:
        self._load = load
        self._active_kid = ""
        self._masters: dict[str, bytes] = {}
        self.reload()

    def reload(self) -> None:
        """Read the master keys again."""
        active, retired = self._load()
        if len(active) != 32 or any(len(k) != 32 for k in retired):
            raise ValueError("a master key is exactly 32 bytes")
        self._masters = {master_kid(k): k for k in retired}
        self._active_kid = master_kid(active)
        self._masters[self._active_kid] = active

    def __repr__(self) -> str:
        return f"Vault(active={self._active_kid!r}, known={sorted(self._masters)!r})"

    @property
    def active_kid(self) -> str:
        """The id of the master key that wraps new data keys."""
        return self._active_kid

    def seal(
        self, session: Session, *, subject_id: str, table: str, column: str, plaintext: bytes
    ) -> bytes:
        """Encrypt ``plaintext`` for ``subject_id``'s row in ``table``.``column``."""
        key = self._data_key(session, subject_id, create=True)
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(key).encrypt(nonce, plaintext, _aad(subject_id, table, column))
        return _VERSION + nonce + sealed

    def open(
        self, session: Session, *, subject_id: str, table: str, column: str, sealed: bytes
    ) -> bytes:
        """Decrypt a sealed value; any mismatch raises ``SealError``, never wrong data."""
        if len(sealed) < 1 + _NONCE + 16 or sealed[:1] != _VERSION:
            raise SealError("not a sealed value of a known version")
        key = self._data_key(session, subject_id, create=False)
        try:
            return AESGCM(key).decrypt(
                sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], _aad(subject_id, table, column)
            )
        except InvalidTag:
            raise SealError(
                "the value does not open under this subject, table and column: it was "
                "tampered with or moved"
            ) from None

    def preload(self, session: Session, subject_ids: Sequence[str], *, chunk: int = 900) -> None:
        """Unwrap many people's data keys with one query per ``chunk`` (for bulk reads).

        Keys stay in the session only; a person without a key is simply not loaded.
        """
        cache = _cache(session)
        wanted = [s for s in subject_ids if s not in cache]
        for start in range(0, len(wanted), chunk):
            rows = session.scalars(
                select(DataKey).where(DataKey.subject_id.in_(wanted[start : start + chunk]))
            ).all()
            for row in rows:
                cache[row.subject_id] = self._unwrap(row)

    def shred(self, session: Session, *, subject_id: str) -> bool:
        """Destroy the person's data key; return whether there was one."""
        _cache(session).pop(subject_id, None)
        result = session.execute(delete(DataKey).where(DataKey.subject_id == subject_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def rewrap(self, session: Session, *, batch: int = 1_000, limit: int | None = None) -> int:
        """Re-wrap data keys not under the active master key; return how many.

        Safe while the service runs: each key is re-wrapped in place, and a reader holding
        either master key can still unwrap it. ``limit`` bounds the work of one call (one
        transaction); call again until it returns 0.
        """
        moved = 0
        while limit is None or moved < limit:
            size = batch if limit is None else min(batch, limit - moved)
            rows = session.scalars(
                select(DataKey).where(DataKey.master_kid != self._active_kid).limit(size)
            ).all()
            if not rows:
                return moved
            for row in rows:
                key = self._unwrap(row)
                row.wrapped = self._wrap(row.subject_id, key)
                row.master_kid = self._active_kid
                row.rewrapped_at = utcnow()
                moved += 1
            session.flush()
        return moved

    def keys_per_master(self, session: Session) -> dict[str, int]:
        """Count data keys per master key id (a retired id at 0 may be forgotten)."""
        counts = session.execute(
            select(DataKey.master_kid, func.count()).group_by(DataKey.master_kid)
        ).all()
        return {str(kid): int(n) for kid, n in counts}

    def _data_key(self, session: Session, subject_id: str, *, create: bool) -> bytes:
        cached = _cache(session).get(subject_id)
        if cached is not None:
            return cached
        row = session.get(DataKey, subject_id)
        if row is None:
            if not create:
                raise KeyShredded("no data key for this subject: their data was erased")
            key = AESGCM.generate_key(bit_length=256)
            session.add(
                DataKey(
                    subject_id=subject_id,
                    master_kid=self._active_kid,
                    wrapped=self._wrap(subject_id, key),
                    created_at=utcnow(),
                    rewrapped_at=None,
                )
            )
            session.flush()
        else:
            key = self._unwrap(row)
        _cache(session)[subject_id] = key
        return key

    def _wrap(self, subject_id: str, key: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        master = self._masters[self._active_kid]
        return nonce + AESGCM(master).encrypt(nonce, key, _WRAP_CONTEXT + subject_id.encode())

    def _unwrap(self, row: DataKey) -> bytes:
        if row.master_kid not in self._masters:
            self.reload()
        master = self._masters.get(row.master_kid)
        if master is None:
            raise SealError(f"master key {row.master_kid} is not configured")
        try:
            return AESGCM(master).decrypt(
                row.wrapped[:_NONCE], row.wrapped[_NONCE:], _WRAP_CONTEXT + row.subject_id.encode()
            )
        except InvalidTag:
            raise SealError("a wrapped data key does not open: tampered or moved") from None


SealedRow = TypeVar("SealedRow", bound=Base)


def put_sealed(
    session: Session, model: type[SealedRow], *, subject_id: str, column: str, sealed: bytes
) -> SealedRow:
    """Store ``sealed`` in ``column`` of the person's row of ``model``, or replace it.

    For the tables that hold one sealed value per person (keyed by ``subject_id``, with a
    ``recorded_at`` time): a replaced value gets a new time.
    """
    row: Any = session.get(model, subject_id)
    if row is None:
        row = model(subject_id=subject_id, **{column: sealed})
        session.add(row)
    else:
        setattr(row, column, sealed)
        row.recorded_at = utcnow()
    session.flush()
    stored: SealedRow = row
    return stored


def _cache(session: Session) -> dict[str, bytes]:
    # Unwrapped keys live only as long as the session (one request, one job), so a key
    # shredded by another process is never used from a stale cache.
    cache: dict[str, bytes] = session.info.setdefault("fairfile.vault.keys", {})
    return cache


def _aad(subject_id: str, table: str, column: str) -> bytes:
    return f"{_VALUE_CONTEXT}|{subject_id}|{table}|{column}".encode()

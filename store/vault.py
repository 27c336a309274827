"""Per-subject encryption at rest: data keys wrapped by key-encryption keys, and shredding.

Every stored value about a person is sealed with AES-GCM under that person's own 256-bit
data key. The data key is stored only wrapped (AES-GCM) under a key-encryption key (KEK,
``store.keks``): KEKs live in files outside the database and never touch it. Associated
data binds each ciphertext to its subject, table and column, so a ciphertext copied to
another row or column fails to open. Nonces are 96 random bits from the operating system,
never derived from the plaintext.

Erasing a person destroys their wrapped data key (``shred``). A copy of the database taken
before (a backup, a replica, the WAL, free pages) still holds it, wrapped under the KEK of
that time; when ``fairfile keys rotate`` destroys that KEK, the copy's key is noise too.

Sealed value layout: ``0x01 || nonce (12) || AES-GCM ciphertext and tag``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Connection,
    Engine,
    ForeignKey,
    LargeBinary,
    String,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, utcnow
from .errors import KekDestroyed, KeyShredded, SealError
from .keks import WrappingKeys
from .keys import master_kid as master_kid

_VERSION: Final = b"\x01"
_NONCE: Final = 12
_WRAP_CONTEXT: Final = b"fairfile/data-key/v1|"
_VALUE_CONTEXT: Final = "fairfile/value/v1"
#: How long a vault trusts the KEKs it read before reading them again for a new data key,
#: so a process started before a rotation stops wrapping under the old KEK within a minute.
_FRESH_SECONDS: Final = 60.0


class DataKey(Base):
    """A person's data key, wrapped under one key-encryption key (``kek_id``)."""

    __tablename__ = "data_keys"

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    kek_id: Mapped[str] = mapped_column(String(16), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    rewrapped_at: Mapped[dt.datetime | None]


class Vault:
    """Seals and opens values about people, under their data keys.

    Args:
        load: Returns the keys that wrap data keys (``store.keks.KekFolder.load``): the
            active KEK's id and every key still able to unwrap. Called at start, again
            whenever a data key names a key this vault does not know (another process
            rotated), and before wrapping a new data key once a minute has passed.
        clock: Seconds on a monotonic clock (tests pass their own).
    """

    def __init__(
        self,
        load: Callable[[], WrappingKeys],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._clock = clock
        self._keys = WrappingKeys(active="", keys={})
        self._loaded = 0.0
        self.reload()

    def reload(self) -> None:
        """Read the wrapping keys again."""
        keys = self._load()
        if any(len(k) != 32 for k in keys.keys.values()):
            raise ValueError("a key-encryption key is exactly 32 bytes")
        if keys.active not in keys.keys:
            raise ValueError("the active key-encryption key is not among the keys")
        self._keys = keys
        self._loaded = self._clock()

    def __repr__(self) -> str:
        return f"Vault(active={self._keys.active!r}, known={sorted(self._keys.keys)!r})"

    @property
    def active_kid(self) -> str:
        """The id of the key-encryption key that wraps new data keys."""
        return self._keys.active

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
        """Re-wrap data keys not under the active KEK; return how many.

        Safe while the service runs: each key is re-wrapped in place, and a reader holding
        either KEK can still unwrap it. ``limit`` bounds the work of one call (one
        transaction); call again until it returns 0.
        """
        moved = 0
        while limit is None or moved < limit:
            size = batch if limit is None else min(batch, limit - moved)
            rows = session.scalars(
                select(DataKey).where(DataKey.kek_id != self.active_kid).limit(size)
            ).all()
            if not rows:
                return moved
            for row in rows:
                key = self._unwrap(row)
                row.wrapped = self._wrap(row.subject_id, key)
                row.kek_id = self.active_kid
                row.rewrapped_at = utcnow()
                moved += 1
            session.flush()
        return moved

    def keys_per_kek(self, session: Session) -> dict[str, int]:
        """Count data keys per KEK id (a retired KEK at 0 may be destroyed)."""
        counts = session.execute(
            select(DataKey.kek_id, func.count()).group_by(DataKey.kek_id)
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
            if self._clock() - self._loaded > _FRESH_SECONDS:
                self.reload()
            key = AESGCM.generate_key(bit_length=256)
            session.add(
                DataKey(
                    subject_id=subject_id,
                    kek_id=self.active_kid,
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
        kek = self._keys.keys[self._keys.active]
        return nonce + AESGCM(kek).encrypt(nonce, key, _WRAP_CONTEXT + subject_id.encode())

    def _unwrap(self, row: DataKey) -> bytes:
        if row.kek_id not in self._keys.keys:
            self.reload()
        kek = self._keys.keys.get(row.kek_id)
        if kek is None:
            destroyed = self._keys.destroyed.get(row.kek_id)
            if destroyed is not None:
                raise KekDestroyed(
                    f"key-encryption key {row.kek_id} was destroyed on "
                    f"{destroyed.date().isoformat()}: this copy of the database is older "
                    "than the key retention period and opens nobody's data"
                )
            raise SealError(f"key-encryption key {row.kek_id} is not configured")
        try:
            return AESGCM(kek).decrypt(
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


def reclaim_erased(bind: Engine | Connection) -> str | None:
    """After an erasure has committed, have the database physically drop the key row.

    SQLite (``secure_delete`` zeroes freed pages): fold the write-ahead log into the file.
    PostgreSQL: ``VACUUM (INDEX_CLEANUP ON) data_keys`` on an autocommit connection (a
    VACUUM cannot run inside a transaction), so the dead row and its index entries go and
    their space is reused. Plain VACUUM does not zero that space, and never reaches the
    WAL, replicas or backups: the KEK rotation covers those (docs/data-at-rest.md). Skipped
    when ``bind`` is a PostgreSQL connection (inside the caller's transaction). Returns the
    statement run, if any.
    """
    if bind.dialect.name == "sqlite":
        statement = "PRAGMA wal_checkpoint(TRUNCATE)"
    elif bind.dialect.name == "postgresql":
        statement = "VACUUM (INDEX_CLEANUP ON) data_keys"
    else:
        return None
    if isinstance(bind, Connection):
        if bind.dialect.name == "postgresql":
            return None  # inside the caller's transaction, where VACUUM cannot run
        bind.execute(text(statement))
        return statement
    if bind.dialect.name == "postgresql":
        bind = bind.execution_options(isolation_level="AUTOCOMMIT")
    with bind.connect() as connection:
        connection.execute(text(statement))
    return statement


def _cache(session: Session) -> dict[str, bytes]:
    # Unwrapped keys live only as long as the session (one request, one job), so a key
    # shredded by another process is never used from a stale cache.
    cache: dict[str, bytes] = session.info.setdefault("fairfile.vault.keys", {})
    return cache


def _aad(subject_id: str, table: str, column: str) -> bytes:
    return f"{_VALUE_CONTEXT}|{subject_id}|{table}|{column}".encode()

"""Key-encryption keys (KEKs): files outside the database, rotated and destroyed on a schedule.

The rule: every person's data key is wrapped under the newest KEK; ``fairfile keys rotate``
makes a new KEK, re-wraps every live data key under it, and destroys each earlier KEK
that has been retired (superseded) for at least the retention period and wraps no live
data key. A copy of the database (a backup, a WAL archive, a replica, free pages) holds
data keys wrapped under the KEK that was current when it was taken; once that KEK is
destroyed the copy opens nobody's data, so an erased person's key in it is noise too. The
retention period is therefore also the age past which database backups must expire.

Each KEK is a file ``<directory>/<kid>.kek`` (JSON: id, creation time, the id of the master
key it is wrapped under, the wrapped key), sealed with AES-GCM under a key derived from the
master key (HKDF), with the id and creation time as associated data: a copy of the key
directory alone opens nothing, and a creation time edited to delay destruction does not
open. A destroyed KEK leaves ``<kid>.destroyed`` (id and dates, no key material), so
``keys status`` and the vault's refusals can say when.

Before migration 0014 data keys were wrapped directly under the master key; such a row
names the master key's id (``store.keys.master_kid``) and the master key opens it: the
legacy "KEK 0", which the first rotation re-wraps away.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import KekError
from .keys import derive_key, master_kid

_NONCE: Final = 12
_CONTEXT: Final = "fairfile/kek/v1"
_SUFFIX: Final = ".kek"
_TOMBSTONE: Final = ".destroyed"

#: Returns the active master key and the retired ones (``MasterKeyFolder.load`` or the
#: environment's), as ``store.vault.Vault`` used to take them.
MasterKeys = Callable[[], tuple[bytes, Sequence[bytes]]]


@dataclass(frozen=True)
class Kek:
    """One key-encryption key: its id, when it was made, and the key (never printed)."""

    kid: str
    created_at: dt.datetime
    master_kid: str
    key: bytes = field(repr=False)


@dataclass(frozen=True)
class Destroyed:
    """What is left of a destroyed KEK: its id and its dates, no key material."""

    kid: str
    created_at: dt.datetime
    retired_at: dt.datetime
    destroyed_at: dt.datetime


@dataclass(frozen=True)
class WrappingKeys:
    """What a vault wraps and unwraps data keys with.

    Args:
        active: The id of the key new data keys are wrapped under.
        keys: Every key able to unwrap, by id: the live KEKs, and the master keys
            themselves for data keys wrapped before KEKs existed (legacy, "KEK 0").
        destroyed: When each destroyed KEK was destroyed, by id, to say so when a copy of
            the database needs one.
    """

    active: str
    keys: Mapping[str, bytes] = field(repr=False)
    destroyed: Mapping[str, dt.datetime] = field(default_factory=dict)


def retired_at(keks: Sequence[Kek], kek: Kek) -> dt.datetime | None:
    """When ``kek`` stopped being the newest: its successor's creation time (None if active).

    >>> t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> a, b = Kek("a", t, "m", bytes(32)), Kek("b", t + dt.timedelta(days=3), "m", bytes(32))
    >>> retired_at([a, b], a) == b.created_at, retired_at([a, b], b)
    (True, None)
    """
    later = sorted(k.created_at for k in keks if k.created_at > kek.created_at)
    return later[0] if later else None


class KekFolder:
    """The KEK files of one installation, wrapped under its master keys.

    Args:
        directory: Where the KEK files live: never inside the database, never in the
            database's backups (``FAIRFILE_KEK_DIRECTORY``; default ``instance/keks``).
        masters: Returns the active master key and the retired ones.
    """

    def __init__(self, directory: Path, masters: MasterKeys) -> None:
        self._directory = directory
        self._masters = masters

    def __repr__(self) -> str:
        return f"KekFolder({str(self._directory)!r})"

    @property
    def directory(self) -> Path:
        """The folder that holds the KEK files."""
        return self._directory

    def load(self) -> WrappingKeys:
        """Return the keys a vault needs, making the first KEK if there is none yet."""
        active, retired = self._masters()
        keks = self.keks()
        if not keks:
            keks = [self.create()]
        newest = max(keks, key=lambda k: k.created_at)
        keys: dict[str, bytes] = {master_kid(m): m for m in (*retired, active)}
        keys.update({k.kid: k.key for k in keks})
        destroyed = {d.kid: d.destroyed_at for d in self.destroyed()}
        return WrappingKeys(active=newest.kid, keys=keys, destroyed=destroyed)

    def keks(self) -> list[Kek]:
        """Every live KEK, oldest first.

        Raises:
            KekError: a file does not open under any configured master key.
        """
        masters = self._master_map()
        found = [self._read(path, masters) for path in sorted(self._directory.glob("*" + _SUFFIX))]
        return sorted(found, key=lambda k: k.created_at)

    def destroyed(self) -> list[Destroyed]:
        """What is left of every destroyed KEK, oldest first."""
        found = []
        for path in sorted(self._directory.glob("*" + _TOMBSTONE)):
            raw = json.loads(path.read_text())
            found.append(
                Destroyed(
                    kid=raw["kid"],
                    created_at=dt.datetime.fromisoformat(raw["created_at"]),
                    retired_at=dt.datetime.fromisoformat(raw["retired_at"]),
                    destroyed_at=dt.datetime.fromisoformat(raw["destroyed_at"]),
                )
            )
        return sorted(found, key=lambda d: d.destroyed_at)

    def create(self, *, now: dt.datetime | None = None) -> Kek:
        """Make a new KEK (32 random bytes) under the active master key; it becomes active."""
        active, _ = self._masters()
        created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        newest = max((k.created_at for k in self.keks()), default=None)
        if newest is not None and created <= newest:
            created = newest + dt.timedelta(microseconds=1)  # the newest is always active
        kek = Kek(
            kid=secrets.token_hex(8),
            created_at=created,
            master_kid=master_kid(active),
            key=AESGCM.generate_key(bit_length=256),
        )
        self._write(kek, active, exclusive=True)
        return kek

    def rewrap_files(self) -> int:
        """Re-wrap the KEK files not under the active master key; return how many."""
        active, _ = self._masters()
        moved = 0
        for kek in self.keks():
            if kek.master_kid != master_kid(active):
                self._write(
                    Kek(kek.kid, kek.created_at, master_kid(active), kek.key),
                    active,
                    exclusive=False,
                )
                moved += 1
        return moved

    def expired(self, *, retention: dt.timedelta, now: dt.datetime) -> list[Kek]:
        """The KEKs retired for at least ``retention`` at ``now`` (never the active one)."""
        keks = self.keks()
        due = []
        for kek in keks:
            retired = retired_at(keks, kek)
            if retired is not None and now - retired >= retention:
                due.append(kek)
        return due

    def destroy(self, kek: Kek, *, now: dt.datetime) -> Destroyed:
        """Delete ``kek``'s file, leaving a tombstone with its dates.

        The caller checks first that no live data key is wrapped under it. Unlinking is
        what a file system offers: its snapshots and backups of this folder keep the key
        until they expire (docs/data-at-rest.md).
        """
        retired = retired_at(self.keks(), kek)
        if retired is None:
            raise KekError(f"key-encryption key {kek.kid} is the active one; rotate first")
        tomb = Destroyed(kek.kid, kek.created_at, retired, now)
        text = json.dumps(
            {
                "kid": tomb.kid,
                "created_at": tomb.created_at.isoformat(),
                "retired_at": tomb.retired_at.isoformat(),
                "destroyed_at": tomb.destroyed_at.isoformat(),
            }
        )
        _write_private(self._directory / f"{kek.kid}{_TOMBSTONE}", text, exclusive=False)
        (self._directory / f"{kek.kid}{_SUFFIX}").unlink()
        return tomb

    def _master_map(self) -> dict[str, bytes]:
        active, retired = self._masters()
        return {master_kid(m): m for m in (*retired, active)}

    def _read(self, path: Path, masters: Mapping[str, bytes]) -> Kek:
        try:
            raw = json.loads(path.read_text())
            kid, created, under = str(raw["kid"]), str(raw["created_at"]), str(raw["master_kid"])
            wrapped = base64.urlsafe_b64decode(str(raw["wrapped"]))
        except (ValueError, KeyError, TypeError) as error:
            raise KekError(f"{path} is not a key-encryption key file ({error})") from None
        master = masters.get(under)
        if master is None:
            raise KekError(
                f"{path.name} is wrapped under master key {under}, which is not configured "
                "(list it in FAIRFILE_MASTER_KEYS_RETIRED until `fairfile keys rotate` "
                "re-wraps the key files)"
            )
        try:
            key = AESGCM(_wrapping_key(master)).decrypt(
                wrapped[:_NONCE], wrapped[_NONCE:], _aad(kid, created)
            )
        except InvalidTag:
            raise KekError(f"{path.name} does not open: tampered with or moved") from None
        return Kek(kid, dt.datetime.fromisoformat(created), under, key)

    def _write(self, kek: Kek, master: bytes, *, exclusive: bool) -> None:
        created = kek.created_at.isoformat()
        nonce = os.urandom(_NONCE)
        wrapped = nonce + AESGCM(_wrapping_key(master)).encrypt(
            nonce, kek.key, _aad(kek.kid, created)
        )
        text = json.dumps(
            {
                "kid": kek.kid,
                "created_at": created,
                "master_kid": kek.master_kid,
                "wrapped": base64.urlsafe_b64encode(wrapped).decode(),
            }
        )
        _write_private(self._directory / f"{kek.kid}{_SUFFIX}", text, exclusive=exclusive)


def _wrapping_key(master: bytes) -> bytes:
    return derive_key(master, "kek-wrap/v1")


def _aad(kid: str, created: str) -> bytes:
    return f"{_CONTEXT}|{kid}|{created}".encode()


def _write_private(path: Path, text: str, *, exclusive: bool) -> None:
    """Write ``text`` to ``path`` (mode 0600), atomically unless ``exclusive``."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if exclusive:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text + "\n")
        return
    staging = path.with_suffix(path.suffix + ".new")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    staging.replace(path)

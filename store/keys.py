"""Key material for a local sandbox: generated once into the instance folder.

Production keys come from the environment (see ``service.config``); this module only
creates development keys, and says loudly that it did.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)


def load_or_create_dev_key(path: Path, *, nbytes: int = 32) -> str:
    """Return the key stored at ``path``, creating a random one (mode 0600) if absent.

    The key is ``nbytes`` random bytes from the operating system, URL-safe base64 encoded.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> key = load_or_create_dev_key(folder / "k")
    >>> key == load_or_create_dev_key(folder / "k") and len(base64.urlsafe_b64decode(key))
    32
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    log.warning(
        "DEVELOPMENT KEY GENERATED at %s: fine for a local sandbox, never for real use; "
        "configure every key from the environment in production (docs/operations.md)",
        path,
    )
    return key


def decode_master_key(text: str) -> bytes:
    """Decode a master key given as URL-safe base64 of at least 32 bytes.

    >>> len(decode_master_key(base64.urlsafe_b64encode(bytes(32)).decode()))
    32
    """
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (ValueError, binascii.Error) as exc:
        raise ValueError("the master key must be URL-safe base64") from exc
    if len(raw) < 32:
        raise ValueError("the master key must hold at least 32 random bytes")
    return raw


def derive_key(master: bytes, purpose: str) -> bytes:
    """Derive an independent 32-byte key for one ``purpose`` from the master key (HKDF).

    >>> derive_key(bytes(32), "a") != derive_key(bytes(32), "b")
    True
    """
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"fairfile/{purpose}".encode()
    ).derive(master)


class Pseudonyms:
    """Keyed pseudonyms of subject ids (HMAC-SHA256), for logs and receipts.

    The same subject always gets the same pseudonym under one key, and nobody without the
    key can compute it or link it back to the subject id.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("a pseudonym key holds at least 32 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "Pseudonyms(<key hidden>)"

    def of(self, subject_id: str) -> str:
        """Return the pseudonym of ``subject_id`` (64 hex digits).

        >>> p = Pseudonyms(bytes(32))
        >>> p.of("a") == p.of("a") != p.of("b")
        True
        """
        mac = hmac.HMAC(self._key, hashes.SHA256())
        mac.update(subject_id.encode())
        return mac.finalize().hex()


def master_kid(master: bytes) -> str:
    """Return the public id of a master key (a hash prefix; reveals nothing of the key).

    >>> len(master_kid(bytes(32)))
    16
    """
    return hashlib.sha256(b"fairfile/master-kid|" + master).hexdigest()[:16]


def new_master_key() -> bytes:
    """Return 32 fresh random bytes from the operating system."""
    return secrets.token_bytes(32)


def _encode_key(raw: bytes) -> str:
    """Encode a key as URL-safe base64 (the form settings and key files hold)."""
    return base64.urlsafe_b64encode(raw).decode()


class MasterKeyFolder:
    """Development master keys in the instance folder.

    ``master_key`` is the active one, ``master_keys_retired/<kid>.key`` the earlier ones
    still needed to unwrap.

    ``rotate`` makes a new active key and retires the old one; a running service picks the
    change up the next time it meets a data key wrapped under a key it does not know.
    """

    def __init__(self, instance: Path) -> None:
        self._active = instance / "master_key"
        self._retired = instance / "master_keys_retired"

    def load(self) -> tuple[bytes, list[bytes]]:
        """Return the active key and the retired ones."""
        active = decode_master_key(load_or_create_dev_key(self._active))
        retired = [
            decode_master_key(path.read_text())
            for path in sorted(self._retired.glob("*.key"))
            if path.is_file()
        ]
        return active, retired

    def rotate(self, kid_of: Callable[[bytes], str]) -> tuple[str, str]:
        """Retire the active key and write a new one; return ``(old kid, new kid)``."""
        old, _ = self.load()
        self._retired.mkdir(parents=True, exist_ok=True)
        kept = self._retired / f"{kid_of(old)}.key"
        fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(_encode_key(old) + "\n")
        new = new_master_key()
        staging = self._active.with_suffix(".new")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(_encode_key(new) + "\n")
        staging.replace(self._active)
        return kid_of(old), kid_of(new)

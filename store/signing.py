"""Ed25519 signing keys and signed JSON documents (receipts, tree heads, explanations).

A ``Keyring`` holds one active private key, which signs, and the public keys of the keys
it replaced, which still verify what they signed. A key's id (``kid``) is its RFC 7638
JWK thumbprint, so anyone can recompute it from the published key.

A signed document travels as an envelope::

    {"document": {...},
     "signature": {"alg": "Ed25519", "kid": "<thumbprint>", "value": "<base64url>"}}

The signature is Ed25519 over ``canonical_json(document)`` (see ``store.canonical``);
``alg`` and ``kid`` are not signed: ``alg`` must be ``Ed25519`` and ``kid`` only chooses
which trusted key to try. Every kind of document names its own kind in a field of its own
(a receipt's ``version``, a tree head's ``type``), so a signature on one kind is never
mistaken for another.

Development keys are generated into the instance folder; production keys come from the
environment as PEM text (``Keyring.from_pem``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .canonical import canonical_json as canonical_json
from .canonical import plain_and_canonical
from .errors import KeyringError, NotCanonical, SignatureInvalid

log = logging.getLogger(__name__)

#: The ``alg`` of every Fairfile signature envelope.
SIGNATURE_ALG: Final = "Ed25519"
#: The JOSE ``alg`` of an Ed25519 key in a JWKS (RFC 8037).
JWS_ALG: Final = "EdDSA"
SIGNATURE_SIZE: Final = 64
ACTIVE_KEY_FILE: Final = "active.pem"
RETIRED_KEYS_DIR: Final = "retired"


def thumbprint(key: Ed25519PublicKey) -> str:
    """Return the RFC 7638 JWK thumbprint of ``key``: the key id Fairfile publishes.

    The thumbprint is SHA-256 over ``{"crv":"Ed25519","kty":"OKP","x":"<x>"}`` (exactly
    these members, in this order, no whitespace), base64url without padding.
    """
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw(key))}
    return _b64url(hashlib.sha256(canonical_json(members)).digest())


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """Return ``key`` as a JWK for a JWKS: ``kty``, ``crv``, ``x``, ``kid``, ``use``, ``alg``."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(_raw(key)),
        "kid": thumbprint(key),
        "use": "sig",
        "alg": JWS_ALG,
    }


def public_keys_from_jwks(jwks: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """Return the Ed25519 keys of a JWKS by key id; keys of other types are skipped.

    Raises:
        KeyringError: the JWKS is malformed, an Ed25519 key's ``x`` is not 32 bytes of
            base64url, its ``kid`` is not its RFC 7638 thumbprint, or no Ed25519 key is left.
    """
    entries = jwks.get("keys")
    if not isinstance(entries, list):
        raise KeyringError("a JWKS is an object whose 'keys' member is a list")
    found: dict[str, Ed25519PublicKey] = {}
    for number, jwk in enumerate(entries):
        if not isinstance(jwk, Mapping):
            raise KeyringError(f"JWKS key #{number} is not an object")
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        try:
            key = Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk.get("x")))
        except (ValueError, TypeError) as exc:
            raise KeyringError(f"JWKS key #{number} has no valid Ed25519 'x': {exc}") from exc
        kid = thumbprint(key)
        if jwk.get("kid", kid) != kid:
            raise KeyringError(
                f"JWKS key #{number} says kid {jwk.get('kid')!r} but its thumbprint is {kid}"
            )
        found[kid] = key
    if not found:
        raise KeyringError("the JWKS holds no Ed25519 key")
    return found


def verify_envelope(
    envelope: object, public_keys: Mapping[str, Ed25519PublicKey]
) -> dict[str, Any]:
    """Check a signed envelope against trusted public keys and return its document.

    Args:
        envelope: A parsed envelope, ``{"document": ..., "signature": ...}``, exactly.
        public_keys: Trusted keys by key id (``Keyring.public_keys()``, or
            ``public_keys_from_jwks``).

    Returns:
        A plain copy of the signed document.

    Raises:
        SignatureInvalid: the envelope or document is malformed, the algorithm is not
            Ed25519, the key id is not among ``public_keys``, or the signature does not
            match the document.
    """
    if not isinstance(envelope, Mapping) or set(envelope) != {"document", "signature"}:
        raise SignatureInvalid(
            "malformed envelope: expected an object with exactly 'document' and 'signature'"
        )
    signature = envelope["signature"]
    if not isinstance(signature, Mapping) or set(signature) != {"alg", "kid", "value"}:
        raise SignatureInvalid(
            "malformed envelope: 'signature' must have exactly 'alg', 'kid' and 'value'"
        )
    if signature["alg"] != SIGNATURE_ALG:
        raise SignatureInvalid(f"unsupported algorithm {signature['alg']!r}: only Ed25519")
    kid = signature["kid"]
    key = public_keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise SignatureInvalid(f"unknown key id {kid!r}: not one of the trusted keys")
    try:
        value = _b64url_decode(signature["value"])
    except (ValueError, TypeError) as exc:
        raise SignatureInvalid(f"malformed signature value: {exc}") from exc
    if len(value) != SIGNATURE_SIZE:
        raise SignatureInvalid(f"malformed signature value: {len(value)} bytes, not 64")
    document = envelope["document"]
    if not isinstance(document, Mapping):
        raise SignatureInvalid("malformed envelope: 'document' must be an object")
    try:
        plain, data = plain_and_canonical(document)
    except NotCanonical as exc:
        raise SignatureInvalid(f"malformed document: {exc}") from exc
    try:
        key.verify(value, data)
    except InvalidSignature:
        raise SignatureInvalid(f"the signature does not match the document (key {kid})") from None
    result: dict[str, Any] = plain
    return result


class Keyring:
    """One active Ed25519 signing key and the public keys of the keys it replaced.

    Args:
        active: The private key that signs from now on.
        retired: Public keys of earlier active keys; their signatures still verify.
        directory: Where the keys live, for a keyring that may ``rotate()``.
    """

    def __init__(
        self,
        active: Ed25519PrivateKey,
        retired: Iterable[Ed25519PublicKey] = (),
        *,
        directory: Path | None = None,
    ) -> None:
        self._active = active
        self._active_kid = thumbprint(active.public_key())
        self._retired = {thumbprint(key): key for key in retired}
        self._retired.pop(self._active_kid, None)
        self._directory = directory

    def __repr__(self) -> str:
        return f"Keyring(active={self._active_kid!r}, retired={sorted(self._retired)!r})"

    @classmethod
    def from_pem(cls, active_pem: bytes, retired_public_pems: Iterable[bytes] = ()) -> Keyring:
        """Build a keyring from PEM text, as production reads it from the environment.

        Args:
            active_pem: The active Ed25519 private key, unencrypted PKCS#8 PEM.
            retired_public_pems: Public keys (SubjectPublicKeyInfo PEM) of retired keys.

        Raises:
            KeyringError: a PEM cannot be read or is not an Ed25519 key.
        """
        active = _load_private(active_pem, "the active signing key")
        retired = [
            _load_public(pem, f"retired key #{n}") for n, pem in enumerate(retired_public_pems)
        ]
        return cls(active, retired)

    @classmethod
    def from_directory(cls, path: Path, *, create: bool = True) -> Keyring:
        """Load the development keyring kept in ``path``, creating a key if there is none.

        The folder holds ``active.pem`` (the private key, mode 0600) and ``retired/``
        (``<kid>.pem`` public keys of earlier active keys). A new key is announced with a
        loud warning: it is fine for a local sandbox and never for real use.

        Args:
            path: The keyring folder, usually ``<instance>/signing``.
            create: Whether to generate a key when none exists; if false, raise instead.

        Raises:
            KeyringError: there is no key and ``create`` is false, or a file is not an
                Ed25519 key.
        """
        active_path = path / ACTIVE_KEY_FILE
        if not active_path.exists():
            if not create:
                raise KeyringError(f"no signing key at {active_path}")
            _create_dev_key(active_path)
        active = _load_private(active_path.read_bytes(), str(active_path))
        retired_dir = path / RETIRED_KEYS_DIR
        retired = [
            _load_public(file.read_bytes(), str(file)) for file in sorted(retired_dir.glob("*.pem"))
        ]
        return cls(active, retired, directory=path)

    @property
    def active_kid(self) -> str:
        """The key id of the key that signs."""
        return self._active_kid

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """Return every key that verifies, by key id: the active key first."""
        return {self._active_kid: self._active.public_key(), **self._retired}

    def jwks(self) -> dict[str, Any]:
        """Return the public keys as a JWKS (RFC 7517), for a well-known endpoint."""
        return {"keys": [public_jwk(key) for key in self.public_keys().values()]}

    def sign(self, document: Mapping[str, object]) -> dict[str, Any]:
        """Sign ``document`` with the active key and return the envelope.

        Raises:
            NotCanonical: the document holds a value canonical JSON refuses (a float...).
        """
        plain, data = plain_and_canonical(document)
        value = self._active.sign(data)
        return {
            "document": plain,
            "signature": {"alg": SIGNATURE_ALG, "kid": self._active_kid, "value": _b64url(value)},
        }

    def verify(self, envelope: object) -> dict[str, Any]:
        """Check ``envelope`` against this keyring's keys (see ``verify_envelope``)."""
        return verify_envelope(envelope, self.public_keys())

    def rotate(self) -> str:
        """Make a new active key, keep the old public key, and return the new key id.

        Only a keyring loaded with ``from_directory`` rotates itself. The old public key is
        written before the new private key replaces ``active.pem`` (atomically), so a crash
        half way never loses the key that verifies earlier signatures.

        Raises:
            KeyringError: the keyring was not loaded from a directory.
        """
        if self._directory is None:
            raise KeyringError(
                "only a keyring loaded from a directory rotates itself; in production, "
                "configure the new private key and add the old public key to the retired keys"
            )
        old_kid, old_public = self._active_kid, self._active.public_key()
        retired_dir = self._directory / RETIRED_KEYS_DIR
        retired_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        (retired_dir / f"{old_kid}.pem").write_bytes(_public_pem(old_public))

        new = Ed25519PrivateKey.generate()
        staging = self._directory / f".{ACTIVE_KEY_FILE}.{secrets.token_hex(8)}"
        _write_private(staging, new)
        os.replace(staging, self._directory / ACTIVE_KEY_FILE)

        self._retired[old_kid] = old_public
        self._active, self._active_kid = new, thumbprint(new.public_key())
        log.warning("signing key rotated: %s is retired, %s signs now", old_kid, self._active_kid)
        return self._active_kid


def _create_dev_key(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        _write_private(path, Ed25519PrivateKey.generate())
    except FileExistsError:
        return  # another process created it first; use theirs
    log.warning(
        "DEVELOPMENT SIGNING KEY GENERATED at %s: fine for a local sandbox, never for real "
        "use; configure a production signing key from the environment",
        path,
    )


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _load_private(pem: bytes, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyringError(f"{source} is not a readable unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyringError(f"{source} is a {type(key).__name__}, not an Ed25519 key")
    return key


def _load_public(pem: bytes, source: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyringError(f"{source} is not a readable PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyringError(f"{source} is a {type(key).__name__}, not an Ed25519 key")
    return key


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: object) -> bytes:
    """Decode unpadded base64url strictly: one spelling per byte string, nothing else."""
    if not isinstance(text, str) or not text.isascii():
        raise TypeError("expected an ASCII base64url string")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not base64url: {exc}") from exc
    if _b64url(data) != text:
        raise ValueError("not the canonical unpadded base64url spelling")
    return data

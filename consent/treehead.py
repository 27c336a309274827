"""Signed tree heads, and the JSON shapes in which the log hands out its proofs.

A tree head says "the log held ``treeSize`` entries with this root at this time". Signed
with the keyring (``store.signing``), its document is::

    {"type": "fairfile/tree-head/v1", "treeSize": 8,
     "rootHash": "<64 lower-case hex digits>", "timestamp": <Unix time in milliseconds>}

Hashes travel as lower-case hex. Proof documents use RFC 9162's field names in camel case
(``leafIndex``, ``treeSize``, ``inclusionPath``; ``treeSize1``, ``treeSize2``,
``consistencyPath``), with the path in RFC 9162's order (see ``consent.merkle``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from store import Keyring, SignatureInvalid, verify_envelope

from .merkle import HASH_SIZE

#: The ``type`` of a tree head document; no other signed document carries it.
TREE_HEAD_TYPE: Final = "fairfile/tree-head/v1"
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class TreeHead:
    """The size and root of the log at one moment.

    Attributes:
        tree_size: How many entries the log held.
        root_hash: The Merkle root of those entries (32 bytes).
        timestamp_ms: When, in Unix milliseconds (as RFC 6962 tree heads count time).
    """

    tree_size: int
    root_hash: bytes
    timestamp_ms: int

    def __post_init__(self) -> None:
        if self.tree_size < 0 or self.timestamp_ms < 0:
            raise ValueError("a tree head's size and timestamp are never negative")
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"a root hash is {HASH_SIZE} bytes, not {len(self.root_hash)}")

    def document(self) -> dict[str, Any]:
        """Return the document that is signed."""
        return {
            "type": TREE_HEAD_TYPE,
            "treeSize": self.tree_size,
            "rootHash": self.root_hash.hex(),
            "timestamp": self.timestamp_ms,
        }


def unix_millis(moment: dt.datetime) -> int:
    """Return an aware ``moment`` as whole Unix milliseconds (rounded down).

    >>> unix_millis(dt.datetime(1970, 1, 1, 0, 0, 1, 999, tzinfo=dt.UTC))
    1000
    """
    if moment.utcoffset() is None:
        raise ValueError("a naive datetime has no defined Unix time; pass an aware one")
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def sign_tree_head(head: TreeHead, keyring: Keyring) -> dict[str, Any]:
    """Return the signed envelope of ``head``."""
    return keyring.sign(head.document())


def verify_tree_head(envelope: object, public_keys: Mapping[str, Ed25519PublicKey]) -> TreeHead:
    """Check a signed tree head and return it.

    Raises:
        SignatureInvalid: the signature does not verify, or the signed document is not a
            well-formed tree head.
    """
    document = verify_envelope(envelope, public_keys)
    if document.get("type") != TREE_HEAD_TYPE or set(document) != {
        "type",
        "treeSize",
        "rootHash",
        "timestamp",
    }:
        raise SignatureInvalid(f"the signed document is not a {TREE_HEAD_TYPE} tree head")
    size, root_hex, timestamp = document["treeSize"], document["rootHash"], document["timestamp"]
    try:
        if not (_is_int(size) and _is_int(timestamp) and isinstance(root_hex, str)):
            raise ValueError("treeSize and timestamp must be integers, rootHash a string")
        return TreeHead(size, _unhex(root_hex), timestamp)
    except ValueError as exc:
        raise SignatureInvalid(f"malformed tree head: {exc}") from exc


def inclusion_proof_document(
    *, leaf_index: int, tree_size: int, path: Sequence[bytes]
) -> dict[str, Any]:
    """Return an inclusion proof as the API serves it."""
    return {
        "leafIndex": leaf_index,
        "treeSize": tree_size,
        "inclusionPath": [node.hex() for node in path],
    }


def consistency_proof_document(*, first: int, second: int, path: Sequence[bytes]) -> dict[str, Any]:
    """Return a consistency proof between tree sizes ``first <= second`` as the API serves it."""
    return {
        "treeSize1": first,
        "treeSize2": second,
        "consistencyPath": [node.hex() for node in path],
    }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unhex(text: str) -> bytes:
    data = bytes.fromhex(text)
    if data.hex() != text:
        raise ValueError("hashes are lower-case hex without separators")
    return data

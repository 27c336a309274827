"""The RFC 9162 Merkle tree of the transparency log, as pure functions over leaf hashes.

Hashing is RFC 6962's, unchanged in RFC 9162 (section 2.1.1), with SHA-256:

- a leaf is ``SHA-256(0x00 || data)``, an interior node ``SHA-256(0x01 || left || right)``;
- the tree of ``n > 1`` leaves splits at ``k``, the largest power of two below ``n``: the
  left subtree holds leaves ``[0, k)``, a perfect tree, the right one ``[k, n)``;
- the empty tree's root is ``SHA-256("")``.

Proofs are lists of 32-byte hashes in RFC 9162's order: an inclusion proof (the "audit
path") starts with the leaf's sibling and ends with the hash just below the root; a
consistency proof follows ``PROOF``/``SUBPROOF`` of section 2.1.4.1. The verifiers are
the algorithms of sections 2.1.3.2 and 2.1.4.2, step for step, and share no code with the
proof builders.

Building a root or a proof hashes each leaf hash at most once on the way up (O(n)); the
tests check that by counting ``node_hash`` calls.

>>> leaf_hash(b"").hex()
'6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

#: The size of every hash in the tree.
HASH_SIZE: Final = 32
#: The root of the empty tree, ``SHA-256("")``.
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Return the hash of a log entry: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle Tree Hash (MTH) of a tree with these leaf hashes, in order.

    >>> root([]) == EMPTY_ROOT
    True
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    return _subtree(leaf_hashes, 0, len(leaf_hashes))


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the audit path of leaf ``index`` in the tree of ``leaf_hashes`` (RFC 9162 PATH).

    Args:
        index: The leaf's position, from 0.
        leaf_hashes: Every leaf hash of the tree, in order; the tree size is their number.

    Returns:
        Sibling hashes from the leaf's level up to just below the root (empty for a tree
        of one leaf).

    Raises:
        ValueError: ``index`` is not a leaf of the tree.
    """
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
    path: list[bytes] = []
    low, high = 0, size
    while high - low > 1:
        split = low + _split(high - low)
        if index < split:
            path.append(_subtree(leaf_hashes, split, high))
            high = split
        else:
            path.append(_subtree(leaf_hashes, low, split))
            low = split
    path.reverse()  # found from the root down; RFC 9162 lists them from the leaf up
    return path


def consistency_proof(m: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the proof that the first ``m`` leaves are a prefix of this tree (RFC 9162 PROOF).

    Args:
        m: The size of the earlier tree, ``0 <= m <= n``.
        leaf_hashes: Every leaf hash of the later tree (size ``n``), in order.

    Returns:
        ``PROOF(m, D[n])``; empty when ``m`` is 0 or ``n``, where nothing needs proving.

    Raises:
        ValueError: ``m`` is negative or larger than the tree.
    """
    size = len(leaf_hashes)
    if not 0 <= m <= size:
        raise ValueError(f"cannot prove a tree of {m} leaves is a prefix of one of {size}")
    if m in (0, size):
        return []
    proof: list[bytes] = []
    low, high, remaining, whole = 0, size, m, True
    # SUBPROOF(remaining, D[low:high], whole), unrolled: each step adds its last element.
    while remaining != high - low:
        split = _split(high - low)
        if remaining <= split:
            proof.append(_subtree(leaf_hashes, low + split, high))
            high = low + split
        else:
            proof.append(_subtree(leaf_hashes, low, low + split))
            low, remaining, whole = low + split, remaining - split, False
    if not whole:
        proof.append(_subtree(leaf_hashes, low, high))
    proof.reverse()
    return proof


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Return whether ``proof`` shows ``leaf_hash`` at ``index`` in the tree with ``root``.

    This is RFC 9162 section 2.1.3.2. Any malformed input (index outside the tree, a hash
    that is not 32 bytes, a proof too short or too long) is simply a failed proof.
    """
    if not 0 <= index < size or not _hashes(leaf_hash, root, *proof):
        return False
    fn, sn = index, size - 1
    result = leaf_hash
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == root


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    """Return whether ``proof`` shows the tree ``(m, root_m)`` is a prefix of ``(n, root_n)``.

    This is RFC 9162 section 2.1.4.2 for ``0 < m < n``. As in the Certificate Transparency
    reference verifier, ``m == n`` needs an empty proof and equal (32-byte) roots, and ``m == 0``
    (every tree extends the empty one) needs an empty proof.
    """
    if not 0 <= m <= n:
        return False
    if m == n:
        return not proof and _hashes(root_m, root_n) and root_m == root_n
    if m == 0:
        return not proof
    if not proof or not _hashes(root_m, root_n, *proof):
        return False
    path = list(proof)
    if m & (m - 1) == 0:  # m is a power of two: the old root is a node of the new tree
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(node, first)
            second = node_hash(node, second)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            second = node_hash(second, node)
        fn, sn = fn >> 1, sn >> 1
    return first == root_m and second == root_n and sn == 0


def _split(size: int) -> int:
    """Return the largest power of two strictly below ``size`` (which is at least 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _subtree(leaf_hashes: Sequence[bytes], low: int, high: int) -> bytes:
    """Return MTH of the leaves ``[low, high)``, a non-empty range."""
    if high - low == 1:
        return leaf_hashes[low]
    split = low + _split(high - low)
    return node_hash(_subtree(leaf_hashes, low, split), _subtree(leaf_hashes, split, high))


def _hashes(*values: object) -> bool:
    return all(isinstance(value, bytes) and len(value) == HASH_SIZE for value in values)

"""A release's members, committed in one root whose tree does not say how many they are.

A DP release reads many people. Logging one entry per person would publish, in the log's
growing size, the exact number the DP noise is there to hide. Instead a release is one log
entry that carries the root of a **membership tree** (ADR 0020), and each member receives,
through their own access log, the proof that they are in it.

The tree is a binary Merkle tree of fixed depth ``DEPTH`` (2**32 positions) whatever the
number of members, hashed as the log is (``consent.merkle``: a leaf ``SHA-256(0x00 ||
data)``, a node ``SHA-256(0x01 || left || right)``):

- each member's leaf sits at a position drawn uniformly at random (``secrets``), so a
  position says nothing about how many others there are;
- a subtree holding no member is not computed from empty leaves (which a reader could
  recognise) but replaced by 32 fresh random bytes, drawn once and then thrown away; a
  member's leaf data carries a random nonce, so a sibling that is another member's leaf
  cannot be recomputed from a guess of who they are.

So a root is 32 bytes, and every member's proof is exactly ``DEPTH`` hashes, each one
indistinguishable from random to anyone but the release's builder (who forgets the random
parts as soon as the paths are stored). What it costs: ``DEPTH`` hashes and draws per
member, and each member's path stored beside their proof.

>>> root, proofs = commit([b"alice's leaf", b"bob's leaf"])
>>> [len(p.path) for p in proofs], verify(b"bob's leaf", proofs[1], root)
([32, 32], True)
>>> verify(b"carol's leaf", proofs[1], root)
False
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .merkle import HASH_SIZE, leaf_hash, node_hash

#: Levels of every membership tree: 2**32 positions, so members never fill it.
DEPTH: Final = 32


@dataclass(frozen=True)
class MemberProof:
    """Where one member's leaf sits, and the sibling hashes from it up to the root."""

    position: int
    path: tuple[bytes, ...]

    def path_hex(self) -> str:
        """The path as one hex string (``DEPTH`` hashes of 64 hex digits, leaf side first)."""
        return "".join(h.hex() for h in self.path)

    @classmethod
    def from_hex(cls, position: int, text: str) -> MemberProof:
        """Read a path written by :meth:`path_hex`."""
        raw = bytes.fromhex(text)
        if len(raw) != DEPTH * HASH_SIZE:
            raise ValueError(f"a membership path is {DEPTH} hashes")
        return cls(position, tuple(raw[i : i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE)))


def _positions(count: int) -> list[int]:
    taken: set[int] = set()
    out = []
    for _ in range(count):
        position = secrets.randbelow(1 << DEPTH)
        while position in taken:
            position = secrets.randbelow(1 << DEPTH)
        taken.add(position)
        out.append(position)
    return out


def _node(level: dict[int, bytes], pad: dict[int, bytes], index: int) -> bytes:
    """The hash at ``index`` of a level: a member's subtree's, or its one random stand-in."""
    found = level.get(index)
    if found is None:
        found = pad.setdefault(index, secrets.token_bytes(HASH_SIZE))
    return found


def commit(leaves: Sequence[bytes]) -> tuple[bytes, list[MemberProof]]:
    """Commit to ``leaves`` (each member's leaf data); return the root and each one's proof.

    With no leaves the root is random too: an empty release looks like any other.
    """
    positions = _positions(len(leaves))
    level = {p: leaf_hash(data) for p, data in zip(positions, leaves, strict=True)}
    paths: list[list[bytes]] = [[] for _ in leaves]
    at = list(positions)
    for _ in range(DEPTH):
        pad: dict[int, bytes] = {}
        for member, index in enumerate(at):
            paths[member].append(_node(level, pad, index ^ 1))
            at[member] = index >> 1
        parents = {index >> 1 for index in level}
        level = {
            parent: node_hash(_node(level, pad, 2 * parent), _node(level, pad, 2 * parent + 1))
            for parent in parents
        }
    root = level[0] if level else secrets.token_bytes(HASH_SIZE)
    return root, [MemberProof(p, tuple(path)) for p, path in zip(positions, paths, strict=True)]


def _root_of(leaf: bytes, proof: MemberProof) -> bytes:
    """Recompute the root from one member's leaf data and proof."""
    if len(proof.path) != DEPTH or not 0 <= proof.position < 1 << DEPTH:
        raise ValueError(f"a membership proof has {DEPTH} hashes and a position below 2**{DEPTH}")
    value, index = leaf_hash(leaf), proof.position
    for sibling in proof.path:
        value = node_hash(sibling, value) if index & 1 else node_hash(value, sibling)
        index >>= 1
    return value


def verify(leaf: bytes, proof: MemberProof, root: bytes) -> bool:
    """Whether ``leaf`` is in the tree of ``root`` at ``proof.position``."""
    try:
        return secrets.compare_digest(_root_of(leaf, proof), root)
    except ValueError:
        return False

"""The transparency log in the database: append, sequence, sign heads, prove, verify.

Entries are appended by the transaction that does the thing they record (a consent change,
a read of someone's data), so an entry exists exactly when that transaction committed.
Positions in the Merkle tree are *not* taken at append time: concurrent transactions
commit in an order unknown when they insert, and a tree must never change under an issued
head. Instead a sequencer, run when a tree head or proof is asked for, takes every
committed entry without a position in insertion order, under a lock on the one
``log_sequencer`` row, numbers them after the last, and signs a new head. Positions and
heads, once committed, never change (``consent.merkle`` proves it to any reader).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from store import Base, Keyring, SignatureInvalid, canonical_json, utcnow

from . import membership, merkle
from .errors import ProofUnavailable
from .treehead import TreeHead, sign_tree_head, unix_millis, verify_tree_head


class LogEntry(Base):
    """One record of the transparency log: its canonical JSON leaf and position."""

    __tablename__ = "log_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    leaf_index: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_ref: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime]
    leaf: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("kind IN ('consent', 'access', 'erasure', 'release')", name="kind"),
    )


class ReleaseMember(Base):
    """One person's place in a release's membership tree (``consent.membership``).

    Not part of the public log: the release's one log entry carries the tree's root, and
    this row, served only to the person, is their leaf and their proof that they are under
    it (ADR 0020).
    """

    __tablename__ = "release_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    log_entry_id: Mapped[int] = mapped_column(ForeignKey("log_entries.id"), index=True)
    subject_ref: Mapped[str] = mapped_column(String(64), index=True)
    leaf: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(Text)


class SignedTreeHead(Base):
    """A signed statement of the log's size and root at one moment."""

    __tablename__ = "tree_heads"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    envelope: Mapped[str] = mapped_column(Text)


class LogSequencer(Base):
    """The single row whose lock serialises sequencing (created by the migration)."""

    __tablename__ = "log_sequencer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    next_index: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class Appended:
    """An entry just appended: its id now, its position once sequenced."""

    entry_id: int
    leaf_hash: bytes


def append(session: Session, *, kind: str, subject_ref: str, leaf: Mapping[str, Any]) -> Appended:
    """Append ``leaf`` (canonical JSON) to the log in the caller's transaction."""
    data = canonical_json(leaf)
    hashed = merkle.leaf_hash(data)
    entry = LogEntry(
        kind=kind,
        subject_ref=subject_ref,
        created_at=utcnow(),
        leaf=data.decode(),
        leaf_hash=hashed.hex(),
    )
    session.add(entry)
    session.flush()
    return Appended(entry.id, hashed)


def sequence(session: Session, *, keyring: Keyring) -> dict[str, Any]:
    """Give every waiting entry its position and return the newest signed tree head.

    Runs in the caller's transaction, which it locks against other sequencers first; the
    caller commits. A new head is signed only when the tree grew (or none exists yet).
    """
    session.execute(
        update(LogSequencer).where(LogSequencer.id == 1).values(next_index=LogSequencer.next_index)
    )
    sequencer = session.get(LogSequencer, 1, with_for_update=True, populate_existing=True)
    if sequencer is None:
        raise RuntimeError("bug: the log_sequencer row is missing; run `fairfile db upgrade`")
    waiting = session.scalars(
        select(LogEntry).where(LogEntry.leaf_index.is_(None)).order_by(LogEntry.id)
    ).all()
    next_index = sequencer.next_index
    for entry in waiting:
        entry.leaf_index = next_index
        next_index += 1
    sequencer.next_index = next_index
    session.flush()
    latest = _latest_head(session)
    if latest is not None and latest.tree_size == next_index:
        return _envelope(latest)
    hashes = leaf_hashes(session, next_index)
    head = TreeHead(next_index, merkle.root(hashes), unix_millis(utcnow()))
    envelope = sign_tree_head(head, keyring)
    row = SignedTreeHead(
        tree_size=head.tree_size,
        root_hash=head.root_hash.hex(),
        timestamp_ms=head.timestamp_ms,
        envelope=canonical_json(envelope).decode(),
    )
    session.add(row)
    session.flush()
    return envelope


def leaf_hashes(session: Session, size: int) -> list[bytes]:
    """Return the leaf hashes of the first ``size`` positions, in order."""
    rows = session.scalars(
        select(LogEntry.leaf_hash)
        .where(LogEntry.leaf_index.is_not(None), LogEntry.leaf_index < size)
        .order_by(LogEntry.leaf_index)
    ).all()
    if len(rows) != size:
        raise ProofUnavailable(f"the log holds {len(rows)} sequenced entries, not {size}")
    return [bytes.fromhex(h) for h in rows]


def head_at(session: Session, tree_size: int) -> dict[str, Any]:
    """Return the signed tree head for ``tree_size``."""
    row = session.get(SignedTreeHead, tree_size)
    if row is None:
        raise ProofUnavailable(f"no signed tree head of size {tree_size}")
    return _envelope(row)


def inclusion(session: Session, *, entry_id: int, tree_size: int | None = None) -> dict[str, Any]:
    """Return an inclusion proof for entry ``entry_id`` in a signed tree (default: newest).

    The entry must already be sequenced (ask for a tree head first) and the tree must be a
    size for which a signed head exists.
    """
    entry = session.get(LogEntry, entry_id)
    if entry is None or entry.leaf_index is None:
        raise ProofUnavailable("no sequenced log entry with that id")
    head = _latest_head(session) if tree_size is None else session.get(SignedTreeHead, tree_size)
    if head is None or head.tree_size <= entry.leaf_index:
        raise ProofUnavailable("no signed tree head that includes this entry")
    hashes = leaf_hashes(session, head.tree_size)
    path = merkle.inclusion_proof(entry.leaf_index, hashes)
    return {
        "leafIndex": entry.leaf_index,
        "treeSize": head.tree_size,
        "leafHash": entry.leaf_hash,
        "inclusionPath": [node.hex() for node in path],
        "treeHead": _envelope(head),
    }


def consistency(session: Session, *, first: int, second: int) -> dict[str, Any]:
    """Return a consistency proof between two signed tree sizes ``first <= second``."""
    if not 0 <= first <= second:
        raise ProofUnavailable("a consistency proof needs 0 <= first <= second")
    heads = [session.get(SignedTreeHead, size) for size in (first, second)]
    if any(h is None for h in heads):
        raise ProofUnavailable("both tree sizes need a signed tree head")
    path = merkle.consistency_proof(first, leaf_hashes(session, second)) if first else []
    return {
        "treeSize1": first,
        "treeSize2": second,
        "consistencyPath": [node.hex() for node in path],
        "treeHead1": _envelope(heads[0]),  # type: ignore[arg-type]
        "treeHead2": _envelope(heads[1]),  # type: ignore[arg-type]
    }


@dataclass(frozen=True)
class AuditReport:
    """What ``verify_log`` checked and what it found wrong (empty ``problems``: all good)."""

    entries: int
    heads: int
    problems: tuple[str, ...]


def verify_log(session: Session, public_keys: Mapping[str, Ed25519PublicKey]) -> AuditReport:
    """Recompute the whole tree from the stored leaves and check every signed head.

    Checks: each stored leaf hash is the hash of its stored leaf; positions run 0..n-1
    without gaps; each head's signature verifies and its root equals the root recomputed
    at its size; consecutive heads are consistent (checked with a proof, as an outside
    auditor would); every release member's stored leaf is filed under the person it names
    and its proof leads to the root its release entry commits to.
    """
    problems: list[str] = []
    entries = session.scalars(
        select(LogEntry).where(LogEntry.leaf_index.is_not(None)).order_by(LogEntry.leaf_index)
    ).all()
    hashes: list[bytes] = []
    for position, entry in enumerate(entries):
        if entry.leaf_index != position:
            problems.append(f"position {position} is missing (found {entry.leaf_index})")
            break
        recomputed = merkle.leaf_hash(entry.leaf.encode())
        if recomputed.hex() != entry.leaf_hash:
            problems.append(f"entry at position {position} does not match its leaf hash")
        hashes.append(recomputed)
    heads = session.scalars(select(SignedTreeHead).order_by(SignedTreeHead.tree_size)).all()
    previous: TreeHead | None = None
    for row in heads:
        try:
            head = verify_tree_head(_envelope(row), public_keys)
        except SignatureInvalid as exc:
            problems.append(f"tree head of size {row.tree_size}: {exc}")
            continue
        if head.tree_size > len(hashes):
            problems.append(f"tree head of size {head.tree_size} is beyond the log")
            continue
        if merkle.root(hashes[: head.tree_size]) != head.root_hash:
            problems.append(f"tree head of size {head.tree_size} does not match the entries")
        if previous is not None and previous.tree_size > 0:
            proof = merkle.consistency_proof(previous.tree_size, hashes[: head.tree_size])
            if not merkle.verify_consistency(
                previous.tree_size, head.tree_size, previous.root_hash, head.root_hash, proof
            ):
                problems.append(
                    f"heads {previous.tree_size} and {head.tree_size} are not consistent"
                )
        previous = head
    problems.extend(_check_memberships(session))
    return AuditReport(len(entries), len(heads), tuple(problems))


def _check_memberships(session: Session) -> list[str]:
    """Each stored membership is the person's it is filed under, and under its entry's root."""
    problems = []
    rows = session.execute(
        select(ReleaseMember, LogEntry.leaf).join(
            LogEntry, ReleaseMember.log_entry_id == LogEntry.id
        )
    )
    for member, release_leaf in rows:
        root = bytes.fromhex(json.loads(release_leaf).get("membersRoot", ""))
        try:
            proof = membership.MemberProof.from_hex(member.position, member.path)
        except ValueError:
            proof = membership.MemberProof(member.position, ())
        if json.loads(member.leaf).get("subject") != member.subject_ref:
            problems.append(f"membership {member.id} is filed under another person")
        if not membership.verify(member.leaf.encode(), proof, root):
            problems.append(
                f"membership {member.id} of log entry {member.log_entry_id} is not under its root"
            )
    return problems


def add_members(
    session: Session, *, entry_id: int, members: Sequence[tuple[str, bytes, membership.MemberProof]]
) -> None:
    """Store each member's leaf and proof under a release's log entry (private to them)."""
    if members:
        session.execute(
            insert(ReleaseMember),
            [
                {
                    "log_entry_id": entry_id,
                    "subject_ref": ref,
                    "leaf": leaf.decode(),
                    "position": proof.position,
                    "path": proof.path_hex(),
                }
                for ref, leaf, proof in members
            ],
        )


@dataclass(frozen=True)
class HistoryItem:
    """One thing the log holds about a person: an entry about them, or a release they are in.

    For a release, ``entry`` is the person's own leaf in its membership tree and ``id``,
    ``leaf_index`` and ``created_at`` are the release's log entry's; ``membership`` holds
    what proves the leaf is under that entry (``consent.membership``).
    """

    id: int
    kind: str
    leaf_index: int | None
    created_at: dt.datetime
    entry: dict[str, Any]
    membership: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The item as JSON (the export and the API)."""
        out = {
            "id": self.id,
            "kind": self.kind,
            "leaf_index": self.leaf_index,
            "created_at": self.created_at.isoformat(),
            "entry": self.entry,
        }
        if self.membership is not None:
            out["membership"] = self.membership
        return out


def history_of(session: Session, subject_ref: str) -> list[HistoryItem]:
    """Every entry about the person, and every release they are in, oldest first."""
    items = [
        HistoryItem(e.id, e.kind, e.leaf_index, e.created_at, json.loads(e.leaf))
        for e in entries_about(session, subject_ref)
    ]
    rows = session.execute(
        select(ReleaseMember, LogEntry)
        .join(LogEntry, ReleaseMember.log_entry_id == LogEntry.id)
        .where(ReleaseMember.subject_ref == subject_ref)
    )
    for member, entry in rows:
        items.append(
            HistoryItem(
                entry.id,
                entry.kind,
                entry.leaf_index,
                entry.created_at,
                json.loads(member.leaf),
                {
                    "position": member.position,
                    "path": member.path,
                    "depth": membership.DEPTH,
                    "release_entry": json.loads(entry.leaf),
                },
            )
        )
    return sorted(items, key=lambda item: (item.created_at, item.id))


def entries_about(session: Session, subject_ref: str) -> Sequence[LogEntry]:
    """Return every log entry about the person with this pseudonym, oldest first."""
    return session.scalars(
        select(LogEntry).where(LogEntry.subject_ref == subject_ref).order_by(LogEntry.id)
    ).all()


def _latest_head(session: Session) -> SignedTreeHead | None:
    return session.scalars(
        select(SignedTreeHead).order_by(SignedTreeHead.tree_size.desc()).limit(1)
    ).first()


def _envelope(row: SignedTreeHead) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(row.envelope)
    return loaded

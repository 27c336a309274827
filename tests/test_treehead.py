"""Signed tree heads and proof documents (consent.treehead)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consent.merkle import consistency_proof, inclusion_proof, leaf_hash, root
from consent.treehead import (
    TREE_HEAD_TYPE,
    TreeHead,
    consistency_proof_document,
    inclusion_proof_document,
    sign_tree_head,
    unix_millis,
    verify_tree_head,
)
from store.errors import SignatureInvalid
from store.signing import Keyring

KEYRING = Keyring(Ed25519PrivateKey.generate())
LEAVES = [leaf_hash(bytes([i])) for i in range(7)]
HEAD = TreeHead(7, root(LEAVES), 1_740_832_205_123)


def test_a_signed_tree_head_verifies_and_reads_back():
    envelope = sign_tree_head(HEAD, KEYRING)
    assert envelope["document"] == {
        "type": TREE_HEAD_TYPE,
        "treeSize": 7,
        "rootHash": root(LEAVES).hex(),
        "timestamp": 1_740_832_205_123,
    }
    assert verify_tree_head(envelope, KEYRING.public_keys()) == HEAD


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("treeSize", 8, "does not match"),
        ("rootHash", "00" * 32, "does not match"),
        ("timestamp", 0, "does not match"),
    ],
)
def test_an_edited_tree_head_fails(field, value, reason):
    envelope = sign_tree_head(HEAD, KEYRING)
    envelope["document"][field] = value
    with pytest.raises(SignatureInvalid, match=reason):
        verify_tree_head(envelope, KEYRING.public_keys())


@pytest.mark.parametrize(
    "document",
    [
        {"type": "something-else", "treeSize": 1, "rootHash": "00" * 32, "timestamp": 0},
        {"type": TREE_HEAD_TYPE, "treeSize": 1, "rootHash": "00" * 32},
        {"type": TREE_HEAD_TYPE, "treeSize": 1, "rootHash": "00" * 32, "timestamp": 0, "x": 1},
        {"type": TREE_HEAD_TYPE, "treeSize": True, "rootHash": "00" * 32, "timestamp": 0},
        {"type": TREE_HEAD_TYPE, "treeSize": -1, "rootHash": "00" * 32, "timestamp": 0},
        {"type": TREE_HEAD_TYPE, "treeSize": 1, "rootHash": "00" * 31, "timestamp": 0},
        {"type": TREE_HEAD_TYPE, "treeSize": 1, "rootHash": "AA" * 32, "timestamp": 0},
        {"type": TREE_HEAD_TYPE, "treeSize": 1, "rootHash": "zz" * 32, "timestamp": 0},
    ],
)
def test_a_well_signed_document_that_is_not_a_tree_head_is_refused(document):
    with pytest.raises(SignatureInvalid, match="tree head"):
        verify_tree_head(KEYRING.sign(document), KEYRING.public_keys())


def test_tree_heads_are_checked_when_made():
    with pytest.raises(ValueError, match="32 bytes"):
        TreeHead(1, b"short", 0)
    with pytest.raises(ValueError, match="never negative"):
        TreeHead(-1, root([]), 0)


def test_unix_millis_rounds_down_and_needs_an_aware_time():
    moment = dt.datetime(2025, 3, 1, 12, 30, 5, 123_999, tzinfo=dt.UTC)
    assert unix_millis(moment) == 1_740_832_205_123
    with pytest.raises(ValueError, match="naive"):
        unix_millis(moment.replace(tzinfo=None))


def test_proof_documents_carry_hex_paths_in_rfc_order():
    path = inclusion_proof(3, LEAVES)
    assert inclusion_proof_document(leaf_index=3, tree_size=7, path=path) == {
        "leafIndex": 3,
        "treeSize": 7,
        "inclusionPath": [node.hex() for node in path],
    }
    proof = consistency_proof(3, LEAVES)
    assert consistency_proof_document(first=3, second=7, path=proof) == {
        "treeSize1": 3,
        "treeSize2": 7,
        "consistencyPath": [node.hex() for node in proof],
    }

"""The RFC 9162 Merkle tree (consent.merkle) against published vectors and the RFC itself."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent import merkle
from consent.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# ---------------------------------------------------------------- published vectors
# google/certificate-transparency, cpp/merkletree/merkle_tree_test.cc: kInputs,
# kSHA256EmptyTreeHash, kSHA256Roots, kSHA256Paths and kSHA256Proofs. The C++ test numbers
# leaves from 1; the indexes below are from 0.

CT_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_LEAVES = [leaf_hash(data) for data in CT_INPUTS]
CT_EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
CT_ROOTS = {  # tree size -> root
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
CT_PATHS = [  # (leaf index, tree size, audit path)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_PROOFS = [  # (earlier size, later size, consistency proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def test_the_empty_tree_has_the_reference_root():
    assert root([]).hex() == CT_EMPTY_ROOT == EMPTY_ROOT.hex()


@pytest.mark.parametrize("size", sorted(CT_ROOTS))
def test_every_reference_root(size):
    assert root(CT_LEAVES[:size]).hex() == CT_ROOTS[size]


def test_leaf_and_node_prefixes():
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert leaf_hash(b"").hex() == CT_ROOTS[1]
    assert node_hash(CT_LEAVES[0], CT_LEAVES[1]).hex() == CT_ROOTS[2]
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize(("index", "size", "path"), CT_PATHS)
def test_every_reference_audit_path(index, size, path):
    leaves = CT_LEAVES[:size]
    proof = inclusion_proof(index, leaves)
    assert [node.hex() for node in proof] == path
    assert verify_inclusion(index, size, leaves[index], proof, bytes.fromhex(CT_ROOTS[size]))


@pytest.mark.parametrize(("m", "n", "path"), CT_PROOFS)
def test_every_reference_consistency_proof(m, n, path):
    proof = consistency_proof(m, CT_LEAVES[:n])
    assert [node.hex() for node in proof] == path
    roots = (bytes.fromhex(CT_ROOTS[m]), bytes.fromhex(CT_ROOTS[n]))
    assert verify_consistency(m, n, *roots, proof)


# ---------------------------------------------------------------- the RFC's own definitions
# Written from RFC 9162 section 2.1 as literally as Python allows (slices and recursion), to
# check the unrolled, index-based builders against the definitions on every small shape.


def rfc_mth(d):
    if len(d) == 0:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]  # d holds leaf hashes here
    k = 1
    while k * 2 < len(d):
        k *= 2
    return node_hash(rfc_mth(d[:k]), rfc_mth(d[k:]))


def rfc_path(m, d):
    if len(d) == 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m < k:
        return [*rfc_path(m, d[:k]), rfc_mth(d[k:])]
    return [*rfc_path(m - k, d[k:]), rfc_mth(d[:k])]


def rfc_subproof(m, d, b):
    if m == len(d):
        return [] if b else [rfc_mth(d)]
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m <= k:
        return [*rfc_subproof(m, d[:k], b), rfc_mth(d[k:])]
    return [*rfc_subproof(m - k, d[k:], False), rfc_mth(d[:k])]


MAX_SIZE = 64
LEAVES = [leaf_hash(i.to_bytes(2, "big")) for i in range(MAX_SIZE)]


def test_roots_and_proofs_follow_the_rfc_definitions_for_every_size_up_to_64():
    for n in range(1, MAX_SIZE + 1):
        tree = LEAVES[:n]
        assert root(tree) == rfc_mth(tree)
        for index in range(n):
            assert inclusion_proof(index, tree) == rfc_path(index, tree)
        for m in range(1, n):
            assert consistency_proof(m, tree) == rfc_subproof(m, tree, True)


# ---------------------------------------------------------------- exhaustive verification


def wrong_inclusions(index, size, leaf, proof, good_root):
    """The CT reference verifier's corruptions of a good inclusion proof."""
    other = EMPTY_ROOT
    yield index - 1, size, leaf, proof, good_root
    yield index + 1, size, leaf, proof, good_root
    yield index ^ 2, size, leaf, proof, good_root
    yield index, size * 2, leaf, proof, good_root
    yield index, size // 2, leaf, proof, good_root
    yield index, size, leaf_hash(b"WrongLeaf"), proof, good_root
    yield index, size, leaf, proof, other
    for j in range(len(proof)):
        yield index, size, leaf, [*proof[:j], other, *proof[j + 1 :]], good_root
    yield index, size, leaf, [*proof, b""], good_root
    yield index, size, leaf, [*proof, good_root], good_root
    if proof:
        yield index, size, leaf, proof[:-1], good_root
    yield index, size, leaf, [b"", *proof], good_root
    yield index, size, leaf, [good_root, *proof], good_root


def test_every_inclusion_proof_verifies_and_every_corruption_fails_up_to_64():
    for n in range(1, MAX_SIZE + 1):
        tree = LEAVES[:n]
        good_root = root(tree)
        for index in range(n):
            proof = inclusion_proof(index, tree)
            assert verify_inclusion(index, n, tree[index], proof, good_root), (index, n)
            for wrong in wrong_inclusions(index, n, tree[index], proof, good_root):
                assert not verify_inclusion(*wrong), (index, n, wrong)


def wrong_consistencies(m, n, root_m, root_n, proof):
    """The CT reference verifier's corruptions of a good, non-empty consistency proof."""
    other = EMPTY_ROOT
    yield m - 1, n, root_m, root_n, proof
    yield m + 1, n, root_m, root_n, proof
    yield m ^ 2, n, root_m, root_n, proof
    yield m, n * 2, root_m, root_n, proof
    yield m, n // 2, root_m, root_n, proof
    yield m, n, root_m, other, proof
    yield m, n, other, root_n, proof
    yield m, n, root_n, root_m, proof
    yield m, n, root_m, root_n, []
    for j in range(len(proof)):
        yield m, n, root_m, root_n, [*proof[:j], other, *proof[j + 1 :]]
    yield m, n, root_m, root_n, [*proof, b""]
    yield m, n, root_m, root_n, [*proof, proof[-1]]
    yield m, n, root_m, root_n, proof[:-1]
    yield m, n, root_m, root_n, [b"", *proof]
    yield m, n, root_m, root_n, [proof[0], *proof]


def test_every_consistency_proof_verifies_and_every_corruption_fails_up_to_64():
    roots = [root(LEAVES[:size]) for size in range(MAX_SIZE + 1)]
    for n in range(0, MAX_SIZE + 1):
        for m in range(0, n + 1):
            proof = consistency_proof(m, LEAVES[:n])
            assert verify_consistency(m, n, roots[m], roots[n], proof), (m, n)
            if 0 < m < n:
                for wrong in wrong_consistencies(m, n, roots[m], roots[n], proof):
                    assert not verify_consistency(*wrong), (m, n, wrong)


def test_the_edge_cases_of_the_ct_reference_verifier():
    a, b = EMPTY_ROOT, leaf_hash(b"")
    assert verify_consistency(0, 0, a, a, [])
    assert verify_consistency(0, 1, a, b, [])  # every tree extends the empty tree
    assert verify_consistency(1, 1, b, b, [])
    assert not verify_consistency(1, 0, a, a, [])  # time runs forwards
    assert not verify_consistency(2, 1, a, a, [])
    assert not verify_consistency(1, 2, a, b, [])  # a real step needs a proof
    assert not verify_consistency(1, 1, a, b, [])  # same size, different roots
    assert not verify_consistency(0, 0, a, a, [a])  # nothing to prove, yet a proof
    assert not verify_consistency(0, 1, a, a, [a])
    assert not verify_consistency(1, 1, a, a, [a])
    assert not verify_inclusion(0, 0, a, [], a)  # no leaf in an empty tree
    assert not verify_inclusion(1, 1, a, [], a)
    assert not verify_inclusion(-1, 1, a, [], a)
    assert verify_inclusion(0, 1, a, [], a)  # a one-leaf tree's root is its leaf


# ---------------------------------------------------------------- tampering, any byte


def flip(data: bytes, position: int, bit: int) -> bytes:
    position %= len(data)
    return data[:position] + bytes([data[position] ^ (1 << bit)]) + data[position + 1 :]


sizes = st.integers(min_value=1, max_value=MAX_SIZE)
leaf_data = st.lists(st.binary(max_size=8), min_size=MAX_SIZE, max_size=MAX_SIZE)


@given(leaf_data, sizes, st.data())
def test_a_flipped_bit_in_an_inclusion_proof_root_or_leaf_fails(data, n, draw):
    tree = [leaf_hash(item) for item in data[:n]]
    index = draw.draw(st.integers(0, n - 1))
    proof, good_root = inclusion_proof(index, tree), root(tree)
    assert verify_inclusion(index, n, tree[index], proof, good_root)
    position, bit = draw.draw(st.integers(0, 31)), draw.draw(st.integers(0, 7))
    target = draw.draw(st.sampled_from(["leaf", "root", "proof"] if proof else ["leaf", "root"]))
    leaf, bad_root, bad_proof = tree[index], good_root, list(proof)
    if target == "leaf":
        leaf = flip(leaf, position, bit)
    elif target == "root":
        bad_root = flip(bad_root, position, bit)
    else:
        j = draw.draw(st.integers(0, len(proof) - 1))
        bad_proof[j] = flip(bad_proof[j], position, bit)
    assert not verify_inclusion(index, n, leaf, bad_proof, bad_root)


@given(leaf_data, st.integers(min_value=2, max_value=MAX_SIZE), st.data())
def test_a_flipped_bit_in_a_consistency_proof_or_either_root_fails(data, n, draw):
    tree = [leaf_hash(item) for item in data[:n]]
    m = draw.draw(st.integers(1, n - 1))
    proof = consistency_proof(m, tree)
    root_m, root_n = root(tree[:m]), root(tree)
    assert verify_consistency(m, n, root_m, root_n, proof)
    position, bit = draw.draw(st.integers(0, 31)), draw.draw(st.integers(0, 7))
    target = draw.draw(st.sampled_from(["root_m", "root_n", "proof"]))
    bad_proof = list(proof)
    if target == "root_m":
        root_m = flip(root_m, position, bit)
    elif target == "root_n":
        root_n = flip(root_n, position, bit)
    else:
        j = draw.draw(st.integers(0, len(proof) - 1))
        bad_proof[j] = flip(bad_proof[j], position, bit)
    assert not verify_consistency(m, n, root_m, root_n, bad_proof)


# ---------------------------------------------------------------- shape of the work


def test_roots_and_proofs_hash_each_level_once(monkeypatch):
    calls = 0
    real = merkle.node_hash

    def counting(left: bytes, right: bytes) -> bytes:
        nonlocal calls
        calls += 1
        return real(left, right)

    monkeypatch.setattr(merkle, "node_hash", counting)
    n = 1000
    tree = [leaf_hash(i.to_bytes(2, "big")) for i in range(n)]

    root(tree)
    assert calls == n - 1
    for work in (lambda: inclusion_proof(777, tree), lambda: consistency_proof(613, tree)):
        calls = 0
        work()
        assert calls <= n - 1  # linear; a quadratic builder would need far more


def test_proof_requests_outside_the_tree_are_refused():
    with pytest.raises(ValueError, match="outside a tree of 3 leaves"):
        inclusion_proof(3, LEAVES[:3])
    with pytest.raises(ValueError, match="outside a tree of 0 leaves"):
        inclusion_proof(0, [])
    with pytest.raises(ValueError, match="prefix of one of 3"):
        consistency_proof(4, LEAVES[:3])
    with pytest.raises(ValueError, match="prefix"):
        consistency_proof(-1, LEAVES[:3])
    assert consistency_proof(0, LEAVES[:3]) == consistency_proof(3, LEAVES[:3]) == []

"""docs/receipts-and-log.md: its examples are the code's output, and its recipe works.

The recipe ("verify it yourself") is cut out of the page and run in a fresh interpreter
against the page's own examples and against receipts made here, good and damaged.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consent import DataCategory
from consent.merkle import inclusion_proof, leaf_hash, root
from consent.receipts import ReceiptFacts, receipt_leaf_hash, sign_receipt, verify_receipt
from consent.treehead import (
    TreeHead,
    inclusion_proof_document,
    sign_tree_head,
    verify_tree_head,
)
from store.signing import Keyring, canonical_json, public_keys_from_jwks

DOC = Path(__file__).resolve().parents[1] / "docs" / "receipts-and-log.md"
BLOCK = re.compile(r"<!-- example: ([\w-]+) -->\n```(\w+)\n(.*?)```", re.DOTALL)
EXAMPLES = {name: body for name, _, body in BLOCK.findall(DOC.read_text(encoding="utf-8"))}
SNIPPET = EXAMPLES["verify-it-yourself"]

# RFC 8032 section 7.1 TEST 1: the published key the page signs its examples with.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
AT = dt.datetime(2025, 3, 1, 12, 30, 5, tzinfo=dt.UTC)


def example_facts(**changes) -> ReceiptFacts:
    values = {
        "receipt_id": "0b8f6c1e-4d2a-4f6e-9a51-3c7d2e9b1a40",
        "consent_id": "5d1e2f3a-6b7c-4d8e-9f0a-1b2c3d4e5f60",
        "event": "grant",
        "timestamp": AT,
        "collection_method": "api",
        "subject_pseudonym": hashlib.sha256(b"example subject").hexdigest(),
        "purpose": "share:northwind",
        "data_categories": frozenset({DataCategory.RENT, DataCategory.BANK_CASHFLOW}),
        "notice_version": "share/1",
        "state": "active",
        "expires_at": AT + dt.timedelta(days=365),
        "lender_name": "Northwind Credit Union (sandbox)",
    }
    values.update(changes)
    return ReceiptFacts(**values)


def example_log(receipt: dict) -> list[bytes]:
    """Seven entries; the receipt is entry 5."""
    others = [leaf_hash(canonical_json({"example": i})) for i in (0, 1, 2, 3, 4, 6)]
    return [*others[:5], receipt_leaf_hash(receipt), others[5]]


def test_the_page_has_every_example():
    assert set(EXAMPLES) == {"receipt", "jwks", "tree-head", "proof", "verify-it-yourself"}


def test_the_examples_are_exactly_what_the_code_produces():
    keyring = Keyring(Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET))
    receipt = sign_receipt(example_facts(), keyring)
    leaves = example_log(receipt)
    head = sign_tree_head(TreeHead(7, root(leaves), 1_740_832_206_000), keyring)
    proof = inclusion_proof_document(leaf_index=5, tree_size=7, path=inclusion_proof(5, leaves))

    assert json.loads(EXAMPLES["receipt"]) == receipt
    assert json.loads(EXAMPLES["jwks"]) == keyring.jwks()
    assert json.loads(EXAMPLES["tree-head"]) == head
    assert json.loads(EXAMPLES["proof"]) == proof

    trusted = public_keys_from_jwks(json.loads(EXAMPLES["jwks"]))
    assert verify_receipt(json.loads(EXAMPLES["receipt"]), trusted)["version"] == "KI-CR-v1.1.0"
    assert verify_tree_head(json.loads(EXAMPLES["tree-head"]), trusted).tree_size == 7


def test_the_recipe_uses_nothing_but_the_standard_library_and_cryptography():
    imported = set()
    for node in ast.walk(ast.parse(SNIPPET)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported == {"base64", "hashlib", "json", "sys", "cryptography"}


def run_recipe(folder: Path, **files: object) -> subprocess.CompletedProcess[str]:
    for name, value in files.items():
        text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
        (folder / f"{name.replace('_', '-')}.json").write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-I", "-c", SNIPPET],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_recipe_accepts_the_pages_own_examples(tmp_path):
    result = run_recipe(
        tmp_path,
        receipt=EXAMPLES["receipt"],
        jwks=EXAMPLES["jwks"],
        tree_head=EXAMPLES["tree-head"],
        proof=EXAMPLES["proof"],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "valid: receipt 0b8f6c1e-4d2a-4f6e-9a51-3c7d2e9b1a40 is entry 5 of 7\n"


def fresh_case(tmp_path: Path) -> dict[str, dict]:
    """A real instance keyring that rotated between the receipt and the tree head."""
    keyring = Keyring.from_directory(tmp_path / "signing")
    receipt = sign_receipt(
        example_facts(receipt_id="fresh", lender_name="Caixa d'Estalvis Ñandú 🏦"), keyring
    )
    keyring.rotate()
    later = sign_receipt(example_facts(receipt_id="later"), keyring)
    leaves = [leaf_hash(bytes([i])) for i in range(11)]
    leaves[9], leaves[10] = receipt_leaf_hash(receipt), receipt_leaf_hash(later)
    head = sign_tree_head(TreeHead(len(leaves), root(leaves), 0), keyring)
    proof = inclusion_proof_document(leaf_index=9, tree_size=11, path=inclusion_proof(9, leaves))
    return {"receipt": receipt, "jwks": keyring.jwks(), "tree_head": head, "proof": proof}


def test_the_recipe_accepts_a_receipt_signed_before_a_rotation(tmp_path):
    case = fresh_case(tmp_path)
    assert case["receipt"]["signature"]["kid"] != case["tree_head"]["signature"]["kid"]
    result = run_recipe(tmp_path, **case)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "valid: receipt fresh is entry 9 of 11\n"


def _edit_receipt(case):
    case["receipt"]["document"]["fairfile"]["state"] = "withdrawn"


def _edit_lender(case):
    case["receipt"]["document"]["services"][0]["purposes"][0]["thirdPartyName"] += " Bank"


def _edit_head(case):
    case["tree_head"]["document"]["treeSize"] = 10


def _move_leaf(case):
    case["proof"]["leafIndex"] = 8


def _edit_path(case):
    path = case["proof"]["inclusionPath"]
    path[0] = ("0" if path[0][0] != "0" else "1") + path[0][1:]


def _other_tree(case):
    keyring = Keyring.from_directory(Path(case["_folder"]) / "signing")
    case["tree_head"] = sign_tree_head(TreeHead(11, root([leaf_hash(b"x")] * 11), 0), keyring)


def _other_keys(case):
    case["jwks"] = Keyring(Ed25519PrivateKey.generate()).jwks()


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (_edit_receipt, "InvalidSignature"),
        (_edit_lender, "InvalidSignature"),
        (_edit_head, "InvalidSignature"),
        (_move_leaf, "INVALID: the receipt is not in the log"),
        (_edit_path, "INVALID: the receipt is not in the log"),
        (_other_tree, "INVALID: the receipt is not in the log"),
        (_other_keys, "StopIteration"),
    ],
)
def test_the_recipe_rejects_damage(tmp_path, damage, error):
    case = fresh_case(tmp_path)
    case["_folder"] = str(tmp_path)
    damage(case)
    del case["_folder"]
    result = run_recipe(tmp_path, **case)
    assert result.returncode != 0
    assert error in result.stderr
    assert "valid" not in result.stdout

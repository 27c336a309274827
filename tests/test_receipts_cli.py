"""``fairfile receipts verify`` (service.commands.receipts)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.cli import ScriptInfo

from consent import DataCategory
from consent.receipts import ReceiptFacts, sign_receipt
from service import create_app
from service.commands.receipts import receipts
from service.web.keys import consent_keys
from store.signing import Keyring
from tests.conftest import make_test_app

AT = dt.datetime(2025, 3, 1, 12, 30, 5, tzinfo=dt.UTC)
FACTS = ReceiptFacts(
    receipt_id="rcpt-cli",
    consent_id="cons-cli",
    event="grant",
    timestamp=AT,
    collection_method="ui",
    subject_pseudonym="psn-cli",
    purpose="statistics",
    data_categories=frozenset({DataCategory.INCOME}),
    notice_version="statistics/1",
    state="active",
    expires_at=AT + dt.timedelta(days=90),
)


@pytest.fixture
def app(tmp_path):
    return make_test_app(tmp_path)


@pytest.fixture
def keyring(app):
    return consent_keys(app).keyring


def write(tmp_path: Path, name: str, value: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value, indent=2))
    return str(path)


def test_a_receipt_signed_by_the_instance_is_valid(app, keyring, tmp_path):
    receipt = write(tmp_path, "receipt.json", sign_receipt(FACTS, keyring))
    result = app.test_cli_runner().invoke(receipts, ["verify", receipt])
    assert result.exit_code == 0, result.output
    assert result.output == f"valid: signed by {keyring.active_kid} at 2025-03-01T12:30:05Z\n"


def test_an_edited_receipt_is_invalid(app, keyring, tmp_path):
    envelope = sign_receipt(FACTS, keyring)
    envelope["document"]["fairfile"]["state"] = "withdrawn"
    receipt = write(tmp_path, "receipt.json", envelope)
    result = app.test_cli_runner().invoke(receipts, ["verify", receipt])
    assert result.exit_code == 1
    assert result.output == (
        f"INVALID: the signature does not match the document (key {keyring.active_kid})\n"
    )


def test_a_receipt_from_before_a_rotation_is_still_valid(app, keyring, tmp_path):
    old_kid = keyring.active_kid
    receipt = write(tmp_path, "receipt.json", sign_receipt(FACTS, keyring))
    keyring.rotate()
    result = app.test_cli_runner().invoke(receipts, ["verify", receipt])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"valid: signed by {old_kid} at ")


def test_a_receipt_signed_elsewhere_is_invalid(app, keyring, tmp_path):
    stranger = Keyring(Ed25519PrivateKey.generate())
    receipt = write(tmp_path, "receipt.json", sign_receipt(FACTS, stranger))
    result = app.test_cli_runner().invoke(receipts, ["verify", receipt])
    assert result.exit_code == 1
    assert result.output.startswith(f"INVALID: unknown key id '{stranger.active_kid}'")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not a JSON receipt"),
        (b"\xff\xfe", "not a JSON receipt"),
        (b'{"document": {}, "document": {}, "signature": {}}', "appears twice"),
        (b"[]", "malformed envelope"),
    ],
)
def test_a_file_that_is_no_receipt_is_invalid(app, keyring, tmp_path, content, reason):
    path = tmp_path / "receipt.json"
    path.write_bytes(content)
    result = app.test_cli_runner().invoke(receipts, ["verify", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith("INVALID: ")
    assert reason in result.output


def test_a_signed_document_that_is_no_receipt_is_invalid(app, keyring, tmp_path):
    other = write(tmp_path, "other.json", keyring.sign({"type": "something-else"}))
    result = app.test_cli_runner().invoke(receipts, ["verify", other])
    assert result.exit_code == 1
    assert result.output == "INVALID: the signed document is not a KI-CR-v1.1.0 consent receipt\n"


def test_a_published_jwks_needs_no_instance(tmp_path):
    keyring = Keyring(Ed25519PrivateKey.generate())
    receipt = write(tmp_path, "receipt.json", sign_receipt(FACTS, keyring))
    jwks = write(tmp_path, "jwks.json", keyring.jwks())
    # A bare click runner: no Flask app, no configuration, no database.
    result = CliRunner().invoke(receipts, ["verify", receipt, "--keys", jwks])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"valid: signed by {keyring.active_kid} at ")

    other = write(tmp_path, "other.json", Keyring(Ed25519PrivateKey.generate()).jwks())
    result = CliRunner().invoke(receipts, ["verify", receipt, "--keys", other])
    assert result.exit_code == 1
    assert result.output.startswith("INVALID: unknown key id")


def test_a_broken_jwks_is_an_error_not_a_verdict(tmp_path):
    receipt = write(
        tmp_path, "receipt.json", sign_receipt(FACTS, Keyring(Ed25519PrivateKey.generate()))
    )
    for name, content in (("a.json", "not json"), ("b.json", '{"keys": "x"}'), ("c.json", "[]")):
        (tmp_path / name).write_text(content)
        result = CliRunner().invoke(receipts, ["verify", receipt, "--keys", str(tmp_path / name)])
        assert result.exit_code == 1
        assert "Error: cannot use" in result.output
        assert "INVALID" not in result.output


def test_the_instance_keyring_is_the_one_in_the_instance_folder(app, keyring):
    reloaded = Keyring.from_directory(Path(app.instance_path) / "signing", create=False)
    assert reloaded.active_kid == keyring.active_kid


def test_a_production_app_without_keys_points_to_keys(tmp_path):
    receipt = write(
        tmp_path, "receipt.json", sign_receipt(FACTS, Keyring(Ed25519PrivateKey.generate()))
    )
    info = ScriptInfo(create_app=lambda: create_app({"env": "production"}))
    result = CliRunner().invoke(receipts, ["verify", receipt], obj=info)
    assert result.exit_code == 1
    assert "refusing to start in production" in result.output
    assert "pass --keys JWKS_FILE" in result.output

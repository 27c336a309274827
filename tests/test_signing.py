"""Ed25519 keyring, signed envelopes and canonical JSON (store.signing, store.canonical)."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
from enum import IntEnum, StrEnum

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from store.canonical import (
    MAX_SAFE_INTEGER,
    _plain,
    canonical_json,
    plain_and_canonical,
    plain_json,
)
from store.errors import KeyringError, NotCanonical, SignatureInvalid
from store.signing import Keyring, public_jwk, public_keys_from_jwks, thumbprint, verify_envelope

# RFC 8032 section 7.1, TEST 1: a published key, so a known answer, and never a secret.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_EMPTY_MESSAGE_SIGNATURE = (
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)
# RFC 8037 appendix A.2 (the same key as a JWK) and A.3 (its RFC 7638 thumbprint).
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

DOCUMENT = {"kind": "test", "n": 3, "ok": True, "none": None, "list": [1, "two", {"x": "é"}]}


def rfc8032_keyring() -> Keyring:
    return Keyring(Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET))


# ------------------------------------------------------------------ known answers


def test_key_id_is_the_rfc_7638_thumbprint_of_rfc_8037():
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    assert key.sign(b"").hex() == RFC8032_EMPTY_MESSAGE_SIGNATURE  # the key is RFC 8032's
    jwk = public_jwk(key.public_key())
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": RFC8037_X,
        "kid": RFC8037_THUMBPRINT,
        "use": "sig",
        "alg": "EdDSA",
    }
    assert thumbprint(key.public_key()) == rfc8032_keyring().active_kid


def test_a_different_key_has_a_different_id():
    assert thumbprint(Ed25519PrivateKey.generate().public_key()) != RFC8037_THUMBPRINT


# ------------------------------------------------------------------ canonical JSON


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_utf8():
    assert canonical_json({"b": 1, "a": "é", "c": [True, None]}) == (
        '{"a":"é","b":1,"c":[true,null]}'.encode()
    )


def test_canonical_json_escapes_strings_as_rfc_8785_does():
    # RFC 8785 3.2.2.2: the two-character escapes, \u00xx in lower case for the other
    # control characters, and everything else (DEL, non-ASCII) as raw UTF-8.
    value = ["\u000f\u001f", '"\\', "\b\f\n\r\t", "\u007f€"]
    assert canonical_json(value) == (
        b'["\\u000f\\u001f","\\"\\\\","\\b\\f\\n\\r\\t","\x7f\xe2\x82\xac"]'
    )


def test_canonical_json_encodes_enums_and_tuples_as_plain_json():
    class Colour(StrEnum):
        RED = "red"

    class Size(IntEnum):
        BIG = 7

    assert canonical_json({"c": Colour.RED, "s": Size.BIG, "t": (1, 2)}) == (
        b'{"c":"red","s":7,"t":[1,2]}'
    )


@pytest.mark.parametrize("value", [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 0])
def test_canonical_json_takes_integers_up_to_2_pow_53_minus_1(value):
    assert canonical_json([value]) == f"[{value}]".encode()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"rate": 0.5}, "/rate: a float"),
        ([float("nan")], "/0: a float"),
        ({"n": MAX_SAFE_INTEGER + 1}, "beyond"),
        ({"n": -MAX_SAFE_INTEGER - 1}, "beyond"),
        ({1: "x"}, "not a string"),
        ({"\U0001f600": 1}, "Basic Multilingual Plane"),
        ({"a": "\ud800"}, "lone surrogate"),
        ({"a": b"bytes"}, "bytes is not a JSON value"),
        ({"a/b": {"c~d": object()}}, "/a~1b/c~0d: a object"),
    ],
)
def test_canonical_json_refuses_what_it_cannot_spell_canonically(value, reason):
    with pytest.raises(NotCanonical, match=reason):
        canonical_json(value)


def test_canonical_json_refuses_deep_nesting():
    value: list[object] = []
    for _ in range(100):
        value = [value]
    with pytest.raises(NotCanonical, match="nested deeper"):
        canonical_json(value)


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
)
json_keys = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=8)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_keys, inner, max_size=4),
    max_leaves=25,
)


def _reversed_keys(value):
    if isinstance(value, dict):
        return {key: _reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(item) for item in value]
    return value


@given(json_values)
def test_canonical_json_round_trips_and_ignores_key_order(value):
    encoded = canonical_json(value)
    assert json.loads(encoded) == value
    assert canonical_json(_reversed_keys(value)) == encoded
    assert canonical_json(json.loads(encoded)) == encoded


@given(json_values)
def test_the_fast_walk_and_the_slow_walk_agree(value):
    # plain_json takes a fast walk over exact built-in types and falls back to the slow,
    # explaining walk only when refused; both must give the same copy.
    assert plain_json(value) == _plain(value, "", 0)
    assert plain_and_canonical(value) == (plain_json(value), canonical_json(value))


# ------------------------------------------------------------------ sign and verify


def test_a_signed_document_verifies_and_comes_back_unchanged():
    keyring = Keyring(Ed25519PrivateKey.generate())
    envelope = keyring.sign(DOCUMENT)
    assert envelope["signature"]["alg"] == "Ed25519"
    assert envelope["signature"]["kid"] == keyring.active_kid
    assert envelope["document"] == DOCUMENT
    assert verify_envelope(envelope, keyring.public_keys()) == DOCUMENT
    # What travels is JSON: a round trip through text (any spacing) still verifies.
    assert keyring.verify(json.loads(json.dumps(envelope, indent=2))) == DOCUMENT


def test_the_signature_is_ed25519_over_the_canonical_document():
    keyring = rfc8032_keyring()
    envelope = keyring.sign(DOCUMENT)
    public = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET).public_key()
    padded = envelope["signature"]["value"] + "=" * (-len(envelope["signature"]["value"]) % 4)
    public.verify(base64.urlsafe_b64decode(padded), canonical_json(DOCUMENT))


def test_signing_refuses_a_float():
    with pytest.raises(NotCanonical):
        Keyring(Ed25519PrivateKey.generate()).sign({"score": 612.5})


def _envelope():
    keyring = Keyring(Ed25519PrivateKey.generate())
    return keyring, keyring.sign(DOCUMENT)


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda e: e["document"].update(n=4), "does not match"),
        (lambda e: e["document"].pop("none"), "does not match"),
        (lambda e: e["document"].update(extra="x"), "does not match"),
        (lambda e: e["document"].update(n=0.0 + 3), "malformed document"),
        (lambda e: e["signature"].update(kid="someone-else"), "unknown key id"),
        (lambda e: e["signature"].update(kid=None), "unknown key id"),
        (lambda e: e["signature"].update(alg="EdDSA"), "unsupported algorithm"),
        (lambda e: e["signature"].update(value=e["signature"]["value"] + "="), "malformed sig"),
        (lambda e: e["signature"].update(value="!" + e["signature"]["value"][1:]), "malformed"),
        (lambda e: e["signature"].update(value="A" * 84), "63 bytes, not 64"),
        (lambda e: e["signature"].update(value="A" * 86), "does not match"),
        (lambda e: e["signature"].update(value=7), "malformed signature"),
        (lambda e: e["signature"].update(note="hi"), "exactly 'alg', 'kid' and 'value'"),
        (lambda e: e["signature"].pop("alg"), "exactly 'alg', 'kid' and 'value'"),
        (lambda e: e.update(extra=1), "exactly 'document' and 'signature'"),
        (lambda e: e.update(document=["not", "an", "object"]), "must be an object"),
        (lambda e: e.update(signature="abc"), "exactly 'alg'"),
    ],
)
def test_any_damage_to_an_envelope_is_refused_with_a_reason(edit, reason):
    keyring, envelope = _envelope()
    edit(envelope)
    with pytest.raises(SignatureInvalid, match=reason):
        keyring.verify(envelope)


def test_a_non_canonical_spelling_of_the_signature_is_refused():
    keyring, envelope = _envelope()
    value = envelope["signature"]["value"]  # 64 bytes: 86 characters, the last holds 2 bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(value[-1])
    envelope["signature"]["value"] = value[:-1] + alphabet[last ^ 1]  # same bytes, other bits
    with pytest.raises(SignatureInvalid, match="canonical unpadded base64url"):
        keyring.verify(envelope)


def test_a_signature_made_by_another_key_under_a_trusted_kid_is_refused():
    trusted, _ = _envelope()
    forger = Keyring(Ed25519PrivateKey.generate())
    envelope = forger.sign(DOCUMENT)
    envelope["signature"]["kid"] = trusted.active_kid
    with pytest.raises(SignatureInvalid, match="does not match"):
        trusted.verify(envelope)


def test_a_non_object_envelope_is_refused():
    keyring, _ = _envelope()
    for envelope in (None, [], "x", {"document": {}}):
        with pytest.raises(SignatureInvalid, match="malformed envelope"):
            keyring.verify(envelope)


# ------------------------------------------------------------------ keyring loading


def test_a_directory_keyring_creates_a_private_key_loudly_and_reuses_it(tmp_path, caplog):
    folder = tmp_path / "signing"
    with caplog.at_level(logging.WARNING, logger="store.signing"):
        first = Keyring.from_directory(folder)
    assert "DEVELOPMENT SIGNING KEY GENERATED" in caplog.text
    key_file = folder / "active.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="store.signing"):
        second = Keyring.from_directory(folder)
    assert caplog.text == ""
    assert second.active_kid == first.active_kid
    assert second.verify(first.sign(DOCUMENT)) == DOCUMENT


def test_a_directory_keyring_without_a_key_can_refuse_to_create_one(tmp_path):
    with pytest.raises(KeyringError, match="no signing key"):
        Keyring.from_directory(tmp_path / "signing", create=False)
    assert not (tmp_path / "signing").exists()


def test_rotation_keeps_old_signatures_verifiable_across_restarts(tmp_path):
    folder = tmp_path / "signing"
    keyring = Keyring.from_directory(folder)
    old_kid = keyring.active_kid
    old = keyring.sign(DOCUMENT)

    new_kid = keyring.rotate()
    new = keyring.sign(DOCUMENT)
    assert new_kid == keyring.active_kid != old_kid
    assert new["signature"]["kid"] == new_kid
    assert keyring.verify(old) == keyring.verify(new) == DOCUMENT

    reloaded = Keyring.from_directory(folder)
    assert reloaded.active_kid == new_kid
    assert list(reloaded.public_keys()) == [new_kid, old_kid]
    assert reloaded.verify(old) == DOCUMENT
    assert stat.S_IMODE(os.stat(folder / "active.pem").st_mode) == 0o600
    assert (
        (folder / "retired" / f"{old_kid}.pem")
        .read_bytes()
        .startswith(b"-----BEGIN PUBLIC KEY-----")
    )
    assert [jwk["kid"] for jwk in reloaded.jwks()["keys"]] == [new_kid, old_kid]


def test_only_a_directory_keyring_rotates_itself():
    with pytest.raises(KeyringError, match="only a keyring loaded from a directory"):
        Keyring(Ed25519PrivateKey.generate()).rotate()


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_a_production_keyring_comes_from_pem_text():
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    old_envelope = Keyring(old).sign(DOCUMENT)
    keyring = Keyring.from_pem(_pem(new), retired_public_pems=[_public_pem(old)])
    assert keyring.active_kid == thumbprint(new.public_key())
    assert keyring.verify(old_envelope) == DOCUMENT
    assert len(keyring.jwks()["keys"]) == 2


@pytest.mark.parametrize(
    "pem",
    [
        b"not a key",
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    ],
)
def test_a_production_keyring_refuses_what_is_not_an_ed25519_private_key(pem):
    with pytest.raises(KeyringError, match="active signing key"):
        Keyring.from_pem(pem)


def test_a_retired_key_that_is_not_ed25519_is_refused():
    ec_public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(KeyringError, match=r"retired key #0 is a .*not an Ed25519 key"):
        Keyring.from_pem(_pem(Ed25519PrivateKey.generate()), [ec_public])


# ------------------------------------------------------------------ JWKS


def test_the_jwks_round_trips_into_trusted_keys():
    keyring = rfc8032_keyring()
    jwks = keyring.jwks()
    assert jwks == {
        "keys": [public_jwk(Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET).public_key())]
    }
    keys = public_keys_from_jwks(json.loads(json.dumps(jwks)))
    assert list(keys) == [RFC8037_THUMBPRINT]
    assert verify_envelope(keyring.sign(DOCUMENT), keys) == DOCUMENT


def test_a_jwks_skips_other_key_types_but_checks_every_ed25519_key():
    jwk = rfc8032_keyring().jwks()["keys"][0]
    rsa = {"kty": "RSA", "n": "x", "e": "AQAB", "kid": "rsa"}
    assert list(public_keys_from_jwks({"keys": [rsa, jwk]})) == [RFC8037_THUMBPRINT]
    with pytest.raises(KeyringError, match="its thumbprint is"):
        public_keys_from_jwks({"keys": [{**jwk, "kid": "chosen-by-me"}]})
    with pytest.raises(KeyringError, match="no valid Ed25519 'x'"):
        public_keys_from_jwks({"keys": [{**jwk, "x": jwk["x"][:-2]}]})
    with pytest.raises(KeyringError, match="no Ed25519 key"):
        public_keys_from_jwks({"keys": [rsa]})
    with pytest.raises(KeyringError, match="'keys' member is a list"):
        public_keys_from_jwks({"keys": {}})
    with pytest.raises(KeyringError, match="is not an object"):
        public_keys_from_jwks({"keys": ["x"]})

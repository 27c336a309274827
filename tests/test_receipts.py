"""Kantara v1.1 consent receipts (consent.receipts): content, signature, tamper evidence."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from consent import DataCategory
from consent.merkle import leaf_hash
from consent.receipts import (
    KANTARA_VERSION,
    SANDBOX_CONTROLLER,
    ReceiptFacts,
    build_receipt,
    receipt_leaf_hash,
    sign_receipt,
    verify_receipt,
)
from consent.treehead import TreeHead, sign_tree_head
from store.canonical import canonical_json
from store.errors import SignatureInvalid
from store.signing import Keyring

KEYRING = Keyring(Ed25519PrivateKey.generate())
GRANTED = dt.datetime(2025, 3, 1, 12, 30, 5, 999_999, tzinfo=dt.UTC)


def facts(**changes) -> ReceiptFacts:
    values = {
        "receipt_id": "rcpt-0001",
        "consent_id": "cons-0001",
        "event": "grant",
        "timestamp": GRANTED,
        "collection_method": "api",
        "subject_pseudonym": "psn-7f3a",
        "purpose": "scoring",
        "data_categories": frozenset({DataCategory.RENT, DataCategory.BANK_CASHFLOW}),
        "notice_version": "scoring/1",
        "state": "active",
        "expires_at": GRANTED + dt.timedelta(days=365),
    }
    values.update(changes)
    return ReceiptFacts(**values)


SHARE = {"purpose": "share:acme", "lender_name": "Acme Lending"}

# ---------------------------------------------------------------- the document


def test_a_receipt_has_every_kantara_v1_1_field():
    receipt = build_receipt(facts())
    assert set(receipt) == {
        "version",
        "jurisdiction",
        "consentTimestamp",
        "collectionMethod",
        "consentReceiptID",
        "language",
        "piiPrincipalId",
        "piiControllers",
        "policyUrl",
        "services",
        "sensitive",
        "spiCat",
        "fairfile",
    }
    assert receipt["version"] == KANTARA_VERSION == "KI-CR-v1.1.0"
    assert receipt["consentTimestamp"] == 1740832205  # 2025-03-01T12:30:05Z, rounded down
    assert receipt["consentReceiptID"] == "rcpt-0001"
    assert receipt["piiPrincipalId"] == "psn-7f3a"
    assert receipt["sensitive"] is False
    assert receipt["spiCat"] == []
    assert receipt["language"] == "en"
    assert receipt["jurisdiction"] == "GB"
    assert receipt["policyUrl"] == SANDBOX_CONTROLLER.policy_url
    [controller] = receipt["piiControllers"]
    assert set(controller) >= {
        "piiController",
        "contact",
        "address",
        "email",
        "phone",
        "piiControllerUrl",
    }
    assert controller["piiController"] == "Fairfile sandbox"
    assert "SANDBOX" in controller["contact"]
    assert controller["email"].endswith(".example")  # RFC 2606: reaches nobody
    assert set(controller["address"]) == {
        "streetAddress",
        "addressLocality",
        "postalCode",
        "addressCountry",
    }


def test_one_service_with_exactly_one_explicit_purpose():
    [service] = build_receipt(facts())["services"]
    [purpose] = service["purposes"]
    assert purpose["consentType"] == "EXPLICIT"
    assert purpose["primaryPurpose"] is True
    assert purpose["purposeCategory"] == [
        "https://w3id.org/dpv/sector/finance#CreditScoreEvaluation"
    ]
    assert purpose["piiCategory"] == ["bank_cashflow", "rent"]  # sorted, as values
    assert purpose["thirdPartyDisclosure"] is False
    assert "thirdPartyName" not in purpose
    assert "2026-03-01 12:30 UTC" in purpose["termination"]
    assert "withdraw it at any time" in purpose["termination"]


@pytest.mark.parametrize(
    ("purpose", "category"),
    [
        ("training", "https://w3id.org/dpv/sector/finance#ServiceImprovement"),
        ("statistics", "https://w3id.org/dpv#ResearchAndDevelopment"),
    ],
)
def test_each_purpose_has_its_dpv_category(purpose, category):
    [entry] = build_receipt(facts(purpose=purpose))["services"][0]["purposes"]
    assert entry["purposeCategory"] == [category]
    assert entry["thirdPartyDisclosure"] is False


def test_a_share_discloses_to_the_named_lender_only():
    receipt = build_receipt(facts(**SHARE))
    [entry] = receipt["services"][0]["purposes"]
    assert entry["thirdPartyDisclosure"] is True
    assert entry["thirdPartyName"] == "Acme Lending"
    assert entry["purposeCategory"] == ["https://w3id.org/dpv/sector/finance#CreditChecking"]
    assert "Acme Lending" in entry["purpose"]
    assert receipt["fairfile"]["purpose"] == "share:acme"


def test_fairfile_facts_ride_along():
    receipt = build_receipt(facts(collection_method="ui"))
    assert receipt["fairfile"] == {
        "event": "grant",
        "consentId": "cons-0001",
        "purpose": "scoring",
        "state": "active",
        "expiresAt": 1740832205 + 365 * 86400,
        "noticeVersion": "scoring/1",
        "channel": "ui",
    }
    assert "web interface" in receipt["collectionMethod"]


def test_a_withdrawal_receipt_says_what_stopped():
    withdrawn = GRANTED + dt.timedelta(days=10)
    receipt = build_receipt(
        facts(**SHARE, event="withdraw", state="withdrawn", timestamp=withdrawn)
    )
    [entry] = receipt["services"][0]["purposes"]
    assert entry["termination"] == (
        "You withdrew this consent on 2025-03-11 12:30 UTC; from then on Acme Lending no "
        "longer receives your score or decision."
    )
    assert receipt["fairfile"]["state"] == "withdrawn"


def test_an_expired_consent_says_so():
    [entry] = build_receipt(facts(event="renew", state="expired"))["services"][0]["purposes"]
    assert entry["termination"].startswith("This consent expired on 2026-03-01 12:30 UTC")


def test_times_in_other_zones_are_the_same_unix_seconds():
    in_new_york = GRANTED.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert build_receipt(facts(timestamp=in_new_york))["consentTimestamp"] == 1740832205


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timestamp": GRANTED.replace(tzinfo=None)}, "naive datetime"),
        ({"expires_at": GRANTED.replace(tzinfo=None)}, "naive datetime"),
        ({"purpose": "marketing"}, "unknown purpose"),
        ({"purpose": "share:"}, "unknown purpose"),
        ({"purpose": "share"}, "unknown purpose"),
        ({"purpose": "share:acme"}, "lender name is given exactly when"),
        ({"lender_name": "Acme Lending"}, "lender name is given exactly when"),
        ({"event": "withdraw"}, "only a withdrawal"),
        ({"state": "withdrawn"}, "only a withdrawal"),
        ({"event": "revoke"}, "event must be one of grant, renew, withdraw"),
        ({"state": "paused"}, "state must be one of"),
        ({"collection_method": "email"}, "collection_method must be one of api, ui"),
        ({"data_categories": frozenset({"rent"})}, "DataCategory members only"),
        ({"subject_pseudonym": ""}, "non-empty subject_pseudonym"),
        ({"receipt_id": ""}, "non-empty receipt_id"),
    ],
)
def test_incoherent_facts_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        facts(**changes)


# ---------------------------------------------------------------- signing


def test_a_signed_receipt_verifies():
    envelope = sign_receipt(facts(), KEYRING)
    assert envelope["signature"]["kid"] == KEYRING.active_kid
    assert verify_receipt(envelope, KEYRING.public_keys()) == build_receipt(facts())
    # Pretty-printed and read back, it is the same receipt and the same log leaf.
    reread = json.loads(json.dumps(envelope, indent=2, ensure_ascii=True))
    assert verify_receipt(reread, KEYRING.public_keys()) == envelope["document"]
    assert receipt_leaf_hash(reread) == receipt_leaf_hash(envelope)
    assert receipt_leaf_hash(envelope) == leaf_hash(canonical_json(envelope))


def test_a_receipt_signed_by_a_retired_key_verifies_after_rotation(tmp_path):
    keyring = Keyring.from_directory(tmp_path / "signing")
    old = sign_receipt(facts(), keyring)
    keyring.rotate()
    new = sign_receipt(facts(receipt_id="rcpt-0002"), keyring)
    assert old["signature"]["kid"] != new["signature"]["kid"]
    for envelope in (old, new):
        assert verify_receipt(envelope, keyring.public_keys())["version"] == KANTARA_VERSION
    reloaded = Keyring.from_directory(tmp_path / "signing")
    assert verify_receipt(old, reloaded.public_keys())["consentReceiptID"] == "rcpt-0001"


def test_a_wrong_kid_fails():
    envelope = sign_receipt(facts(), KEYRING)
    other = Keyring(Ed25519PrivateKey.generate())
    trusted = {**KEYRING.public_keys(), **other.public_keys()}
    envelope["signature"]["kid"] = other.active_kid  # a trusted key, but not the signer
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify_receipt(envelope, trusted)
    envelope["signature"]["kid"] = "not-a-key-we-know"
    with pytest.raises(SignatureInvalid, match="unknown key id"):
        verify_receipt(envelope, trusted)


def test_a_key_we_do_not_trust_fails():
    envelope = sign_receipt(facts(), Keyring(Ed25519PrivateKey.generate()))
    with pytest.raises(SignatureInvalid, match="unknown key id"):
        verify_receipt(envelope, KEYRING.public_keys())


def test_another_signed_document_is_not_a_receipt():
    head = sign_tree_head(TreeHead(1, leaf_hash(b""), 0), KEYRING)
    with pytest.raises(SignatureInvalid, match=re.escape("not a KI-CR-v1.1.0 consent receipt")):
        verify_receipt(head, KEYRING.public_keys())


# ---------------------------------------------------------------- any edit fails

aware_times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(dt.UTC)
)
texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=24)


@st.composite
def receipt_facts(draw) -> ReceiptFacts:
    kind = draw(st.sampled_from(["scoring", "training", "statistics", "share"]))
    slug = draw(st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True))
    event = draw(st.sampled_from(["grant", "renew", "withdraw"]))
    state = "withdrawn" if event == "withdraw" else draw(st.sampled_from(["active", "expired"]))
    moment = draw(aware_times)
    return ReceiptFacts(
        receipt_id=draw(texts),
        consent_id=draw(texts),
        event=event,
        timestamp=moment,
        collection_method=draw(st.sampled_from(["api", "ui"])),
        subject_pseudonym=draw(texts),
        purpose=f"share:{slug}" if kind == "share" else kind,
        data_categories=draw(st.frozensets(st.sampled_from(DataCategory))),
        notice_version=draw(texts),
        state=state,
        expires_at=moment + draw(st.timedeltas(dt.timedelta(days=1), dt.timedelta(days=365))),
        lender_name=draw(texts) if kind == "share" else None,
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def nodes(value, path=()):
    """Yield the path of every value in a JSON tree, the root included."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nodes(item, (*path, index))


def at(value, path):
    for step in path:
        value = value[step]
    return value


def spelled(value) -> str:
    return json.dumps(value, sort_keys=True)  # tells true from 1, and 1 from 1.0


@given(receipt_facts(), st.data())
def test_any_edit_anywhere_in_a_receipt_breaks_it(receipt, data):
    envelope = sign_receipt(receipt, KEYRING)
    assert verify_receipt(envelope, KEYRING.public_keys())

    edited = copy.deepcopy(envelope)
    path = data.draw(st.sampled_from(list(nodes(edited))), label="path")
    node = at(edited, path)
    edits = ["replace", "remove"] if path else []
    edits += ["add"] if isinstance(node, dict | list) else []
    edit = data.draw(st.sampled_from(edits), label="edit")
    if edit == "replace":
        new = data.draw(json_values.filter(lambda v: spelled(v) != spelled(node)), label="new")
        at(edited, path[:-1])[path[-1]] = new
    elif edit == "remove":
        del at(edited, path[:-1])[path[-1]]
    elif isinstance(node, dict):
        key = data.draw(st.text(max_size=12).filter(lambda k: k not in node), label="key")
        node[key] = data.draw(json_values, label="value")
    else:
        node.insert(data.draw(st.integers(0, len(node))), data.draw(json_values, label="value"))

    with pytest.raises(SignatureInvalid):
        verify_receipt(edited, KEYRING.public_keys())

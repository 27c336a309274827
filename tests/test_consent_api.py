"""The consent API over the test client: sign-in, enrol, grant, renew, withdraw, receipts."""

from __future__ import annotations

from pathlib import Path

import pytest

from consent import merkle
from consent.purposes import ENROLMENT_NOTICE, NOTICES, PurposeKind
from consent.receipts import receipt_leaf_hash, verify_receipt
from service.web.sessions import session_factory
from store.signing import public_keys_from_jwks
from tests.consent_fixtures import add_lender, add_person, signed_in_headers

SCORING_NOTICE = NOTICES[PurposeKind.SCORING].version


@pytest.fixture
def new_person(app):
    with session_factory(app)() as s, s.begin():
        subject_id = add_person(s, enrol=False)
        add_lender(s)
    return subject_id, signed_in_headers(app, subject_id)


def _enrol(client, subject_id, headers):
    return client.post(
        f"/v1/subjects/{subject_id}/enrolment",
        json={"notice_version": ENROLMENT_NOTICE.version},
        headers=headers,
    )


def _grant(client, subject_id, headers, purpose="scoring", categories=("rent", "income")):
    kind = purpose.split(":")[0]
    return client.post(
        f"/v1/subjects/{subject_id}/consents",
        json={
            "purpose": purpose,
            "categories": list(categories),
            "notice_version": NOTICES[PurposeKind(kind)].version,
        },
        headers=headers,
    )


def test_sign_in_by_one_time_link(client, app, new_person):
    subject_id, _ = new_person
    response = client.post("/v1/sign-in-links", json={"subject_id": subject_id})
    assert response.status_code == 202
    unknown = client.post(
        "/v1/sign-in-links", json={"subject_id": "00000000-0000-4000-8000-000000000000"}
    )
    assert unknown.status_code == 202
    assert unknown.json == response.json  # no hint whether the person exists
    outbox = list((Path(app.instance_path) / "outbox").iterdir())
    assert len(outbox) == 1
    message = outbox[0].read_text()
    secret = message.split('"link_secret": "')[1].split('"')[0]
    token = client.post("/v1/tokens", json={"link_secret": secret})
    assert token.status_code == 201
    assert token.json["subject_id"] == subject_id
    again = client.post("/v1/tokens", json={"link_secret": secret})
    assert again.status_code == 404  # a link works once
    headers = {"Authorization": f"Bearer {token.json['token']}"}
    assert client.get(f"/v1/subjects/{subject_id}/consents", headers=headers).status_code == 200


def test_enrol_then_grant_then_withdraw(client, new_person):
    subject_id, headers = new_person
    refused = _grant(client, subject_id, headers)
    assert refused.status_code == 409
    assert refused.json["type"].endswith("/problems/not-enrolled")
    enrolled = _enrol(client, subject_id, headers)
    assert enrolled.status_code == 201
    assert enrolled.json["consents"] == []
    assert _enrol(client, subject_id, headers).status_code == 200
    granted = _grant(client, subject_id, headers)
    assert granted.status_code == 201, granted.json
    consent = granted.json["consent"]
    assert consent["state"] == "active"
    assert consent["categories"] == ["income", "rent"]
    listed = client.get(f"/v1/subjects/{subject_id}/consents", headers=headers).json
    assert [c["id"] for c in listed["consents"]] == [consent["id"]]
    withdrawn = client.delete(
        f"/v1/subjects/{subject_id}/consents/{consent['id']}", headers=headers
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json["consent"]["state"] == "withdrawn"
    assert withdrawn.json["receipt"]["document"]["fairfile"]["event"] == "withdraw"
    detail = client.get(f"/v1/subjects/{subject_id}/consents/{consent['id']}", headers=headers)
    assert [e["kind"] for e in detail.json["history"]] == ["grant", "withdraw"]


def test_withdrawal_takes_no_more_steps_than_granting(client, new_person):
    subject_id, headers = new_person
    _enrol(client, subject_id, headers)
    granted = _grant(client, subject_id, headers)  # one call
    consent_id = granted.json["consent"]["id"]
    response = client.delete(f"/v1/subjects/{subject_id}/consents/{consent_id}", headers=headers)
    assert response.status_code == 200  # one call, no body needed


def test_bundled_purposes_are_refused(client, new_person):
    subject_id, headers = new_person
    _enrol(client, subject_id, headers)
    response = client.post(
        f"/v1/subjects/{subject_id}/consents",
        json={
            "purposes": ["scoring", "training"],
            "categories": ["rent"],
            "notice_version": SCORING_NOTICE,
        },
        headers=headers,
    )
    assert response.status_code == 422
    assert {e["pointer"] for e in response.json["errors"]} >= {"#/purposes", "#/purpose"}


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"purpose": "marketing", "categories": ["rent"]}, 422, "invalid-purpose"),
        ({"purpose": "share:ghost-bank", "categories": ["rent"]}, 422, "unknown-lender"),
        ({"purpose": "scoring", "categories": ["purchases"]}, 422, "validation"),
        ({"purpose": "scoring", "categories": []}, 422, "validation"),
        ({"purpose": "scoring", "categories": ["rent"], "duration_days": 400}, 422, "validation"),
        (
            {"purpose": "scoring", "categories": ["rent"], "notice_version": "1999"},
            409,
            "notice-outdated",
        ),
    ],
)
def test_bad_grants_are_problems(client, new_person, body, status, slug):
    subject_id, headers = new_person
    _enrol(client, subject_id, headers)
    body = {"notice_version": SCORING_NOTICE, **body}
    response = client.post(f"/v1/subjects/{subject_id}/consents", json=body, headers=headers)
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["type"].endswith(f"/problems/{slug}")


def test_someone_else_is_not_found_and_nobody_is_unauthorised(client, app, new_person):
    subject_id, headers = new_person
    _enrol(client, subject_id, headers)
    consent_id = _grant(client, subject_id, headers).json["consent"]["id"]
    with session_factory(app)() as s, s.begin():
        other = add_person(s)
    other_headers = signed_in_headers(app, other)
    for method, url in [
        ("get", f"/v1/subjects/{subject_id}/consents"),
        ("get", f"/v1/subjects/{subject_id}/consents/{consent_id}"),
        ("delete", f"/v1/subjects/{subject_id}/consents/{consent_id}"),
        ("get", f"/v1/subjects/{subject_id}/access-log"),
    ]:
        response = getattr(client, method)(url, headers=other_headers)
        assert response.status_code == 404, url
        ghost = getattr(client, method)(
            url.replace(subject_id, "00000000-0000-4000-8000-000000000000"), headers=other_headers
        )
        assert ghost.status_code == 404
        assert ghost.json["title"] == response.json["title"]
        nobody = getattr(client, method)(url)
        assert nobody.status_code == 401
        assert nobody.headers["WWW-Authenticate"].startswith("Bearer")
    # the person's own withdrawal of another's consent id is also just "not found"
    mine = client.delete(f"/v1/subjects/{other}/consents/{consent_id}", headers=other_headers)
    assert mine.status_code == 404


def test_receipt_verifies_and_is_in_the_log(client, new_person):
    subject_id, headers = new_person
    _enrol(client, subject_id, headers)
    granted = _grant(client, subject_id, headers, purpose="share:acme-bank").json
    receipts = client.get(f"/v1/subjects/{subject_id}/receipts", headers=headers).json["receipts"]
    assert len(receipts) == 1
    fetched = client.get(receipts[0]["url"], headers=headers).json
    assert fetched["receipt"] == granted["receipt"]
    keys = public_keys_from_jwks(client.get("/.well-known/jwks.json").json)
    document = verify_receipt(fetched["receipt"], keys)
    assert document["services"][0]["purposes"][0]["thirdPartyName"] == "Acme Bank"
    proof = client.get(fetched["inclusion_proof"]).json
    head = proof["treeHead"]["document"]
    assert merkle.verify_inclusion(
        proof["leafIndex"],
        proof["treeSize"],
        receipt_leaf_hash(fetched["receipt"]),
        [bytes.fromhex(h) for h in proof["inclusionPath"]],
        bytes.fromhex(head["rootHash"]),
    )


def test_tree_heads_are_consistent_over_time(client, new_person):
    subject_id, headers = new_person
    _enrol(client, subject_id, headers)
    _grant(client, subject_id, headers)
    first = client.get("/v1/log/tree-head").json["document"]
    _grant(client, subject_id, headers, purpose="training")
    _grant(client, subject_id, headers, purpose="statistics")
    second = client.get("/v1/log/tree-head").json["document"]
    assert second["treeSize"] == first["treeSize"] + 2
    proof = client.get(
        "/v1/log/consistency-proof",
        query_string={"first": first["treeSize"], "second": second["treeSize"]},
    ).json
    assert merkle.verify_consistency(
        first["treeSize"],
        second["treeSize"],
        bytes.fromhex(first["rootHash"]),
        bytes.fromhex(second["rootHash"]),
        [bytes.fromhex(h) for h in proof["consistencyPath"]],
    )
    old = client.get(f"/v1/log/tree-heads/{first['treeSize']}").json
    assert old["document"] == first
    missing = client.get("/v1/log/tree-heads/999999")
    assert missing.status_code == 404


def test_access_log_lists_consent_events_about_me_only(client, app, new_person):
    subject_id, headers = new_person
    _enrol(client, subject_id, headers)
    _grant(client, subject_id, headers)
    with session_factory(app)() as s, s.begin():
        other = add_person(s)
    other_headers = signed_in_headers(app, other)
    _grant(client, other, other_headers)
    entries = client.get(f"/v1/subjects/{subject_id}/access-log", headers=headers).json["entries"]
    assert [e["kind"] for e in entries] == ["consent"]
    assert subject_id not in str(entries)


def test_notices_are_public_and_versioned(client):
    notices = client.get("/v1/notices").json
    assert notices["enrolment"]["version"] == ENROLMENT_NOTICE.version
    assert set(notices["purposes"]) == {"scoring", "share", "training", "statistics"}
    assert "never uses social" in notices["enrolment"]["text"]

"""The lender journey over HTTP: keys and scopes, sharing, idempotency, reviews, statistics."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consent import lifecycle
from consent.lenders import LenderScope, authenticate_lender, revoke_lender_key
from scoring.workflow.decisions import Decision
from service.web.keys import consent_keys
from service.web.sessions import session_factory
from tests.lender_fixtures import add_key, make_world

BASE = "/v1/lender"


@pytest.fixture
def world(app):
    return make_world(app)


def _ask(client, world, subject_id, key="k-1", lender="a", **body):
    return client.post(
        f"{BASE}/subjects/{subject_id}/decisions",
        json=body,
        headers=world.headers(lender, **{"Idempotency-Key": key}),
    )


def _decisions(app) -> int:
    with session_factory(app)() as s:
        return s.scalar(select(func.count()).select_from(Decision))


def test_the_key_is_stored_only_as_a_digest_and_revocation_stops_it(app, client, world):
    prefix = world.key_a.split("_")[1]
    me = client.get(f"{BASE}/me", headers=world.headers())
    assert me.status_code == 200
    assert me.json == {"lender_id": "lender-a", "key_prefix": prefix, "scopes": sorted(LenderScope)}
    with session_factory(app)() as s, s.begin():
        row = authenticate_lender(s, token=world.key_a)
        assert row is not None
        assert world.key_a.split("_", 2)[2] not in {row.digest, row.prefix}
        revoke_lender_key(s, key=prefix)
    assert client.get(f"{BASE}/me", headers=world.headers()).status_code == 401


@pytest.mark.parametrize("auth", [None, "Bearer nonsense", "Bearer ffk_00000000_" + "x" * 43])
def test_no_valid_key_is_401_problem(client, world, auth):
    headers = {"Authorization": auth} if auth else {}
    response = client.get(f"{BASE}/subjects/{world.subject_a}/decisions", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_missing_scope_is_a_403_problem(app, client, world):
    reader = add_key(app, "lender-a", scopes=[LenderScope.DECISIONS_READ])
    response = client.post(
        f"{BASE}/subjects/{world.subject_a}/decisions",
        json={},
        headers={"Authorization": f"Bearer {reader}", "Idempotency-Key": "k"},
    )
    assert response.status_code == 403
    assert response.json["type"].endswith("/problems/scope-missing")
    assert response.json["required_scope"] == "decisions:write"


def test_a_lender_never_sees_another_lenders_subject_nor_learns_who_exists(client, world):
    made = _ask(client, world, world.subject_a)
    assert made.status_code == 201, made.json
    decision_id = made.json["id"]
    for url in (
        f"{BASE}/subjects/{world.subject_a}/decisions",
        f"{BASE}/subjects/{world.subject_a}/decisions/{decision_id}",
        f"{BASE}/subjects/00000000-0000-4000-8000-000000000000/decisions",
    ):
        response = client.get(url, headers=world.headers("b"))
        assert response.status_code == 404, url
        assert response.json["title"] == "Not Found"
    assert _ask(client, world, world.subject_a, lender="b").status_code == 404
    # a's own subject is fine, but not b's subject
    assert _ask(client, world, world.subject_b, key="k-2").status_code == 404


def test_a_retry_with_the_same_key_returns_the_same_decision(app, client, world):
    first = _ask(client, world, world.subject_a, cut_off=500)
    assert first.status_code == 201
    assert first.headers["Location"].endswith(first.json["id"])
    again = _ask(client, world, world.subject_a, cut_off=500)
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    assert _decisions(app) == 1
    conflict = _ask(client, world, world.subject_a, cut_off=600)
    assert conflict.status_code == 409
    assert conflict.json["type"].endswith("/problems/idempotency-conflict")
    assert _decisions(app) == 1
    # the key belongs to the lender: the other lender's same key is its own
    assert _ask(client, world, world.subject_b, lender="b").status_code == 201


def test_the_idempotency_key_is_required(client, world):
    response = client.post(
        f"{BASE}/subjects/{world.subject_a}/decisions", json={}, headers=world.headers()
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_the_lender_reads_only_the_shared_part_of_the_explanation(client, world):
    made = _ask(client, world, world.subject_a)
    url = f"{BASE}/subjects/{world.subject_a}/decisions/{made.json['id']}"
    shown = client.get(url, headers=world.headers()).json
    explanation = shown["explanation"]
    assert explanation["shared_categories"] == ["bank_cashflow", "income", "rent"]
    assert {f["category"] for f in explanation["features"]} == {"bank_cashflow", "income", "rent"}
    assert "subject_id" not in explanation
    assert "recourse" not in explanation
    assert "rights" not in explanation
    assert "utility_late_months_12m" not in str(explanation)  # utilities were not shared
    assert shown["decision"] in {"approve", "refer", "decline"}
    listed = client.get(f"{BASE}/subjects/{world.subject_a}/decisions", headers=world.headers())
    assert [d["id"] for d in listed.json["decisions"]] == [made.json["id"]]


def test_the_subjects_own_decisions_are_not_the_lenders(client, app, world):
    from tests.consent_fixtures import signed_in_headers

    own = client.post(
        f"/v1/subjects/{world.subject_a}/decisions",
        json={},
        headers=signed_in_headers(app, world.subject_a),
    )
    assert own.status_code == 201
    url = f"{BASE}/subjects/{world.subject_a}/decisions/{own.json['id']}"
    assert client.get(url, headers=world.headers()).status_code == 404


def test_withdrawing_the_share_stops_the_lender_at_once(app, client, world):
    made = _ask(client, world, world.subject_a)
    url = f"{BASE}/subjects/{world.subject_a}/decisions/{made.json['id']}"
    assert client.get(url, headers=world.headers()).status_code == 200
    with session_factory(app)() as s, s.begin():
        for consent in lifecycle.consents_of(s, world.subject_a):
            if consent.purpose == "share:lender-a":
                lifecycle.withdraw(
                    s,
                    keys=consent_keys(app),
                    subject_id=world.subject_a,
                    consent_id=consent.id,
                    channel="api",
                )
    assert client.get(url, headers=world.headers()).status_code == 404
    assert _ask(client, world, world.subject_a, key="k-9").status_code == 404


def test_the_lender_opens_a_review_once(client, world):
    made = _ask(client, world, world.subject_a)
    url = f"{BASE}/subjects/{world.subject_a}/decisions/{made.json['id']}/reviews"
    opened = client.post(url, json={"statement": "please look again"}, headers=world.headers())
    assert opened.status_code == 201, opened.json
    assert opened.json["review"]["state"] == "open"
    again = client.post(url, json={"statement": "again"}, headers=world.headers())
    assert again.status_code == 409
    assert client.post(url, json={"statement": "x"}, headers=world.headers("b")).status_code == 404


def test_the_lender_queries_statistics_as_itself(client, world):
    response = client.post(
        f"{BASE}/statistics", json={"statistic": "count", "epsilon": "1"}, headers=world.headers()
    )
    assert response.status_code == 201, response.json
    releases = client.get(f"{BASE}/statistics/releases", headers=world.headers()).json
    assert [r["actor"] for r in releases["releases"]] == ["lender:lender-a"]
    assert "members" not in releases["releases"][0]
    theirs = client.get(f"{BASE}/statistics/releases", headers=world.headers("b")).json
    assert theirs["releases"] == []  # lenders never see each other's releases
    refused = client.post(
        f"{BASE}/statistics",
        json={"statistic": "count", "epsilon": "1", "actor": "someone-else"},
        headers=world.headers(),
    )
    assert refused.status_code == 422


def test_each_lender_read_is_in_the_transparency_log(app, client, world):
    from tests.consent_fixtures import signed_in_headers

    made = _ask(client, world, world.subject_a)
    client.get(
        f"{BASE}/subjects/{world.subject_a}/decisions/{made.json['id']}", headers=world.headers()
    )
    log = client.get(
        f"/v1/subjects/{world.subject_a}/access-log",
        headers=signed_in_headers(app, world.subject_a),
    ).json["entries"]
    actors = [e.get("actor") or e.get("leaf", {}).get("actor") for e in log]
    assert "lender:lender-a" in str(log), actors


def test_a_lenders_decision_uses_only_what_the_person_shares_with_it(app, client, world):
    from tests.consent_fixtures import signed_in_headers

    made = _ask(client, world, world.subject_a)
    own = client.get(
        f"/v1/subjects/{world.subject_a}/decisions/{made.json['id']}",
        headers=signed_in_headers(app, world.subject_a),
    )
    assert own.status_code == 200  # the person sees every decision about them, whole
    lines = own.json["explanation"]["document"]["points"]["features"]
    used = {line["category"] for line in lines if line["status"] == "used"}
    assert used <= {"rent", "income", "bank_cashflow"}
    assert {line["status"] for line in lines if line["category"] == "utilities"} == {"withheld"}


def test_anyone_may_list_the_lenders(client, world):
    listed = client.get("/v1/lenders").json["lenders"]
    assert {"id": "lender-a", "name": "Lender-A"} in listed


def test_the_lenders_command_creates_lists_and_revokes_keys(app, client):
    from service.commands.lenders import lenders

    cli = app.test_cli_runner()
    made = cli.invoke(lenders, ["create", "Gamma Loans plc", "--scope", "stats:query"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("ffk_")
    assert "lender gamma-loans-plc (Gamma Loans plc)" in made.output
    me = client.get(f"{BASE}/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json["scopes"] == ["stats:query"]
    listed = cli.invoke(lenders, ["list"])
    assert key.split("_")[1] in listed.output
    assert "active" in listed.output
    assert key.split("_", 2)[2] not in listed.output
    revoked = cli.invoke(lenders, ["revoke", key.split("_")[1]])
    assert revoked.exit_code == 0, revoked.output
    assert client.get(f"{BASE}/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert "revoked" in cli.invoke(lenders, ["list"]).output


def test_the_lenders_command_refuses_nonsense_without_a_traceback(app):
    from service.commands.lenders import lenders

    cli = app.test_cli_runner()
    assert "there is no key" in cli.invoke(lenders, ["revoke", "deadbeef"]).output
    assert "makes no lender identifier" in cli.invoke(lenders, ["create", "!!!"]).output

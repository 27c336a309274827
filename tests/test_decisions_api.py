"""Decisions over HTTP: the signed explanation, insufficient data, consent, reviews."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from consent import lifecycle
from dp.versions import active_version
from scoring.contract.models import put_facts
from scoring.workflow.decisions import Decision, DecisionError
from service.commands.reviews import reviews
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from store.signing import SignatureInvalid
from tests.consent_fixtures import add_person, grant, signed_in_headers
from tests.decision_fixtures import add_model

FACTS = {
    "rent_on_time_12m": 5,
    "utility_late_months_12m": 3,
    "telecom_late_months_12m": None,
    "income_regular_months_12m": 8,
    "median_net_inflow": -200.0,
    "avg_eom_balance": 300.0,
    "negative_balance_months_12m": 4,
    "savings_balance": 50.0,
    "debt_service_ratio": 0.6,
    "history_months": 9,
    "bureau_open_tradelines": None,
    "bureau_utilisation": None,
    "bureau_delinquencies_24m": None,
    "bureau_inquiries_6m": None,
}
THIN = ("rent", "utilities", "telecom", "bank_cashflow", "income")


@pytest.fixture
def person(app):
    def make(facts=FACTS, categories=THIN):
        with session_factory(app)() as s, s.begin():
            if active_version(s) is None:
                add_model(s)
            subject_id = add_person(s)
            put_facts(s, vault=vault(app), subject_id=subject_id, facts=facts)
            grant(s, consent_keys(app), subject_id, "scoring", categories=categories)
        return subject_id, signed_in_headers(app, subject_id)

    return make


def _decide(client, subject_id, headers, **body):
    return client.post(f"/v1/subjects/{subject_id}/decisions", json=body, headers=headers)


def test_a_decline_comes_with_a_signed_complete_explanation(app, client, person):
    subject_id, headers = person()
    response = _decide(client, subject_id, headers)
    assert response.status_code == 201, response.json
    shown = response.json
    envelope = shown["explanation"]
    document = consent_keys(app).keyring.verify(envelope)
    assert document["type"] == "fairfile/explanation/v1"
    assert document["decision_id"] == shown["id"]
    assert document["decision"] == shown["decision"] == "decline"
    points = document["points"]
    assert points["base"] + sum(f["points"] for f in points["features"]) == document["score"]
    assert document["range"]["min"] <= document["score"] < document["cut_off"] == 550
    consent_id = document["consent_ids"][0]
    used = [f for f in points["features"] if f["status"] == "used"]
    assert used
    assert all(f["consent_id"] == consent_id for f in used)
    bureau = [f for f in points["features"] if f["category"] == "bureau"]
    assert {f["status"] for f in bureau} == {"withheld"}
    assert {f["points"] for f in bureau} == {0}
    assert document["not_used"]["withheld_categories"] == ["bureau"]
    assert 1 <= len(document["reasons"]) <= 4
    assert all("points" in r["text"] for r in document["reasons"])
    assert document["recourse"]["exists"]
    assert int(document["recourse"]["rescored"]) >= 550
    assert document["accuracy"]["holdout_auc"] == "0.75"
    assert document["accuracy"]["training_epsilon"] == "1.0"
    assert {r["right"] for r in document["rights"]} >= {
        "human review",
        "contest",
        "rectify",
        "withdraw consent",
    }
    # Tampering with any part breaks the signature.
    envelope["document"]["score"] += 1
    with pytest.raises(SignatureInvalid):
        consent_keys(app).keyring.verify(envelope)


def test_the_decision_is_stored_sealed_and_immutable(app, client, person):
    subject_id, headers = person()
    decision_id = _decide(client, subject_id, headers).json["id"]
    with session_factory(app)() as s:
        row = s.get(Decision, decision_id)
        assert b"rent_on_time_12m" not in row.payload
        assert b"decline" not in row.payload
        row.model_version = 99
        with pytest.raises(DecisionError):
            s.flush()
        s.rollback()


def test_a_lender_cut_off_and_refer_band_are_applied(client, person):
    subject_id, headers = person()
    low = _decide(client, subject_id, headers, cut_off=300).json
    assert low["decision"] == "approve"
    score = low["score"]
    refer = _decide(client, subject_id, headers, cut_off=score + 10, refer_band=10).json
    assert refer["decision"] == "refer"


def test_too_little_history_gets_insufficient_data_and_no_score(app, client, person):
    subject_id, headers = person(facts=FACTS | {"history_months": 4})
    response = _decide(client, subject_id, headers)
    assert response.status_code == 201
    document = response.json["explanation"]["document"]
    assert document["decision"] == "insufficient_data"
    assert document["score"] is None
    assert document["points"] is None
    assert "you shared 4" in document["insufficient_data"][0]
    consent_keys(app).keyring.verify(response.json["explanation"])


def test_a_disputed_fact_changes_nothing_in_a_new_score(app, client, person):
    subject_id, headers = person()
    before = _decide(client, subject_id, headers).json["explanation"]["document"]
    opened = client.post(
        f"/v1/subjects/{subject_id}/disputes",
        json={"feature": "debt_service_ratio", "statement": "that loan is not mine"},
        headers=headers,
    )
    assert opened.status_code == 201
    after = _decide(client, subject_id, headers).json["explanation"]["document"]
    line = next(f for f in after["points"]["features"] if f["feature"] == "debt_service_ratio")
    assert line["status"] == "disputed"
    assert line["points"] == 0
    old = next(f for f in before["points"]["features"] if f["feature"] == "debt_service_ratio")
    assert after["score"] == before["score"] - old["points"]


def test_withdrawn_scoring_consent_refuses_with_no_data(app, client, person):
    subject_id, headers = person()
    with session_factory(app)() as s, s.begin():
        for consent in lifecycle.consents_of(s, subject_id):
            lifecycle.withdraw(
                s,
                keys=consent_keys(app),
                subject_id=subject_id,
                consent_id=consent.id,
                channel="api",
            )
    refused = _decide(client, subject_id, headers)
    assert refused.status_code == 403
    assert "score" not in refused.json
    with session_factory(app)() as s:
        assert s.scalars(select(Decision).where(Decision.subject_id == subject_id)).all() == []


def test_reading_a_decision_json_and_html_and_the_log(client, person):
    subject_id, headers = person()
    decision_id = _decide(client, subject_id, headers).json["id"]
    base = f"/v1/subjects/{subject_id}/decisions"
    assert client.get(f"{base}/{decision_id}", headers=headers).json["id"] == decision_id
    page = client.get(f"{base}/{decision_id}.html", headers=headers)
    assert page.status_code == 200
    assert "Your decision: decline" in page.get_data(as_text=True)
    listed = client.get(base, headers=headers).json["decisions"]
    assert [d["id"] for d in listed] == [decision_id]
    log = client.get(f"/v1/subjects/{subject_id}/access-log", headers=headers).json["entries"]
    text = json.dumps(log)
    for what in ("decision", "decision.html", "decisions"):
        assert f'"{what}"' in text


def test_review_lifecycle_with_an_override(app, client, person):
    subject_id, headers = person()
    decision_id = _decide(client, subject_id, headers).json["id"]
    url = f"/v1/subjects/{subject_id}/decisions/{decision_id}/reviews"
    opened = client.post(url, json={"statement": "My income is seasonal."}, headers=headers)
    assert opened.status_code == 201
    review_id = opened.json["review"]["id"]
    again = client.post(url, json={"statement": "again"}, headers=headers)
    assert again.status_code == 409
    cli = app.test_cli_runner()
    listed = cli.invoke(reviews, ["list", "--open", "--reviewer", "rita"])
    assert listed.exit_code == 0, listed.output
    assert review_id in listed.output
    assert "My income is seasonal." in listed.output
    assert "reason 1:" in listed.output
    bad = cli.invoke(reviews, ["resolve", review_id, "--outcome", "overridden", "--reason", "x"])
    assert bad.exit_code != 0
    assert "names the new decision" in bad.output
    done = cli.invoke(
        reviews,
        [
            "resolve",
            review_id,
            "--outcome",
            "overridden",
            "--decision",
            "approve",
            "--reason",
            "Seasonal income verified.",
            "--reviewer",
            "rita",
        ],
    )
    assert done.exit_code == 0, done.output
    twice = cli.invoke(reviews, ["resolve", review_id, "--outcome", "upheld", "--reason", "y"])
    assert "already resolved" in twice.output
    shown = client.get(f"/v1/subjects/{subject_id}/decisions/{decision_id}", headers=headers).json
    assert shown["decision"] == "decline"
    assert shown["decision_in_force"] == "approve"
    assert shown["overridden_by_review"] == review_id
    assert shown["reviews"][0]["statement"] == "My income is seasonal."
    log = client.get(f"/v1/subjects/{subject_id}/access-log", headers=headers).json["entries"]
    assert "review-overridden" in json.dumps(log)
    assert "reviewer:rita" in json.dumps(log)
    export = client.get(f"/v1/subjects/{subject_id}/export", headers=headers).json
    assert [d["id"] for d in export["decisions"]] == [decision_id]
    assert export["reviews"][0]["resolution"]["decision"] == "approve"


def test_erasure_takes_decisions_and_reviews_with_it(app, client, person):
    from sqlalchemy import func, select

    from scoring.workflow.decisions import Decision

    subject_id, headers = person()
    decision_id = _decide(client, subject_id, headers).json["id"]
    review = client.post(
        f"/v1/subjects/{subject_id}/decisions/{decision_id}/reviews",
        json={"statement": "my rent was paid on time"},
        headers=headers,
    )
    assert review.status_code == 201
    erased = client.delete(f"/v1/subjects/{subject_id}", headers=headers)
    assert erased.status_code == 200
    rows = erased.json["destroyed"]["rows"]
    assert rows["decisions"] == 1
    assert any(name.startswith("decision_review") or name == "reviews" for name in rows)
    with session_factory(app)() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 0

"""Rectification: a person disputes a fact; a reviewer upholds or rejects the dispute."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from consent import transparency
from scoring.contract.models import get_facts
from scoring.workflow.disputes import DisputeError, disputed_features, resolve_dispute
from service.api.schemas.rights import STATEMENT_MAX
from service.commands.disputes import disputes
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from tests.consent_fixtures import add_person, signed_in_headers
from tests.rights_fixtures import add_person_with_data, facts

FEATURE = "rent_on_time_12m"
STATEMENT = "My landlord recorded March as late; the bank transfer left on the 1st."


@pytest.fixture
def person(app):
    return add_person_with_data(app)


def _open(client, subject_id, headers, feature=FEATURE, statement=STATEMENT):
    return client.post(
        f"/v1/subjects/{subject_id}/disputes",
        json={"feature": feature, "statement": statement},
        headers=headers,
    )


def _disputed_flags(client, subject_id, headers):
    response = client.get(
        f"/v1/subjects/{subject_id}/facts", query_string={"purpose": "scoring"}, headers=headers
    )
    assert response.status_code == 200
    return {f["name"]: f["disputed"] for f in response.json["facts"]}


def _resolve(app, dispute_id, *args):
    return app.test_cli_runner().invoke(
        disputes, ["resolve", dispute_id, "--reviewer", "rita", *args]
    )


def _stored_facts(app, subject_id):
    with session_factory(app)() as s:
        return get_facts(s, vault=vault(app), subject_id=subject_id)


def test_a_disputed_fact_is_flagged_and_listed(app, client, person):
    subject_id, headers = person
    assert not any(_disputed_flags(client, subject_id, headers).values())
    opened = _open(client, subject_id, headers)
    assert opened.status_code == 201, opened.json
    dispute = opened.json["dispute"]
    assert (dispute["feature"], dispute["state"], dispute["statement"]) == (
        FEATURE,
        "open",
        STATEMENT,
    )
    assert dispute["resolution"] is None
    flags = _disputed_flags(client, subject_id, headers)
    assert {name for name, disputed in flags.items() if disputed} == {FEATURE}
    listed = client.get(f"/v1/subjects/{subject_id}/disputes", headers=headers).json
    assert listed == {"disputes": [dispute]}


def test_an_upheld_dispute_rewrites_the_fact(app, client, person):
    subject_id, headers = person
    dispute_id = _open(client, subject_id, headers).json["dispute"]["id"]
    shown = app.test_cli_runner().invoke(disputes, ["list", "--open", "--reviewer", "rita"])
    assert shown.exit_code == 0, shown.output
    assert dispute_id in shown.output
    assert STATEMENT in shown.output
    assert f"{FEATURE} = {facts()[FEATURE]!r}" in shown.output

    result = _resolve(app, dispute_id, "--outcome", "upheld", "--value", "12", "--reason", "ok")
    assert result.exit_code == 0, result.output
    assert _stored_facts(app, subject_id)[FEATURE] == 12
    assert not any(_disputed_flags(client, subject_id, headers).values())
    [after] = client.get(f"/v1/subjects/{subject_id}/disputes", headers=headers).json["disputes"]
    assert (after["state"], after["resolution"], after["resolved_by"]) == ("upheld", "ok", "rita")
    empty = app.test_cli_runner().invoke(disputes, ["list", "--open"])
    assert "no disputes open" in empty.output

    pseudonym = consent_keys(app).pseudonyms.of(subject_id)
    with session_factory(app)() as s:
        leaves = [json.loads(e.leaf) for e in transparency.entries_about(s, pseudonym)]
    reviews = [leaf for leaf in leaves if leaf.get("purpose") == "rectification"]
    assert [(r["actor"], r["what"]) for r in reviews] == [
        ("reviewer:rita", "dispute"),
        ("reviewer:rita", "dispute-resolution"),
    ]
    assert all(r["categories"] == ["rent"] and r["consentIds"] == [] for r in reviews)


def test_a_rejected_dispute_keeps_the_fact(app, client, person):
    subject_id, headers = person
    before = _stored_facts(app, subject_id)
    dispute_id = _open(client, subject_id, headers).json["dispute"]["id"]
    result = _resolve(app, dispute_id, "--outcome", "rejected", "--reason", "bank shows late")
    assert result.exit_code == 0, result.output
    assert _stored_facts(app, subject_id) == before
    assert not any(_disputed_flags(client, subject_id, headers).values())
    [after] = client.get(f"/v1/subjects/{subject_id}/disputes", headers=headers).json["disputes"]
    assert (after["state"], after["resolution"]) == ("rejected", "bank shows late")
    # once resolved, the same fact may be disputed again
    assert _open(client, subject_id, headers).status_code == 201


def test_a_dispute_is_resolved_once(app, client, person):
    subject_id, headers = person
    dispute_id = _open(client, subject_id, headers).json["dispute"]["id"]
    assert _resolve(app, dispute_id, "--outcome", "rejected", "--reason", "no").exit_code == 0
    again = _resolve(app, dispute_id, "--outcome", "upheld", "--value", "3", "--reason", "yes")
    assert again.exit_code == 1
    assert "already rejected" in again.output
    assert _stored_facts(app, subject_id)[FEATURE] == facts()[FEATURE]
    with session_factory(app)() as s, pytest.raises(DisputeError, match="already rejected"):
        resolve_dispute(
            s, vault=vault(app), dispute_id=dispute_id, reviewer="x", outcome="upheld", reason="y"
        )


def test_resolving_refuses_bad_input_and_changes_nothing(app, client, person):
    subject_id, headers = person
    dispute_id = _open(client, subject_id, headers).json["dispute"]["id"]
    out_of_range = _resolve(
        app, dispute_id, "--outcome", "upheld", "--value", "13", "--reason", "x"
    )
    assert out_of_range.exit_code == 1
    assert "rent_on_time_12m" in out_of_range.output
    with_value = _resolve(app, dispute_id, "--outcome", "rejected", "--value", "3", "--reason", "x")
    assert with_value.exit_code == 2
    nobody = "00000000-0000-4000-8000-000000000000"
    unknown = _resolve(app, nobody, "--outcome", "rejected", "--reason", "x")
    assert unknown.exit_code == 1
    assert "no such dispute" in unknown.output
    with session_factory(app)() as s:
        assert disputed_features(s, subject_id) == {FEATURE}
    assert _stored_facts(app, subject_id)[FEATURE] == facts()[FEATURE]


def test_a_second_open_dispute_of_the_same_fact_is_a_conflict(client, person):
    subject_id, headers = person
    assert _open(client, subject_id, headers).status_code == 201
    duplicate = _open(client, subject_id, headers, statement="again")
    assert duplicate.status_code == 409
    assert duplicate.mimetype == "application/problem+json"
    assert duplicate.json["type"].endswith("/problems/dispute-conflict")
    other_fact = _open(client, subject_id, headers, feature="history_months")
    assert other_fact.status_code == 201


@pytest.mark.parametrize("feature", ["not_a_feature", "gender"])
def test_an_unknown_or_prohibited_feature_is_refused(client, person, feature):
    subject_id, headers = person
    refused = _open(client, subject_id, headers, feature=feature)
    assert refused.status_code == 422
    assert refused.json["type"].endswith("/problems/contract-violation")
    assert client.get(f"/v1/subjects/{subject_id}/disputes", headers=headers).json == {
        "disputes": []
    }


def test_the_statement_is_bounded(client, person):
    subject_id, headers = person
    too_long = _open(client, subject_id, headers, statement="x" * (STATEMENT_MAX + 1))
    assert too_long.status_code == 422
    assert too_long.json["type"].endswith("/problems/validation")
    assert _open(client, subject_id, headers, statement="").status_code == 422
    assert _open(client, subject_id, headers, statement="x" * STATEMENT_MAX).status_code == 201


def test_nothing_can_be_disputed_before_facts_are_held(app, client):
    with session_factory(app)() as s, s.begin():
        subject_id = add_person(s)
    refused = _open(client, subject_id, signed_in_headers(app, subject_id))
    assert refused.status_code == 409
    assert refused.json["type"].endswith("/problems/dispute-conflict")


def test_statement_and_reason_are_not_stored_in_plaintext(app, client, person):
    subject_id, headers = person
    dispute_id = _open(client, subject_id, headers).json["dispute"]["id"]
    reason = "The landlord's ledger confirms the transfer arrived in time."
    resolved = _resolve(app, dispute_id, "--outcome", "upheld", "--value", "12", "--reason", reason)
    assert resolved.exit_code == 0, resolved.output
    with session_factory(app)() as s:
        row = s.execute(
            text("SELECT statement, resolution FROM fact_disputes WHERE id = :id"),
            {"id": dispute_id},
        ).one()
    statement, resolution = bytes(row.statement), bytes(row.resolution)
    assert len(statement) > len(STATEMENT)  # it is there, sealed
    for needle in (STATEMENT, "landlord recorded", "bank transfer"):
        assert needle.encode() not in statement
    for needle in (reason, "ledger confirms"):
        assert needle.encode() not in resolution


INCONSISTENT = {
    "outcome without the rest": ("outcome = 'upheld'", {}),
    "resolved_at without the rest": ("resolved_at = :at", {"at": dt.datetime.now(dt.UTC)}),
    "resolved_by without the rest": ("resolved_by = 'rita'", {}),
    "resolution without the rest": ("resolution = statement", {}),
    "all but the outcome": (
        "resolved_at = :at, resolved_by = 'rita', resolution = statement",
        {"at": dt.datetime.now(dt.UTC)},
    ),
    "an outcome that does not exist": (
        "resolved_at = :at, resolved_by = 'rita', resolution = statement, outcome = 'maybe'",
        {"at": dt.datetime.now(dt.UTC)},
    ),
}


@pytest.mark.parametrize("change", list(INCONSISTENT.values()), ids=list(INCONSISTENT))
def test_the_database_keeps_resolution_fields_together(app, client, person, change):
    subject_id, headers = person
    dispute_id = _open(client, subject_id, headers).json["dispute"]["id"]
    assignments, params = change
    with session_factory(app)() as s:
        with pytest.raises(IntegrityError), s.begin_nested():
            s.execute(
                text(f"UPDATE fact_disputes SET {assignments} WHERE id = :id"),  # noqa: S608
                {"id": dispute_id, **params},
            )
        consistent = "resolved_at = :at, resolved_by = 'rita', resolution = statement, " + (
            "outcome = 'rejected'"
        )
        with s.begin_nested():  # the same statement, consistent, is accepted
            s.execute(
                text(f"UPDATE fact_disputes SET {consistent} WHERE id = :id"),  # noqa: S608
                {"id": dispute_id, "at": dt.datetime.now(dt.UTC)},
            )

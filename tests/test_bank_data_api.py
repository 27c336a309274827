"""The bank-data door over HTTP: a person connects one bank's data in any shape, sees what
was kept and dropped, and nothing of their purchases reaches the database, the logs or an
answer; bad data is a problem naming the field, and nothing is stored."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from consent.transparency import LogEntry
from scoring.contract.models import SubjectFacts
from scoring.ingest.banks import Shape
from scoring.ingest.stored import SubjectStatement
from service.web.keys import consent_keys
from service.web.sessions import session_factory
from service.web.tables import metadata
from synthetic import bank_statement, persona
from synthetic.feeds import MERCHANTS, render_feed
from tests.conftest import make_test_app
from tests.consent_fixtures import add_person, grant, signed_in_headers
from tests.lender_fixtures import add_key, add_sharer

BANK = ("rent", "utilities", "telecom", "bank_cashflow", "income")
KEYS = {Shape.FDX: "fdx", Shape.OPEN_BANKING: "openBanking", Shape.OFX: "ofx"}


@pytest.fixture
def person(app):
    with session_factory(app)() as s, s.begin():
        subject_id = add_person(s)
        grant(s, consent_keys(app), subject_id, "scoring", categories=BANK)
    return subject_id, signed_in_headers(app, subject_id)


def _connect(client, person, body):
    subject_id, headers = person
    return client.post(f"/v1/subjects/{subject_id}/bank-data", json=body, headers=headers)


def _stored(app, subject_id) -> tuple[int, int, int]:
    with session_factory(app)() as s:
        statements = s.scalar(
            select(func.count())
            .select_from(SubjectStatement)
            .where(SubjectStatement.subject_id == subject_id)
        )
        facts = s.scalar(
            select(func.count())
            .select_from(SubjectFacts)
            .where(SubjectFacts.subject_id == subject_id)
        )
        reads = s.scalar(
            select(func.count())
            .select_from(LogEntry)
            .where(LogEntry.leaf.contains("bank-data.connect"))
        )
    return statements, facts, reads


@pytest.mark.parametrize("shape", list(Shape))
def test_a_person_connects_one_banks_data_in_each_shape(app, client, person, shape):
    subject_id, headers = person
    feed = render_feed(bank_statement(subject_id), shape, seed=3)
    answer = _connect(client, person, {KEYS[shape]: feed})
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["report"]["format"] == shape.value
    assert body["report"]["kept"]["payroll"] + body["report"]["kept"]["benefits"] > 0
    assert body["facts"]["income_regular_months_12m"] is not None
    assert {c["kind"] for c in body["counted"]} <= {
        "payroll",
        "benefits",
        "rent",
        "utility",
        "telecom",
    }
    assert all(c["feeds"] for c in body["counted"])
    held = client.get(f"/v1/subjects/{subject_id}/bank-data", headers=headers)
    assert held.status_code == 200
    assert held.json["format"] == shape.value
    assert set(held.json["statement"]) == {"asOf", "account", "transactions"}
    facts = client.get(f"/v1/subjects/{subject_id}/facts?purpose=scoring", headers=headers)
    assert facts.status_code == 200
    assert _stored(app, subject_id) == (1, 1, 1)


def test_nothing_dropped_reaches_the_database_the_logs_or_an_answer(app, client, person, caplog):
    # Every shape, one after another, for the same person, with the whole log captured.
    subject_id, _headers = person
    statement = bank_statement(subject_id)
    answers = []
    with caplog.at_level(logging.DEBUG):
        for shape in Shape:
            answer = _connect(client, person, {KEYS[shape]: render_feed(statement, shape, seed=9)})
            assert answer.status_code == 201
            answers.append(answer.get_data(as_text=True))
    dropped = [m.name for m in MERCHANTS] + [
        "Oakwood Property Management",
        "City Power and Water",
        "Bellwave Mobile",
        "ACME LOGISTICS PAYROLL",
        "SSA TREAS 310",
        "CARD 4417",
        "****4417",
        "1 Main St",
        "80200112345678",
        "A CARDHOLDER",
        "Everyday checking",
    ]
    with session_factory(app)() as s:
        dumped = []
        for table in metadata().sorted_tables:
            for row in s.execute(select(table)):
                dumped.append(repr(tuple(row)))
    everything = "\n".join([*dumped, caplog.text, *answers])
    for value in dropped:
        assert value not in everything, value


def test_a_category_not_shared_is_not_read_over_http(app, client):
    with session_factory(app)() as s, s.begin():
        subject_id = add_person(s)
        grant(s, consent_keys(app), subject_id, "scoring", categories=("bank_cashflow", "income"))
    person = (subject_id, signed_in_headers(app, subject_id))
    answer = _connect(client, person, {"fdx": render_feed(bank_statement(subject_id), Shape.FDX)})
    assert answer.status_code == 201
    assert answer.json["report"]["categories_not_read"] == ["rent", "telecom", "utilities"]
    assert "rent_on_time_12m" not in answer.json["facts"]
    statement = client.get(f"/v1/subjects/{subject_id}/bank-data", headers=person[1]).json
    assert not {t["counterpartyKind"] for t in statement["statement"]["transactions"]} & {
        "rent",
        "utility",
        "telecom",
    }


def test_without_cash_flow_and_income_consent_nothing_is_read(app, client):
    with session_factory(app)() as s, s.begin():
        subject_id = add_person(s)
        grant(s, consent_keys(app), subject_id, "scoring", categories=("rent",))
    person = (subject_id, signed_in_headers(app, subject_id))
    answer = _connect(client, person, {"fdx": render_feed(bank_statement(subject_id), Shape.FDX)})
    assert answer.status_code == 403, answer.json
    assert answer.mimetype == "application/problem+json"
    assert _stored(app, subject_id) == (0, 0, 0)


def _bad_bodies(subject_id):
    statement = bank_statement(subject_id)
    fdx = render_feed(statement, Shape.FDX)
    first = fdx["transactions"][0]
    many = dict(fdx, transactions=[{**first, "transactionId": f"n-{i}"} for i in range(20_001)])
    euros = json.loads(json.dumps(fdx))
    euros["accounts"][0]["currency"] = {"currencyCode": "EUR"}
    unsigned = json.loads(json.dumps(fdx))
    unsigned["transactions"][0]["amount"] = -1.0
    missing = json.loads(json.dumps(fdx))
    del missing["transactions"][0]["debitCreditMemo"]
    future = json.loads(json.dumps(fdx))
    future["transactions"][0]["postedTimestamp"] = "2099-01-01T00:00:00Z"
    empty = dict(fdx, transactions=[])
    return {
        "no shape": {},
        "two shapes": {"fdx": fdx, "ofx": "OFXHEADER:100"},
        "unknown shape": {"plaid": {"transactions": []}},
        "too many transactions": {"fdx": many},
        "not USD": {"fdx": euros},
        "a signed FDX amount": {"fdx": unsigned},
        "no direction": {"fdx": missing},
        "a future date": {"fdx": future},
        "no transactions": {"fdx": empty},
        "not OFX": {"ofx": "<OFX>Lucky Star Casino</OFX>"},
        "an OB payload as FDX": {"fdx": render_feed(statement, Shape.OPEN_BANKING)},
    }


@pytest.mark.parametrize("case", list(_bad_bodies("x")))
def test_bad_bank_data_is_a_problem_and_nothing_is_stored(app, client, person, case):
    subject_id, _headers = person
    answer = _connect(client, person, _bad_bodies(subject_id)[case])
    assert answer.status_code in {400, 413, 422}, (case, answer.status_code)
    assert answer.mimetype == "application/problem+json"
    said = answer.get_data(as_text=True)
    assert "Lucky Star" not in said
    assert "Traceback" not in said
    assert _stored(app, subject_id) == (0, 0, 0)


def test_malformed_json_is_refused(app, client, person):
    subject_id, headers = person
    url = f"/v1/subjects/{subject_id}/bank-data"
    json_headers = {**headers, "Content-Type": "application/json"}
    broken = client.post(url, data='{"fdx": {', headers=json_headers)
    assert broken.status_code == 400
    assert broken.mimetype == "application/problem+json"
    assert _stored(app, subject_id) == (0, 0, 0)


def test_the_bank_data_route_has_its_own_body_limit(tmp_path, sessions):
    # A bank's whole feed is larger than the app's 1 MiB limit; the route takes up to its
    # own limit, and past it answers 413 with nothing stored.
    app = make_test_app(tmp_path, engine=sessions, max_bank_data_length=3_000_000)
    with session_factory(app)() as s, s.begin():
        subject_id = add_person(s)
        grant(s, consent_keys(app), subject_id, "scoring", categories=BANK)
    headers = {**signed_in_headers(app, subject_id), "Content-Type": "application/json"}
    url = f"/v1/subjects/{subject_id}/bank-data"
    # A persona's fixed statement, not this person's drawn one: the body's size must not
    # depend on the subject id (a drawn statement sometimes made it just under 1 MiB).
    feed = render_feed(persona("renter").statement, Shape.FDX)
    feed["transactions"] = [
        {**t, "transactionId": f"{t['transactionId']}-{k}", "description": "." * 1_000}
        for k in range(3)
        for t in feed["transactions"]
    ]
    body = json.dumps({"fdx": feed})
    assert app.config["MAX_CONTENT_LENGTH"] < len(body) < 3_000_000
    client = app.test_client()
    assert client.post(url, data=body, headers=headers).status_code == 201
    huge = json.dumps({"ofx": "x" * 3_000_001})
    big = client.post(url, data=huge, headers=headers)
    assert big.status_code == 413
    assert big.mimetype == "application/problem+json"
    # Other routes keep the app's limit.
    other = client.post(
        f"/v1/subjects/{subject_id}/decisions",
        data=json.dumps({"x": "y" * 1_100_000}),
        headers=headers,
    )
    assert other.status_code == 413


def test_the_minimised_statement_is_in_the_persons_export(app, client, person):
    subject_id, headers = person
    feed = render_feed(bank_statement(subject_id), Shape.OFX, seed=4)
    assert _connect(client, person, {"ofx": feed}).status_code == 201
    held = client.get(f"/v1/subjects/{subject_id}/bank-data", headers=headers).json["statement"]
    document = client.get(f"/v1/subjects/{subject_id}/export", headers=headers).json
    assert document["bank_statement"]["statement"] == held
    assert document["bank_statement"]["format"] == "ofx"
    page = client.get(f"/v1/subjects/{subject_id}/export.html", headers=headers)
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("<tr><td>") >= len(held["transactions"])


def test_a_misread_transaction_is_disputed_through_the_fact_it_feeds(app, client, person):
    # The person sees which transactions counted as rent, bills and income, and each names
    # the facts it feeds; disputing one of those facts is the existing dispute flow.
    subject_id, headers = person
    feed = render_feed(bank_statement(subject_id), Shape.FDX)
    counted = _connect(client, person, {"fdx": feed}).json["counted"]
    feature = counted[0]["feeds"][0]
    opened = client.post(
        f"/v1/subjects/{subject_id}/disputes",
        json={"feature": feature, "statement": f"The payment on {counted[0]['day']} was not mine."},
        headers=headers,
    )
    assert opened.status_code == 201, opened.json
    facts = client.get(
        f"/v1/subjects/{subject_id}/facts", query_string={"purpose": "scoring"}, headers=headers
    ).json
    assert [f["name"] for f in facts["facts"] if f["disputed"]] == [feature]


def test_a_lender_connects_bank_data_under_the_persons_scoring_consent_and_share(app, client):
    key = add_key(app, "lender-a")
    subject_id = add_sharer(app, "lender-a")  # shares rent, income and cash flow with it
    other = add_key(app, "lender-b")
    feed = render_feed(bank_statement(subject_id), Shape.OPEN_BANKING)
    url = f"/v1/lender/subjects/{subject_id}/bank-data"
    refused = client.post(
        url, json={"openBanking": feed}, headers={"Authorization": f"Bearer {other}"}
    )
    assert refused.status_code == 404
    answer = client.post(
        url, json={"openBanking": feed}, headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 201, answer.json
    assert answer.json["report"]["categories_read"] == ["bank_cashflow", "income", "rent"]
    assert answer.json["report"]["categories_not_read"] == ["telecom", "utilities"]
    with session_factory(app)() as s:
        leaves = s.scalars(select(LogEntry.leaf).where(LogEntry.kind == "access")).all()
    reads = [json.loads(leaf) for leaf in leaves if "bank-data.connect" in leaf]
    assert [r["actor"] for r in reads] == ["lender:lender-a"]
    # The person sees it in what is held about them.
    headers = signed_in_headers(app, subject_id)
    held = client.get(f"/v1/subjects/{subject_id}/bank-data", headers=headers)
    assert held.json["format"] == "open_banking"


def test_the_openapi_document_carries_each_standards_request_schema(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    body = json.dumps(schemas["BankDataIn"])
    for name in ("FdxData", "OpenBankingData"):
        assert f"#/components/schemas/{name}" in body
    assert {"transactionId", "postedTimestamp", "debitCreditMemo"} <= set(
        schemas["FdxTransaction"]["properties"]
    )
    assert {"CreditDebitIndicator", "BookingDateTime", "BankTransactionCode"} <= set(
        schemas["OBTransaction"]["properties"]
    )

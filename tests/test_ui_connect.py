"""The "Connect data" page: a synthetic bank, chosen categories, derived facts, stored."""

from __future__ import annotations

import json
import re

import pytest

from consent import transparency
from scoring import extract_statement
from scoring.contract import CONTRACT
from scoring.contract.models import get_facts, put_facts
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from synthetic.bank import bank_statement
from tests.consent_fixtures import add_person
from tests.lender_fixtures import FACTS
from tests.test_ui import csrf, sign_in

ROWS = re.compile(r"<tr>\s*<th scope=\"row\"><code>([a-z0-9_]+)</code>")
CHOSEN = ["bank_cashflow", "income", "rent"]


@pytest.fixture
def me(app, client, session):
    subject_id = add_person(session, enrol=True)
    put_facts(session, vault=vault(app), subject_id=subject_id, facts=FACTS)
    session.commit()
    sign_in(app, client, subject_id)
    return subject_id


def _post(client, url, categories, *, token=True):
    data = {"categories": categories}
    if token:
        data["csrf_token"] = csrf(client, "/connect")
    return client.post(url, data=data)


def _facts(app, subject_id):
    with session_factory(app)() as s:
        return get_facts(s, vault=vault(app), subject_id=subject_id)


def test_the_page_needs_sign_in(client):
    for answer in (client.get("/connect"), client.post("/connect/use", data={})):
        assert answer.status_code in (302, 400)
    answer = client.get("/connect")
    assert answer.headers["Location"].endswith("/sign-in")


def test_the_page_offers_the_bank_categories_none_ticked(client, me):
    html = client.get("/connect").get_data(as_text=True)
    assert 'aria-current="page">Connect data' in html
    assert "<fieldset>" in html
    assert "<legend>" in html
    boxes = re.findall(r'<input type="checkbox" id="connect-([a-z_]+)"[^>]*>', html)
    assert set(boxes) == {"rent", "utilities", "telecom", "bank_cashflow", "income"}
    assert " checked" not in html
    assert "<script" not in html
    assert "style=" not in html


def test_the_preview_shows_only_the_chosen_categories_and_stores_nothing(app, client, me):
    before = _facts(app, me)
    answer = _post(client, "/connect/preview", CHOSEN)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    shown = ROWS.findall(html)
    expected = [f.name for f in CONTRACT if f.category.value in CHOSEN]
    assert shown == expected
    assert "utility_late_months_12m" not in shown
    assert "bureau_utilisation" not in shown
    assert "Use these facts" in html
    assert _facts(app, me) == before
    pseudonym = consent_keys(app).pseudonyms.of(me)
    with session_factory(app)() as s:
        leaves = [json.loads(e.leaf) for e in transparency.entries_about(s, pseudonym)]
    reads = [x for x in leaves if x.get("type") == "fairfile/access/v1"]
    assert reads[-1]["what"] == "connect.preview"
    assert reads[-1]["purpose"] == "subject-access"
    assert reads[-1]["categories"] == sorted(CHOSEN)


def test_use_stores_exactly_the_chosen_facts(app, client, me):
    answer = _post(client, "/connect/use", CHOSEN)
    assert answer.status_code == 302
    stored = _facts(app, me)
    derived = extract_statement(bank_statement(me))
    for feature in CONTRACT:
        if feature.category.value in CHOSEN:
            assert stored[feature.name] == pytest.approx(derived[feature.name]), feature.name
        else:
            assert stored[feature.name] is None, feature.name
    assert set(stored) == {f.name for f in CONTRACT}


def test_required_categories_cannot_be_left_out(app, client, me):
    before = _facts(app, me)
    for url in ("/connect/preview", "/connect/use"):
        answer = _post(client, url, ["rent", "utilities"])
        assert answer.status_code == 302
    assert "a score cannot be worked out without them" in client.get("/connect").get_data(
        as_text=True
    )
    assert _facts(app, me) == before


def test_without_its_csrf_token_use_changes_nothing(app, client, me):
    before = _facts(app, me)
    answer = _post(client, "/connect/use", CHOSEN, token=False)
    assert answer.status_code == 400
    assert _facts(app, me) == before


def test_no_transaction_or_merchant_detail_reaches_the_page(app, client, me):
    statement = bank_statement(me)
    assert statement == bank_statement(me)  # the same bank on every connection
    keys = {key for t in statement["transactions"] for key in t}
    assert keys <= {
        "bookingDate",
        "amount",
        "creditDebitIndicator",
        "counterpartyKind",
        "transactionId",
    }
    everything = ["rent", "utilities", "telecom", "bank_cashflow", "income"]
    html = _post(client, "/connect/preview", everything).get_data(as_text=True).lower()
    for word in ("merchant", "description", "other_spending", "counterpartykind", "t-00000"):
        assert word not in html
    stored = _facts(app, me)
    assert set(stored) == {f.name for f in CONTRACT}

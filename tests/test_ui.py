"""The web UI through Flask's test client: sign-in, CSRF, headers, and every flow."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from consent import signin
from consent.models import Consent, Enrolment
from scoring.contract.models import put_facts
from service.web.headers import PAGE_CSP as UI_CSP
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from store import Subject
from tests.consent_fixtures import add_lender, add_person, grant
from tests.decision_fixtures import add_model
from tests.lender_fixtures import FACTS

PAGES = [
    "/me",
    "/enrol",
    "/consents",
    "/connect",
    "/score",
    "/my-data",
    "/my-data/erase",
    "/my-data/export",
]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, page="/sign-in"):
    match = TOKEN.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def sign_in(app, client, subject_id):
    with session_factory(app)() as s, s.begin():
        token = signin.issue_token(s, subject_id=subject_id, kind="ui")
    with client.session_transaction() as cookie:
        cookie["subject_token"] = token


def post(client, url, data=None, page="/consents"):
    return client.post(url, data={"csrf_token": csrf(client, page), **(data or {})})


@pytest.fixture
def person_with_facts(app, session):
    subject_id = add_person(session, enrol=False)
    put_facts(session, vault=vault(app), subject_id=subject_id, facts=FACTS)
    add_model(session)
    add_lender(session)
    session.commit()
    return subject_id


@pytest.fixture
def me(app, client, person_with_facts):
    sign_in(app, client, person_with_facts)
    return person_with_facts


@pytest.mark.parametrize("page", PAGES)
def test_pages_need_sign_in(client, page):
    answer = client.get(page)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/sign-in")


def test_sign_in_page_has_the_security_headers_and_no_inline_code(client):
    answer = client.get("/sign-in")
    assert answer.status_code == 200
    assert answer.headers["Content-Security-Policy"] == UI_CSP
    assert "script-src 'self'" in UI_CSP
    assert "frame-ancestors 'none'" in UI_CSP
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    html = answer.get_data(as_text=True)
    assert "<script" not in html
    assert "style=" not in html
    assert "<style" not in html


def test_the_session_cookie_is_httponly_and_samesite(client):
    client.get("/sign-in")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure  # plain http in testing


def test_secure_cookies_are_configurable(tmp_path, sessions):
    from tests.conftest import make_test_app

    app = make_test_app(tmp_path, engine=sessions, session_cookie_secure=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_a_form_without_its_csrf_token_is_refused(app, client, me):
    answer = client.post("/enrol", data={"agree": "yes", "notice_version": "2026-11-01"})
    assert answer.status_code == 400
    assert answer.mimetype == "text/html"  # a page for a person, not problem+json
    assert "Nothing was changed" in answer.get_data(as_text=True)
    with session_factory(app)() as s:
        assert s.get(Enrolment, me) is None


def test_the_json_api_needs_no_csrf_token_but_a_bearer_token(app, client, me):
    answer = client.post(f"/v1/subjects/{me}/enrolment", json={"notice_version": "2026-11-01"})
    assert answer.status_code == 401  # the UI's cookie alone does not authorise an API write
    assert client.get(f"/v1/subjects/{me}/consents").status_code == 200  # a read may use it


def test_sign_in_by_link_from_the_outbox(app, client, person_with_facts):
    answer = post(client, "/sign-in/link", {"subject_id": person_with_facts}, page="/sign-in")
    assert "If this person exists" in answer.get_data(as_text=True)
    (letter,) = (Path(app.instance_path) / "outbox").glob("*-sign-in.txt")
    text = letter.read_text()
    secret = re.search(r"sign-in\?secret=(\S+)", text).group(1)
    page = client.get(f"/sign-in?secret={secret}").get_data(as_text=True)
    assert "Continue and sign in" in page
    answer = post(client, "/sign-in/redeem", {"secret": secret}, page="/sign-in")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/me")
    assert client.get("/me").headers["Location"].endswith("/enrol")
    again = post(client, "/sign-in/redeem", {"secret": secret}, page="/sign-in")
    assert again.status_code == 400


def test_the_session_cookie_holds_a_handle_that_is_no_bearer_token(app, client, person_with_facts):
    # The attacker reads the cookie (it is signed, not encrypted) and sends its value as a
    # bearer token: refused. And an API token cannot stand in as a cookie session either.
    post(client, "/sign-in/demo", page="/sign-in")
    with client.session_transaction() as cookie:
        handle = cookie["subject_token"]
    me_ = signin_subject(app, handle, "ui")
    assert client.get("/consents").status_code == 200
    stolen = {"Authorization": f"Bearer {handle}"}
    fresh = app.test_client()
    assert fresh.get(f"/v1/subjects/{me_}/consents", headers=stolen).status_code == 401
    assert (
        fresh.post(
            f"/v1/subjects/{me_}/enrolment", json={"notice_version": "2026-11-01"}, headers=stolen
        ).status_code
        == 401
    )
    with session_factory(app)() as s, s.begin():
        api_token = signin.issue_token(s, subject_id=me_)
    with fresh.session_transaction() as cookie:
        cookie["subject_token"] = api_token
    assert fresh.get("/consents").status_code == 302  # to sign-in
    ok = fresh.get(f"/v1/subjects/{me_}/consents", headers={"Authorization": f"Bearer {api_token}"})
    assert ok.status_code == 200


def signin_subject(app, token: str, kind: str) -> str:
    with session_factory(app)() as s:
        subject_id = signin.authenticate(s, token=token, kind=kind)
    assert subject_id is not None
    return subject_id


def test_asking_for_a_link_answers_the_same_for_nobody(client):
    answer = post(client, "/sign-in/link", {"subject_id": "nobody"}, page="/sign-in")
    assert answer.status_code == 200
    assert "If this person exists" in answer.get_data(as_text=True)


def test_demo_sign_in_picks_an_unenrolled_synthetic_person(app, client, person_with_facts):
    answer = post(client, "/sign-in/demo", page="/sign-in")
    assert answer.status_code == 302
    assert client.get("/enrol").status_code == 200


def test_enrolment_needs_the_box_ticked(app, client, me):
    page = client.get("/enrol").get_data(as_text=True)
    assert "social" in page.lower()
    assert "behavioural" in page.lower()
    assert "checked" not in page
    post(client, "/enrol", {"notice_version": "2026-11-01"}, page="/enrol")
    with session_factory(app)() as s:
        assert s.get(Enrolment, me) is None
    post(client, "/enrol", {"agree": "yes", "notice_version": "2026-11-01"}, page="/enrol")
    with session_factory(app)() as s:
        assert s.get(Enrolment, me) is not None


def _enrol(client):
    post(client, "/enrol", {"agree": "yes", "notice_version": "2026-11-01"}, page="/enrol")


def test_grant_renew_withdraw_with_receipts(app, client, me):
    _enrol(client)
    page = client.get("/consents").get_data(as_text=True)
    assert "checked" not in page  # nothing pre-ticked
    assert "Disclose my score and decision to a named lender: Acme Bank" in page
    answer = post(
        client,
        "/consents/grant",
        {"purpose": "scoring", "notice_version": "2026-11-01", "categories": ["rent", "income"]},
    )
    assert answer.status_code == 302
    with session_factory(app)() as s:
        consent = s.query(Consent).filter_by(subject_id=me, purpose="scoring").one()
    page = client.get("/consents").get_data(as_text=True)
    assert "active" in page
    assert "verified" in page
    assert "inclusion proof" in page
    assert f"/consents/{consent.id}/withdraw" in page
    receipt_url = re.search(r'href="(/consents/receipts/[^"]+\.json)"', page).group(1)
    download = client.get(receipt_url)
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "signature" in json.dumps(download.get_json())
    assert post(client, f"/consents/{consent.id}/renew").status_code == 302
    answer = post(client, f"/consents/{consent.id}/withdraw")
    assert answer.status_code == 302
    page = client.get("/consents").get_data(as_text=True)
    assert "Withdrawn. Nothing more is read" in page
    with session_factory(app)() as s:
        assert s.get(Consent, consent.id).withdrawn_at is not None


def test_a_grant_without_categories_is_refused_with_a_message(app, client, me):
    _enrol(client)
    post(client, "/consents/grant", {"purpose": "scoring", "notice_version": "2026-11-01"})
    page = client.get("/consents").get_data(as_text=True)
    assert 'class="message error"' in page
    with session_factory(app)() as s:
        assert s.query(Consent).filter_by(subject_id=me).count() == 0


def test_nobody_else_s_consent_can_be_withdrawn(app, client, me, session):
    other = add_person(session)
    theirs = grant(session, consent_keys(app), other).consent.id
    session.commit()
    post(client, f"/consents/{theirs}/withdraw")
    with session_factory(app)() as s:
        assert s.get(Consent, theirs).withdrawn_at is None
    assert client.get("/consents").get_data(as_text=True).count(theirs) == 0


def test_score_explanation_review_and_dispute(app, client, me):
    _enrol(client)
    post(client, "/score", page="/score")
    assert "scoring" in client.get("/score").get_data(as_text=True)  # refused: no consent
    post(
        client,
        "/consents/grant",
        {
            "purpose": "scoring",
            "notice_version": "2026-11-01",
            "categories": ["rent", "utilities", "telecom", "bank_cashflow", "income"],
        },
    )
    answer = post(client, "/score", {"lender": "acme-bank"}, page="/score")
    assert answer.status_code == 302
    page = client.get("/score").get_data(as_text=True)
    assert "Your score:" in page
    assert "Every point, as a table" in page
    assert 'class="bars"' in page
    assert "What would change the result" in page
    assert "epsilon" in page
    decision_id = re.search(r'action="/score/([^/]+)/review"', page).group(1)
    post(client, f"/score/{decision_id}/review", {"statement": "please look"}, page="/score")
    assert "Review 1: open" in client.get("/score").get_data(as_text=True)
    post(client, "/facts/dispute", {"feature": "rent_on_time_12m", "statement": "wrong"}, "/score")
    assert "rent on time 12m: open" in client.get("/score").get_data(as_text=True)


def test_my_data_export_and_access_history(app, client, me):
    _enrol(client)
    download = client.get("/my-data/export.json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.get_json()["subject"]["id"] == me
    assert "Everything Fairfile holds about you" in client.get("/my-data/export").get_data(
        as_text=True
    )
    page = client.get("/my-data").get_data(as_text=True)
    assert "export.ui" in page
    assert "subject-access" in page


def test_erasure_confirms_then_erases_and_signs_out(app, client, me):
    _enrol(client)
    post(client, "/my-data/erase", page="/my-data/erase")
    with session_factory(app)() as s:
        assert s.get(Subject, me) is not None  # not confirmed: nothing erased
    answer = post(client, "/my-data/erase", {"confirm": "yes"}, page="/my-data/erase")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Your account is deleted" in page
    assert "What remains" in page
    with session_factory(app)() as s:
        assert s.get(Subject, me) is None
    assert client.get("/consents").status_code == 302


def test_sign_out_revokes_the_token(client, me):
    assert client.get("/consents").status_code == 200
    post(client, "/sign-out")
    assert client.get("/consents").status_code == 302

"""The "Connect data" page: the sandbox bank or an uploaded file, through the bank-data
door's own steps; the minimisation report and what counted, in plain words; stored only
on "Use these facts", from the draft the preview signed."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from consent import DataCategory, transparency
from scoring import extract_statement
from scoring.contract import CONTRACT
from scoring.contract.models import get_facts, put_facts
from scoring.ingest import get_statement
from scoring.ingest.banks import FdxData, Shape, minimise, read_fdx
from scoring.ingest.stored import SubjectStatement
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from synthetic import persona, persona_file, render_feed
from synthetic.bank import bank_statement
from synthetic.feeds import MERCHANTS
from tests.conftest import make_test_app
from tests.consent_fixtures import add_person
from tests.lender_fixtures import FACTS
from tests.test_ui import csrf, sign_in

FACT_ROWS = re.compile(r"<tr>\s*<th scope=\"row\"><code>([a-z0-9_]+)</code><br>")
DRAFT = re.compile(r'name="draft" value="([^"]+)"')
CHOSEN = ["bank_cashflow", "income", "rent"]
EVERYTHING = ["rent", "utilities", "telecom", "bank_cashflow", "income"]
#: What the door holds about a person before they connect: a bureau fact a bank never carries.
HELD = FACTS | {"bureau_open_tradelines": 2}
SUFFIX = {Shape.FDX: "fdx.json", Shape.OPEN_BANKING: "open_banking.json", Shape.OFX: "ofx"}


@pytest.fixture
def me(app, client, session):
    subject_id = add_person(session, enrol=True)
    put_facts(session, vault=vault(app), subject_id=subject_id, facts=HELD)
    session.commit()
    sign_in(app, client, subject_id)
    return subject_id


def _post(client, url, categories, *, file=None, shape="", **extra):
    fields = MultiDict([("categories", c) for c in categories] + list(extra.items()))
    fields["csrf_token"] = csrf(client, "/connect")
    if file is not None:
        fields["file"] = FileStorage(io.BytesIO(file[1]), filename=file[0])
        fields["shape"] = shape
    # Encoded here, in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _preview_and_use(client, categories, **kw):
    html = _post(client, "/connect/preview", categories, **kw).get_data(as_text=True)
    draft = DRAFT.search(html)
    assert draft, html[:2000]
    use = client.post(
        "/connect/use", data={"csrf_token": csrf(client, "/connect"), "draft": draft.group(1)}
    )
    assert use.status_code == 302
    return html


def _facts(app, subject_id):
    with session_factory(app)() as s:
        return get_facts(s, vault=vault(app), subject_id=subject_id)


def _statements(app, subject_id):
    with session_factory(app)() as s:
        return s.scalar(
            select(func.count())
            .select_from(SubjectStatement)
            .where(SubjectStatement.subject_id == subject_id)
        )


def _held_statement(app, subject_id):
    with session_factory(app)() as s:
        return get_statement(s, vault=vault(app), subject_id=subject_id)


def test_the_page_needs_sign_in(client):
    for answer in (client.get("/connect"), client.post("/connect/use", data={})):
        assert answer.status_code in (302, 400)
    answer = client.get("/connect")
    assert answer.headers["Location"].endswith("/sign-in")


def test_the_page_offers_the_bank_categories_none_ticked_and_a_file(client, me):
    html = client.get("/connect").get_data(as_text=True)
    assert 'aria-current="page">Connect data' in html
    assert "<legend>" in html
    boxes = re.findall(r'<input type="checkbox" id="connect-([a-z_]+)"[^>]*>', html)
    assert set(boxes) == {"rent", "utilities", "telecom", "bank_cashflow", "income"}
    assert " checked" not in html
    assert 'enctype="multipart/form-data"' in html
    assert '<input type="file" id="connect-file" name="file"' in html
    assert re.findall(r'<option value="([a-z_]*)">', html) == ["", "fdx", "open_banking", "ofx"]
    assert "<script" not in html
    assert "style=" not in html


def test_the_sandbox_preview_shows_the_report_and_stores_nothing(app, client, me):
    before = _facts(app, me)
    answer = _post(client, "/connect/preview", CHOSEN)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "What was kept from your sandbox bank" in html
    assert FACT_ROWS.findall(html) == [f.name for f in CONTRACT if f.category.value in CHOSEN]
    assert "Use these facts" in html
    # the report, counts only, in plain words: a kind per row, why not counted, per field
    assert '<th scope="row">Other spending (kept with no detail)</th>' in html
    assert "still pending" in html
    assert "sent twice (counted once)" in html
    assert "<code>merchant.name</code>" in html
    assert "<code>time of day</code>" in html
    counted = re.findall(
        r"<td>(\d{4}-\d\d-\d\d)</td><td>\$([0-9.]+)</td><td>([A-Za-z ]+)</td>", html
    )
    assert counted
    assert {words for _, _, words in counted} <= {"Pay", "Benefits", "Rent"}  # chosen only
    assert _facts(app, me) == before
    assert _statements(app, me) == 0
    pseudonym = consent_keys(app).pseudonyms.of(me)
    with session_factory(app)() as s:
        leaves = [json.loads(e.leaf) for e in transparency.entries_about(s, pseudonym)]
    reads = [x for x in leaves if x.get("type") == "fairfile/access/v1"]
    assert reads[-1]["what"] == "connect.preview"
    assert reads[-1]["purpose"] == "subject-access"
    assert reads[-1]["categories"] == sorted(CHOSEN)


def test_use_stores_what_the_door_would_keep_and_exactly_the_chosen_facts(app, client, me):
    _preview_and_use(client, CHOSEN)
    # The sandbox bank went through the door as an FDX feed: the same statement is held.
    feed = render_feed(bank_statement(me), Shape.FDX)
    categories = frozenset(DataCategory(c) for c in CHOSEN)
    door = minimise(read_fdx(FdxData.model_validate(feed)), categories=categories)
    shape, _, held = _held_statement(app, me)
    assert (shape, held) == ("fdx", door.statement)
    stored = _facts(app, me)
    derived = extract_statement(door.statement)
    for feature in CONTRACT:
        if feature.category.value in CHOSEN:
            assert stored[feature.name] == pytest.approx(derived[feature.name]), feature.name
        elif feature.category.value in EVERYTHING:
            assert stored[feature.name] is None, feature.name
        else:  # a bureau fact, which a bank does not carry, is kept as held
            assert stored[feature.name] == HELD[feature.name], feature.name
    assert "Your facts are stored" in client.get("/connect").get_data(as_text=True)


def test_required_categories_cannot_be_left_out(app, client, me):
    before = _facts(app, me)
    answer = _post(client, "/connect/preview", ["rent", "utilities"])
    assert answer.status_code == 302
    page = client.get("/connect").get_data(as_text=True)
    assert "a score cannot be worked out without them" in page
    assert _facts(app, me) == before


@pytest.mark.parametrize("draft", ["", "not-a-draft", "tampered"])
def test_use_without_a_good_draft_stores_nothing(app, client, me, draft):
    if draft == "tampered":
        html = _post(client, "/connect/preview", CHOSEN).get_data(as_text=True)
        good = DRAFT.search(html).group(1)
        draft = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    before = _facts(app, me)
    answer = client.post(
        "/connect/use", data={"csrf_token": csrf(client, "/connect"), "draft": draft}
    )
    assert answer.status_code == 302
    assert "Show the facts first" in client.get("/connect").get_data(as_text=True)
    assert _facts(app, me) == before
    assert _statements(app, me) == 0


def test_one_persons_draft_does_not_store_for_another(app, client, me, session):
    html = _post(client, "/connect/preview", CHOSEN).get_data(as_text=True)
    draft = DRAFT.search(html).group(1)
    other = add_person(session, enrol=True)
    session.commit()
    sign_in(app, client, other)
    answer = client.post(
        "/connect/use", data={"csrf_token": csrf(client, "/connect"), "draft": draft}
    )
    assert answer.status_code == 302
    assert _statements(app, other) == 0
    assert _statements(app, me) == 0


def test_without_its_csrf_token_use_changes_nothing(app, client, me):
    before = _facts(app, me)
    answer = client.post("/connect/use", data={"draft": "x"})
    assert answer.status_code == 400
    assert _facts(app, me) == before


@pytest.mark.parametrize("named", [False, True])
@pytest.mark.parametrize("shape", list(Shape))
def test_an_uploaded_persona_file_goes_through_the_door(app, client, me, shape, named):
    name = "salaried_saver"
    file = (f"{name}.{SUFFIX[shape]}", persona_file(name, shape).encode())
    html = _preview_and_use(client, EVERYTHING, file=file, shape=shape.value if named else "")
    words = {Shape.FDX: "FDX", Shape.OPEN_BANKING: "UK Open Banking", Shape.OFX: "OFX"}[shape]
    assert f"What was kept from your {words} file" in html
    for kind in ("Pay", "Rent", "Utility bill", "Phone bill", "Loan repayment"):
        assert f'<th scope="row">{kind}</th>' in html, kind
    for merchant in MERCHANTS:
        assert merchant.name not in html
    report = html.split('id="kept"', 1)[1].split('id="derived"', 1)[0]
    for code in ("payroll", "other_spending", "loan_repayment", "counterpartyKind", "t-00000"):
        assert code not in report, code
    assert "t-00000" not in html
    held_shape, _, held = _held_statement(app, me)
    assert held_shape == shape.value
    assert len(held["transactions"]) == len(persona(name).statement["transactions"])
    stored = _facts(app, me)
    derived = extract_statement(persona(name).statement)
    for fact in ("history_months", "rent_on_time_12m", "savings_balance", "debt_service_ratio"):
        assert stored[fact] == pytest.approx(derived[fact]), fact


def _bad_files():
    fdx = json.loads(persona_file("renter", Shape.FDX))
    euros = json.loads(json.dumps(fdx))
    euros["accounts"][0]["currency"] = {"currencyCode": "EUR"}
    typed = json.loads(json.dumps(fdx))
    typed["transactions"][0]["amount"] = "Lucky Star Casino"
    return {
        "empty": ("", b""),
        "json of no bank": ("", b'{"Lucky Star Casino": 1}'),
        "not ofx": ("", b"<OFX>Lucky Star Casino</OFX>"),
        "broken json named fdx": ("fdx", b'{"accounts": [Lucky Star Casino'),
        "a wrong type": ("", json.dumps(typed).encode()),
        "not USD": ("", json.dumps(euros).encode()),
        "open banking named fdx": ("fdx", persona_file("renter", Shape.OPEN_BANKING).encode()),
        "fdx named ofx": ("ofx", persona_file("renter", Shape.FDX).encode()),
        "not text": ("", bytes(range(256)) * 4),
        "nested past the decoder": ("", b"[" * 100_000),
    }


@pytest.mark.parametrize("case", list(_bad_files()))
def test_a_bad_file_is_a_plain_error_and_stores_nothing(app, client, me, case):
    shape, content = _bad_files()[case]
    before = _facts(app, me)
    answer = _post(client, "/connect/preview", EVERYTHING, file=("bank.json", content), shape=shape)
    assert answer.status_code == 302, case
    page = client.get("/connect").get_data(as_text=True)
    flashed = re.search(r'class="message error">(.*?)<', page, re.S)
    assert flashed, page[:3000]
    assert "Nothing was stored." in flashed.group(1)
    assert "Lucky Star" not in page
    assert "Traceback" not in page
    assert _facts(app, me) == before
    assert _statements(app, me) == 0


def test_the_upload_has_the_bank_data_limit_not_the_apps(tmp_path, sessions):
    # A bank's whole feed is larger than the app's 1 MiB limit; the page takes up to the
    # bank-data limit, and past it says so in plain words, with nothing stored.
    app = make_test_app(tmp_path, engine=sessions, max_bank_data_length=3_000_000)
    with session_factory(app)() as s, s.begin():
        subject_id = add_person(s, enrol=True)
    client = app.test_client()
    sign_in(app, client, subject_id)
    feed = json.loads(persona_file("renter", Shape.FDX))
    feed["transactions"] = [
        {**t, "transactionId": f"{t['transactionId']}-{k}", "description": "." * 2_000}
        for k in range(2)
        for t in feed["transactions"]
    ]
    big = json.dumps(feed).encode()
    assert app.config["MAX_CONTENT_LENGTH"] < len(big) < 3_000_000
    answer = _post(client, "/connect/preview", EVERYTHING, file=("big.json", big))
    assert answer.status_code == 200, client.get("/connect").get_data(as_text=True)
    assert "What was kept from your FDX file" in answer.get_data(as_text=True)
    huge = _post(client, "/connect/preview", EVERYTHING, file=("huge.ofx", b"x" * 3_000_001))
    assert huge.status_code == 302
    assert "larger than" in client.get("/connect").get_data(as_text=True)
    assert _statements(app, subject_id) == 0

"""Access and portability: the export holds everything about the person, and only them."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser

import pytest

from consent import gate, lifecycle, transparency
from consent.purposes import ENROLMENT_NOTICE, Purpose
from consent.receipts import verify_receipt
from scoring.contract import CONTRACT
from service.api.export import NOT_HELD, SECTIONS
from service.web.keys import consent_keys
from service.web.sessions import session_factory
from store.signing import SignatureInvalid
from tests.consent_fixtures import add_person, signed_in_headers
from tests.rights_fixtures import add_person_with_data, facts

ALL_CATEGORIES = sorted({f.category.value for f in CONTRACT})


def _export(client, subject_id, headers, suffix=""):
    response = client.get(f"/v1/subjects/{subject_id}/export{suffix}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


@pytest.fixture
def alice_and_bob(app):
    alice = add_person_with_data(app, offset=0, statement="March was paid <b>on time</b> & late")
    bob = add_person_with_data(app, offset=3, statement="Bob's statement, never Alice's")
    with session_factory(app)() as s, s.begin():
        for subject_id, _headers in (alice, bob):  # a logged read by the gate
            gate.authorize(
                s,
                keys=consent_keys(app),
                actor="subject",
                subject_id=subject_id,
                purpose=Purpose.parse("scoring"),
                categories=["rent"],
                what="facts",
            )
    return alice, bob


def test_the_export_holds_every_section(client, alice_and_bob):
    (alice, headers), _bob = alice_and_bob
    response = _export(client, alice, headers)
    assert response.mimetype == "application/json"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=fairfile-export-{today}.json"
    )
    assert response.headers["Cache-Control"] == "no-store"
    document = response.json
    names = [s.name for s in SECTIONS]
    assert set(document) == {"format", "generated_at", "contents", "not_held", *names}
    assert [c["section"] for c in document["contents"]] == names
    assert document["format"] == "fairfile-export/v1"
    assert {n["what"] for n in document["not_held"]} == {n.what for n in NOT_HELD}
    assert not {n.what for n in NOT_HELD} & set(names)

    assert document["subject"]["id"] == alice
    assert document["subject"]["origin"] == "synthetic"
    assert document["enrolment"]["notice_version"] == ENROLMENT_NOTICE.version
    values = {f["name"]: f["value"] for f in document["facts"]["values"]}
    assert values == facts(0)
    assert {f["name"] for f in document["facts"]["values"] if f["disputed"]} == {"rent_on_time_12m"}
    [dispute] = document["disputes"]
    assert dispute["statement"] == "March was paid <b>on time</b> & late"
    assert dispute["state"] == "open"
    consents = {c["purpose"]: c for c in document["consents"]}
    assert set(consents) == {"scoring", "share:acme-bank"}
    assert consents["share:acme-bank"]["state"] == "withdrawn"
    assert [e["kind"] for e in consents["share:acme-bank"]["history"]] == ["grant", "withdraw"]
    assert [e["kind"] for e in consents["scoring"]["history"]] == ["grant"]
    assert len(document["receipts"]) == 3
    kinds = sorted(e["kind"] for e in document["access_log"])
    assert kinds == ["access", "consent", "consent", "consent"]
    protected = document["audit_protected_attribute"]
    assert protected["group"] == "group_b"
    assert (protected["synthetic"], protected["audit_only"], protected["model_input"]) == (
        True,
        True,
        False,
    )
    assert "never a model input" in protected["note"]


def test_the_receipts_in_the_export_verify(app, client, alice_and_bob):
    (alice, headers), _bob = alice_and_bob
    document = _export(client, alice, headers).json
    public_keys = consent_keys(app).keyring.public_keys()
    pseudonym = consent_keys(app).pseudonyms.of(alice)
    history_receipts = {e["receipt_id"] for c in document["consents"] for e in c["history"]}
    assert {r["id"] for r in document["receipts"]} == history_receipts
    for receipt in document["receipts"]:
        signed = verify_receipt(receipt["envelope"], public_keys)
        assert signed["piiPrincipalId"] == pseudonym
        assert signed["consentReceiptID"] == receipt["id"]
    tampered = json.loads(json.dumps(document["receipts"][0]["envelope"]))
    tampered["document"]["fairfile"]["state"] = "withdrawn-by-nobody"
    with pytest.raises(SignatureInvalid):
        verify_receipt(tampered, public_keys)


def test_the_export_holds_nothing_of_another_person(app, client, alice_and_bob):
    (alice, headers), (bob, _bob_headers) = alice_and_bob
    text = _export(client, alice, headers).get_data(as_text=True)
    keys = consent_keys(app)
    with session_factory(app)() as s:
        bob_ids = [c.id for c in lifecycle.consents_of(s, bob)]
        bob_ids += [r.id for r in lifecycle.receipts_of(s, bob)]
    for secret in [bob, keys.pseudonyms.of(bob), "Bob's statement", *bob_ids]:
        assert secret not in text
    assert alice in text  # the check above would pass on an empty body otherwise


def test_every_export_is_written_to_the_access_log(app, client, alice_and_bob):
    (alice, headers), _bob = alice_and_bob
    _export(client, alice, headers)
    _export(client, alice, headers, ".html")
    pseudonym = consent_keys(app).pseudonyms.of(alice)
    with session_factory(app)() as s:  # a fresh session: the entries were committed
        leaves = [json.loads(e.leaf) for e in transparency.entries_about(s, pseudonym)]
    exports = [leaf for leaf in leaves if leaf.get("purpose") == "subject-access"]
    assert [leaf["what"] for leaf in exports] == ["export", "export.html"]
    for leaf in exports:
        assert leaf["type"] == "fairfile/access/v1"
        assert leaf["actor"] == "subject"
        assert leaf["consentIds"] == []
        assert leaf["subject"] == pseudonym
        assert leaf["categories"] == ALL_CATEGORIES
    later = _export(client, alice, headers).json
    logged = [e["entry"].get("what") for e in later["access_log"] if e["kind"] == "access"]
    assert logged == ["facts", "export", "export.html"]


class _Table(HTMLParser):
    """Collect the text of each row of the table with a given id."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in {"td", "th"}:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in {"td", "th"} and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def _rows(page: str, table_id: str) -> list[list[str]]:
    parser = _Table(table_id)
    parser.feed(page)
    return parser.rows[1:]  # without the header row


def _shown(value) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def test_the_html_rendering_shows_the_same_facts(client, alice_and_bob):
    (alice, headers), _bob = alice_and_bob
    document = _export(client, alice, headers).json
    response = _export(client, alice, headers, ".html")
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    expected = [
        [f["name"], _shown(f["value"]), f["unit"], f["category"], _shown(f["disputed"])]
        for f in document["facts"]["values"]
    ]
    assert _rows(page, "facts-table") == expected
    assert len(expected) == len(CONTRACT)
    [dispute] = _rows(page, "disputes-table")
    assert dispute[:2] == ["rent_on_time_12m", "March was paid <b>on time</b> & late"]
    assert "&lt;b&gt;on time&lt;/b&gt; &amp; late" in page  # escaped, never markup
    assert "Synthetic, audit-only, never a model input" in page
    for section in SECTIONS:
        assert f'<section id="{section.name}"' in page
    assert "<script" not in page
    assert "<link" not in page
    assert 'src="' not in page


def test_a_person_with_nothing_held_gets_an_export_that_says_so(app, client):
    with session_factory(app)() as s, s.begin():
        subject_id = add_person(s)
    headers = signed_in_headers(app, subject_id)
    document = _export(client, subject_id, headers).json
    assert document["facts"] is None
    assert document["audit_protected_attribute"] is None
    for name in ("consents", "receipts", "disputes", "decisions", "reviews", "access_log"):
        assert document[name] == [], name
    page = _export(client, subject_id, headers, ".html").get_data(as_text=True)
    # facts, bank statement, disputes, decisions, reviews, consents, receipts, protected
    # attribute; the access log now holds the JSON export just made.
    assert document["bank_statement"] is None
    assert page.count("Nothing is held.") == 8

"""Who may call what: every cell of docs/api.md's access table, asked of the running app.

The section "Who may call what" has a row per route (method and rule of ``app.url_map``,
HEAD and OPTIONS aside) and a column per caller. The test reads it and fails if a route
has no row or a row names no route, so no route ships without saying who may call it. It
then builds one world (two people, two lenders, a researcher and a regulator) and sends
each row's request as each caller, every call in a savepoint rolled back after it, so each
cell is asked of the same world and no call's effect (an erasure, a withdrawal, a spent
budget) reaches the next. A new route whose call needs a body, a query or an id of its own
says so in ``build_world``'s ``requests``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from consent import lifecycle, signin
from consent.analysts import AnalystScope
from consent.purposes import ENROLMENT_NOTICE, NOTICES, PurposeKind
from scoring.contract.models import put_facts
from scoring.ingest import put_statement
from service.api.bank_data import EXAMPLE_OFX
from service.ui.connect import sign_draft
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from synthetic import bank_statement
from synthetic.credit_file import AUDIT_ONLY, MAPPING, generate_credit_file
from tests.analyst_fixtures import analyst_headers
from tests.consent_fixtures import add_person, grant
from tests.decision_fixtures import add_model
from tests.lender_fixtures import FACTS, SCORING, SHARED, add_key

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
HEADING = "## Who may call what"
CALLERS = (
    "anonymous",
    "the person",
    "another person",
    "lender with a share",
    "lender without a share",
    "analyst",
    "regulator",
)
#: A ``—`` stands in these columns only: the row names nothing of the person's or of the
#: lender with a share, so these callers are answered as the column to their left.
SAME_AS = {"another person": "the person", "lender without a share": "lender with a share"}
CELL = re.compile(r"(?P<status>[1-5]\d\d)(?: (?P<location>/\S*))?(?P<refused> \(refused\))?")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
IDEMPOTENCY = {"Idempotency-Key": "access-table"}


@dataclass(frozen=True)
class Cell:
    """An answer: its status, where a redirect leads, and whether the UI flashed a refusal."""

    status: int
    location: str | None = None
    refused: bool = False

    def __str__(self) -> str:
        where = f" {self.location}" if self.location else ""
        return f"{self.status}{where}{' (refused)' if self.refused else ''}"


def _cell(text: str) -> Cell | None:
    if text == "—":
        return None
    match = CELL.fullmatch(text)
    assert match, f"{text!r} is no cell: a status, a redirect's path, '(refused)', or —"
    return Cell(int(match["status"]), match["location"], bool(match["refused"]))


def access_table() -> dict[str, dict[str, Cell | None]]:
    """Return the table of docs/api.md: ``"METHOD /path"`` to each caller's answer."""
    section = DOC.read_text().split(f"\n{HEADING}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == ["route", *CALLERS], header
    rows: dict[str, dict[str, Cell | None]] = {}
    for line in lines[2:]:
        route, *cells = (c.strip() for c in line.strip("|").split("|"))
        route = route.replace("`", "")
        assert route not in rows, f"two rows for {route}"
        row = dict(zip(CALLERS, map(_cell, cells), strict=True))
        for caller, cell in row.items():
            assert cell is not None or caller in SAME_AS, f"{route}: — for {caller}"
        assert (row["another person"] is None) == (row["lender without a share"] is None), (
            f"{route}: — for both callers whom the row names nothing of, or for neither"
        )
        rows[route] = row
    return rows


PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _braced(match: re.Match[str]) -> str:
    return "{" + match.group(1) + "}"


def routes_of(app: Flask) -> set[str]:
    """Return every route of the app as ``"METHOD /path"``, ``{name}`` for a parameter."""
    return {
        f"{method} {PARAMETER.sub(_braced, rule.rule)}"
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


@dataclass(frozen=True)
class Caller:
    """Who calls: the session cookie it carries (with a CSRF token) and its bearer token."""

    cookie: str
    csrf: str
    bearer: str | None = None
    person: bool = False  # a person's token goes to the JSON API; the UI uses the cookie

    def headers(self, path: str) -> dict[str, str]:
        if self.bearer is None or (self.person and not path.startswith("/v1/")):
            return {}
        return {"Authorization": f"Bearer {self.bearer}"}


@dataclass(frozen=True)
class Request:
    """What a row's call sends besides the caller's credentials."""

    json: Any = None
    form: dict[str, Any] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class World:
    """What the rows' paths name, what each row sends, and who calls."""

    params: dict[str, Any]
    requests: dict[str, Request]
    callers: dict[str, Caller]


def _enrolled_person(app: Flask, *, shares_with: str | None) -> str:
    """A person with facts and scoring and statistics consents (and perhaps a share)."""
    keys = consent_keys(app)
    with session_factory(app)() as s, s.begin():
        subject_id = add_person(s)
        put_facts(s, vault=vault(app), subject_id=subject_id, facts=FACTS)
        put_statement(
            s, vault=vault(app), subject_id=subject_id, shape="fdx", statement=bank_statement("x")
        )
        grant(s, keys, subject_id, "scoring", categories=SCORING)
        grant(s, keys, subject_id, "statistics", categories=SCORING)
        if shares_with is not None:
            grant(s, keys, subject_id, f"share:{shares_with}", categories=SHARED)
    return subject_id


def _caller(app: Flask, *, ui_token: str | None = None, **kw: Any) -> Caller:
    client = app.test_client()
    if ui_token is not None:
        with client.session_transaction() as cookie:
            cookie["subject_token"] = ui_token
    match = TOKEN.search(client.get("/sign-in").get_data(as_text=True))
    assert match, "no CSRF token on /sign-in"
    session_cookie = client.get_cookie("session")
    assert session_cookie is not None
    return Caller(cookie=session_cookie.value, csrf=match.group(1), **kw)


def _key(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _tree_size(client: Any) -> int:
    """Sequence the log and sign a head; return its size."""
    head = client.get("/v1/log/tree-head")
    assert head.status_code == 200, head.json
    size: int = head.json["document"]["treeSize"]
    return size


def build_world(app: Flask) -> World:
    """Two people, two lenders, a researcher and a regulator, and what the rows name."""
    key_a, key_b = add_key(app, "lender-a"), add_key(app, "lender-b")
    with session_factory(app)() as s, s.begin():
        add_model(s)
        waiting = add_person(s, enrol=False)  # for the sandbox's demo sign-in
        put_facts(s, vault=vault(app), subject_id=waiting, facts=FACTS)
    person = _enrolled_person(app, shares_with="lender-a")
    other = _enrolled_person(app, shares_with=None)
    with session_factory(app)() as s, s.begin():
        tokens = {
            who: (
                signin.issue_token(s, subject_id=who),
                signin.issue_token(s, subject_id=who, kind="ui"),
            )
            for who in (person, other)
        }
        link_secret = signin.issue_link(s, subject_id=person)
        share = next(c for c in lifecycle.consents_of(s, person) if c.purpose == "share:lender-a")
        receipt = lifecycle.receipts_of(s, person)[0]
    statistics_scopes = [AnalystScope.STATISTICS_RELEASE, AnalystScope.STATISTICS_READ]
    researcher = _key(analyst_headers(app, "lab", scopes=statistics_scopes))
    regulator = _key(analyst_headers(app, "regulator", role="regulator"))

    client = app.test_client()
    first_size = _tree_size(client)
    lender_a = {"Authorization": f"Bearer {key_a}"}
    asked = client.post(
        f"/v1/lender/subjects/{person}/decisions",
        json={},
        headers={**lender_a, "Idempotency-Key": "the-decision"},
    )
    assert asked.status_code == 201, asked.json
    credit_file = generate_credit_file(300, seed=4).write_csv()
    training = {"data": credit_file, "mapping": MAPPING, "epsilon": 1.0}
    trained = client.post("/v1/lender/models", json=training, headers=lender_a)
    assert trained.status_code == 201, trained.json
    tree_size = _tree_size(client)

    share_notice = NOTICES[PurposeKind.SHARE].version
    applicant = generate_credit_file(1, seed=99, outcome=False).drop(AUDIT_ONLY).to_dicts()[0]
    statistic = {"statistic": "count", "epsilon": "0.1"}
    statement = {"statement": "The March overdraft was a bank error."}
    dispute = {"feature": "rent_on_time_12m", "statement": "I paid every month."}
    lender_model = {"version": trained.json["version"]}
    with app.app_context():  # what the person's preview signed: another's is refused
        draft = sign_draft(
            subject_id=person,
            shape="fdx",
            categories=["bank_cashflow", "income"],
            statement=bank_statement("x"),
        )
    requests = {
        "GET /docs/static/{filename}": Request(params={"filename": "none.css"}),
        "GET /docs/swagger/{filename}": Request(params={"filename": "css/swagger-ui.css"}),
        "GET /static/{filename}": Request(params={"filename": "ui.css"}),
        "POST /sign-in/link": Request(form={"subject_id": person}),
        "POST /sign-in/redeem": Request(form={"secret": link_secret}),
        "POST /enrol": Request(form={"agree": "yes", "notice_version": ENROLMENT_NOTICE.version}),
        "POST /consents/grant": Request(
            form={"purpose": "share:lender-b", "categories": "rent", "notice_version": share_notice}
        ),
        "POST /connect/preview": Request(form={"categories": ["bank_cashflow", "income"]}),
        "POST /connect/use": Request(form={"draft": draft}),
        "POST /score/{decision_id}/review": Request(form=statement),
        "POST /facts/dispute": Request(form=dispute),
        "POST /my-data/erase": Request(form={"confirm": "yes"}),
        "POST /v1/contract/check": Request(json={"facts": {"history_months": 12}}),
        "GET /v1/log/entries/{entry_id}/inclusion-proof": Request(query={"tree_size": tree_size}),
        "GET /v1/log/consistency-proof": Request(query={"first": first_size, "second": tree_size}),
        "POST /v1/sign-in-links": Request(json={"subject_id": person}),
        "POST /v1/tokens": Request(json={"link_secret": link_secret}),
        "POST /v1/subjects/{subject_id}/enrolment": Request(
            json={"notice_version": ENROLMENT_NOTICE.version}
        ),
        "POST /v1/subjects/{subject_id}/consents": Request(
            json={
                "purpose": "share:lender-b",
                "categories": ["rent"],
                "notice_version": share_notice,
            }
        ),
        "POST /v1/subjects/{subject_id}/consents/{consent_id}/renewals": Request(
            json={"notice_version": share_notice}
        ),
        "GET /v1/subjects/{subject_id}/facts": Request(query={"purpose": "scoring"}),
        "POST /v1/subjects/{subject_id}/decisions": Request(json={}),
        "POST /v1/subjects/{subject_id}/bank-data": Request(json={"ofx": EXAMPLE_OFX}),
        "POST /v1/lender/subjects/{subject_id}/bank-data": Request(json={"ofx": EXAMPLE_OFX}),
        "POST /v1/subjects/{subject_id}/decisions/{decision_id}/reviews": Request(json=statement),
        "POST /v1/subjects/{subject_id}/disputes": Request(json=dispute),
        "POST /v1/lender/subjects/{subject_id}/decisions": Request(json={}, headers=IDEMPOTENCY),
        "POST /v1/lender/subjects/{subject_id}/decisions/{decision_id}/reviews": Request(
            json=statement
        ),
        "POST /v1/lender/statistics": Request(json=statistic),
        "POST /v1/lender/models": Request(json=training),
        "GET /v1/lender/models/{version}": Request(params=lender_model),
        "POST /v1/lender/models/{version}/explanations": Request(
            json={"record": applicant}, params=lender_model
        ),
        "POST /v1/statistics": Request(json=statistic),
    }
    params = {
        "subject_id": person,
        "consent_id": share.id,
        "receipt_id": receipt.id,
        "decision_id": asked.json["id"],
        "version": 1,  # the platform's model; a lender's own model is named above
        "entry_id": receipt.log_entry_id,
        "tree_size": tree_size,
        "slug": "validation",
    }
    callers = {
        "anonymous": _caller(app),
        "the person": _caller(
            app, ui_token=tokens[person][1], bearer=tokens[person][0], person=True
        ),
        "another person": _caller(
            app, ui_token=tokens[other][1], bearer=tokens[other][0], person=True
        ),
        "lender with a share": _caller(app, bearer=key_a),
        "lender without a share": _caller(app, bearer=key_b),
        "analyst": _caller(app, bearer=researcher),
        "regulator": _caller(app, bearer=regulator),
    }
    return World(params=params, requests=requests, callers=callers)


def ask(app: Flask, world: World, route: str, caller: Caller) -> Cell:
    """Send ``route``'s request as ``caller``; return the answer as a cell."""
    method, rule = route.split(" ", 1)
    request = world.requests.get(route, Request())
    params = {**world.params, **request.params}
    path = re.sub(r"\{([^}]+)\}", lambda m: str(params[m.group(1)]), rule)
    client = app.test_client()
    client.set_cookie("session", caller.cookie)
    kw: dict[str, Any] = {}
    if not path.startswith("/v1/") and method == "POST":
        kw["data"] = {"csrf_token": caller.csrf, **(request.form or {})}
    elif request.json is not None:
        kw["json"] = request.json
    response = client.open(
        path,
        method=method,
        headers={**caller.headers(path), **request.headers},
        query_string=request.query,
        **kw,
    )
    response.close()
    if not 300 <= response.status_code < 400:
        return Cell(response.status_code)
    with client.session_transaction() as cookie:
        flashed = [category for category, _text in cookie.get("_flashes", [])]
    location = urlsplit(response.headers["Location"]).path
    return Cell(response.status_code, location, "error" in flashed)


def test_every_route_has_a_row_and_every_cell_is_what_the_app_answers(app, connection, monkeypatch):
    # Closing an erasure's answer runs SQLite's WAL checkpoint, which cannot run inside
    # this test's transaction; tests/test_erasure.py runs it on a live database.
    # Both erasure routes (API and page) reclaim through ``service.api.erased.reclaim``.
    monkeypatch.setattr("service.api.erased.reclaim", lambda _factory: None)
    table = access_table()
    routes = routes_of(app)
    unlisted, unknown = sorted(routes - table.keys()), sorted(table.keys() - routes)
    assert not unlisted, f"routes with no row in docs/api.md's table: {unlisted}"
    assert not unknown, f"rows of docs/api.md's table that are no route: {unknown}"
    world = build_world(app)
    wrong = []
    for route, row in table.items():
        for caller, cell in row.items():
            savepoint = connection.begin_nested()
            try:
                answer = ask(app, world, route, world.callers[caller])
            finally:
                savepoint.rollback()
            wanted = cell if cell is not None else row[SAME_AS[caller]]
            if answer != wanted:
                said = cell or f"— (as {SAME_AS[caller]}: {wanted})"
                wrong.append(f"{route}, {caller}: the table says {said}, the app {answer}")
    assert not wrong, "\n".join(wrong)

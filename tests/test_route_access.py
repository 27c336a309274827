"""Every route that names a person is self-service, behind the consent gate, or a lender's.

The test walks the app's URL map, so a route added later falls under it automatically: a
route with ``<subject_id>`` and no mark fails here, and so does any route under
``/v1/lender`` without the lender mark. Self-service routes must answer 401 to nobody and
404 to anybody else; gated routes must answer when the person has consented and refuse,
with no data, once every consent is withdrawn; lender routes must answer 401 without a
key, and 404 for a person who did not share with the calling lender (even one who shares
with another lender), exactly as for nobody at all.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from consent import lifecycle
from consent.lenders import LenderScope, ensure_lender
from consent.purposes import NOTICES, Purpose
from scoring.contract import CONTRACT
from scoring.contract.models import put_facts
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from tests.conftest import make_test_app
from tests.consent_fixtures import add_lender, add_person, signed_in_headers
from tests.decision_fixtures import add_model
from tests.lender_fixtures import add_key

ALL = ["rent", "utilities", "telecom", "bank_cashflow", "income", "bureau"]
PURPOSES = ["scoring", "training", "statistics", "share:acme-bank"]
SENTINEL_VALUE = 7


LENDER_PREFIX = "/v1/lender/"


def _routes():
    app = make_test_app(Path(tempfile.mkdtemp(prefix="fairfile-route-scan-")))
    routes = []
    for rule in app.url_map.iter_rules():
        if "subject_id" not in rule.arguments and not rule.rule.startswith(LENDER_PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.rule, method, getattr(view, "fairfile_access", None), view))
    return routes


ALL_ROUTES = _routes()
ROUTES = [r for r in ALL_ROUTES if not r[0].startswith(LENDER_PREFIX)]
LENDER_ROUTES = [r for r in ALL_ROUTES if r[0].startswith(LENDER_PREFIX)]
IDS = [f"{method} {rule}" for rule, method, _kind, _view in ROUTES]
LENDER_IDS = [f"{method} {rule}" for rule, method, _kind, _view in LENDER_ROUTES]


def add_sharer_consent(app, subject_id: str) -> None:
    """Let ``subject_id`` share everything with lender-b (never with lender-a)."""
    with session_factory(app)() as s, s.begin():
        ensure_lender(s, name="Lender B", lender_id="lender-b")
        lifecycle.grant(
            s,
            keys=consent_keys(app),
            subject_id=subject_id,
            purpose=Purpose.parse("share:lender-b"),
            categories=ALL,
            notice_version=NOTICES[Purpose.parse("share:lender-b").kind].version,
            channel="api",
        )


def _url(rule: str, subject_id: str, view) -> str:
    url = rule.replace("<subject_id>", subject_id)
    for name in ("consent_id", "receipt_id", "decision_id"):
        url = url.replace(f"<{name}>", "00000000-0000-4000-8000-000000000000")
    return url


def _facts() -> dict[str, float]:
    values = {}
    for feature in CONTRACT:
        low = feature.lower if feature.lower > 0 else min(SENTINEL_VALUE, feature.upper)
        values[feature.name] = int(low) if feature.kind == "int" else float(low)
    return values


def _call(client, method, url, view, **kw):
    body = getattr(view, "fairfile_example_body", None)
    if body is not None:
        kw["json"] = body
    return getattr(client, method.lower())(url, **kw)


@pytest.fixture
def consenting(app):
    keys = consent_keys(app)
    with session_factory(app)() as s, s.begin():
        add_model(s)
        add_lender(s)
        subject_id = add_person(s)
        put_facts(s, vault=vault(app), subject_id=subject_id, facts=_facts())
        for purpose in PURPOSES:
            parsed = Purpose.parse(purpose)
            lifecycle.grant(
                s,
                keys=keys,
                subject_id=subject_id,
                purpose=parsed,
                categories=ALL,
                notice_version=NOTICES[parsed.kind].version,
                channel="api",
            )
    return subject_id, signed_in_headers(app, subject_id)


def test_the_scan_found_routes_of_both_kinds():
    kinds = {kind for _rule, _method, kind, _view in ROUTES}
    assert {"self", "gated"} <= kinds


@pytest.mark.parametrize(("rule", "method", "kind", "view"), ROUTES, ids=IDS)
def test_every_subject_route_is_marked(rule, method, kind, view):
    assert kind in {"self", "gated"}, f"{method} {rule} is neither self-service nor gated"


def test_the_scan_found_lender_routes_with_and_without_a_person():
    assert any("<subject_id>" in r[0] for r in LENDER_ROUTES)
    assert any("<subject_id>" not in r[0] for r in LENDER_ROUTES)


@pytest.mark.parametrize(("rule", "method", "kind", "view"), LENDER_ROUTES, ids=LENDER_IDS)
def test_every_lender_route_carries_the_lender_mark(rule, method, kind, view):
    assert kind == "lender", f"{method} {rule} lacks the lender mark"
    assert view.fairfile_scope in {*LenderScope, None}


@pytest.mark.parametrize(("rule", "method", "kind", "view"), LENDER_ROUTES, ids=LENDER_IDS)
def test_lender_routes_need_a_key_and_hide_people_who_did_not_share(
    app, client, consenting, rule, method, kind, view
):
    subject_id, _headers = consenting  # shares with acme-bank, not with lender-a
    with session_factory(app)() as s, s.begin():
        sharer_with_b = add_person(s)
    add_sharer_consent(app, sharer_with_b)
    key = add_key(app, "lender-a")
    body = {} if method == "POST" else None
    for person in (subject_id, sharer_with_b, "00000000-0000-4000-8000-00000000beef"):
        url = _url(rule, person, view)
        kw = {"json": body} if body is not None else {}
        assert getattr(client, method.lower())(url, **kw).status_code == 401
        if "<subject_id>" not in rule:
            break
        response = getattr(client, method.lower())(
            url, headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "k"}, **kw
        )
        assert response.status_code == 404, (url, response.json)
        assert response.mimetype == "application/problem+json"
        assert response.json["title"] == "Not Found"


@pytest.mark.parametrize(("rule", "method", "kind", "view"), ROUTES, ids=IDS)
def test_nobody_is_unauthorised_and_others_find_nothing(
    app, client, consenting, rule, method, kind, view
):
    subject_id, _headers = consenting
    with session_factory(app)() as s, s.begin():
        other = add_person(s)
    url = _url(rule, subject_id, view)
    query = getattr(view, "fairfile_example_query", {})
    assert _call(client, method, url, view, query_string=query).status_code == 401
    response = _call(
        client, method, url, view, query_string=query, headers=signed_in_headers(app, other)
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


GATED = [r for r in ROUTES if r[2] == "gated"]


@pytest.mark.parametrize(
    ("rule", "method", "kind", "view"), GATED, ids=[f"{m} {r}" for r, m, _k, _v in GATED]
)
def test_gated_routes_refuse_once_consent_is_withdrawn(
    app, client, consenting, rule, method, kind, view
):
    subject_id, headers = consenting
    url = _url(rule, subject_id, view)
    query = view.fairfile_example_query
    allowed = _call(client, method, url, view, query_string=query, headers=headers)
    assert allowed.status_code == (201 if method == "POST" else 200), allowed.json
    # the read was committed to the transparency log, even though it was a GET
    log = client.get(f"/v1/subjects/{subject_id}/access-log", headers=headers).json["entries"]
    assert [e["kind"] for e in log].count("access") >= 1
    keys = consent_keys(app)
    with session_factory(app)() as s, s.begin():
        for consent in lifecycle.consents_of(s, subject_id):
            lifecycle.withdraw(
                s, keys=keys, subject_id=subject_id, consent_id=consent.id, channel="api"
            )
    refused = _call(client, method, url, view, query_string=query, headers=headers)
    assert refused.status_code == 403
    assert refused.json["type"].endswith("/problems/consent-missing")
    assert "facts" not in refused.json
    assert '"value"' not in refused.get_data(as_text=True)

"""Every route that names a person is either self-service or behind the consent gate.

The test walks the app's URL map, so a route added later falls under it automatically: a
route with ``<subject_id>`` and neither mark fails here. Self-service routes must answer
401 to nobody and 404 to anybody else; gated routes must answer when the person has
consented and refuse, with no data, once every consent is withdrawn.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from consent import lifecycle
from consent.purposes import NOTICES, Purpose
from scoring.contract import CONTRACT
from scoring.models import put_facts
from service.keys import consent_keys, vault
from service.sessions import session_factory
from tests.conftest import make_test_app
from tests.consent_fixtures import add_lender, add_person, signed_in_headers

ALL = ["rent", "utilities", "telecom", "bank_cashflow", "income", "bureau"]
PURPOSES = ["scoring", "training", "statistics", "share:acme-bank"]
SENTINEL_VALUE = 7


def _subject_routes():
    app = make_test_app(Path(tempfile.mkdtemp(prefix="fairfile-route-scan-")))
    routes = []
    for rule in app.url_map.iter_rules():
        if "subject_id" not in rule.arguments:
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.rule, method, getattr(view, "fairfile_access", None), view))
    return routes


ROUTES = _subject_routes()
IDS = [f"{method} {rule}" for rule, method, _kind, _view in ROUTES]


def _url(rule: str, subject_id: str, view) -> str:
    url = rule.replace("<subject_id>", subject_id)
    for name in ("consent_id", "receipt_id"):
        url = url.replace(f"<{name}>", "00000000-0000-4000-8000-000000000000")
    return url


def _facts() -> dict[str, float]:
    values = {}
    for feature in CONTRACT:
        low = feature.lower if feature.lower > 0 else min(SENTINEL_VALUE, feature.upper)
        values[feature.name] = int(low) if feature.kind == "int" else float(low)
    return values


@pytest.fixture
def consenting(app):
    keys = consent_keys(app)
    with session_factory(app)() as s, s.begin():
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


@pytest.mark.parametrize(("rule", "method", "kind", "view"), ROUTES, ids=IDS)
def test_nobody_is_unauthorised_and_others_find_nothing(
    app, client, consenting, rule, method, kind, view
):
    subject_id, _headers = consenting
    with session_factory(app)() as s, s.begin():
        other = add_person(s)
    url = _url(rule, subject_id, view)
    query = getattr(view, "fairfile_example_query", {})
    call = getattr(client, method.lower())
    assert call(url, query_string=query).status_code == 401
    response = call(url, query_string=query, headers=signed_in_headers(app, other))
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
    call = getattr(client, method.lower())
    allowed = call(url, query_string=query, headers=headers)
    assert allowed.status_code == 200, allowed.json
    # the read was committed to the transparency log, even though it was a GET
    log = client.get(f"/v1/subjects/{subject_id}/access-log", headers=headers).json["entries"]
    assert [e["kind"] for e in log].count("access") >= 1
    keys = consent_keys(app)
    with session_factory(app)() as s, s.begin():
        for consent in lifecycle.consents_of(s, subject_id):
            lifecycle.withdraw(
                s, keys=keys, subject_id=subject_id, consent_id=consent.id, channel="api"
            )
    refused = call(url, query_string=query, headers=headers)
    assert refused.status_code == 403
    assert refused.json["type"].endswith("/problems/consent-missing")
    assert "facts" not in refused.json
    assert '"value"' not in refused.get_data(as_text=True)

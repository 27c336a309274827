"""Hostile input gets a clear problem and touches nothing: nesting, odd ids, lax types.

Each test makes the attacker's move against the real app (both engines in CI): a body
nested a hundred thousand levels deep, an id with a NUL byte on a lender route (a driver
error on PostgreSQL before it was validated), ``true`` or ``"20"`` where a number of days
or points belongs.
"""

from __future__ import annotations

import pytest

from consent.purposes import NOTICES, PurposeKind
from tests.analyst_fixtures import analyst_headers
from tests.consent_fixtures import add_person, signed_in_headers
from tests.lender_fixtures import make_world

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == PROBLEM
    return response.get_json()


@pytest.mark.parametrize("depth", [33, 5_000, 200_000])
def test_a_deeply_nested_body_is_a_400_on_any_route(app, client, session, depth):
    subject = add_person(session)
    session.commit()
    signed_in = signed_in_headers(app, subject)
    analyst = analyst_headers(app)
    body = "[" * depth + "]" * depth
    for path, headers in (
        ("/v1/contract/check", {}),
        ("/v1/statistics", analyst),
        (f"/v1/subjects/{subject}/consents", signed_in),
    ):
        answer = client.post(path, data=body, content_type="application/json", headers=headers)
        problem = _problem(answer, 400)
        assert problem["type"].endswith("/malformed-json")
        expected = "nests deeper than 32" if depth < 500 else "could not be parsed"
        assert expected in problem["detail"]


def test_a_body_just_within_the_nesting_limit_reaches_validation(client):
    nested: object = 1
    for _ in range(30):  # with the body's object and "facts": 32 levels
        nested = [nested]
    answer = client.post("/v1/contract/check", json={"facts": {"x": nested}})
    assert answer.status_code == 422  # parsed, then refused by the contract


def test_a_nul_byte_or_odd_id_on_a_lender_route_is_the_plain_404(app, client):
    world = make_world(app)
    for bad in ("%00", "ab%00cd", "x" * 37, "%E2%80%AE", "ABC"):
        for method, path in (
            ("post", f"/v1/lender/subjects/{bad}/decisions"),
            ("get", f"/v1/lender/subjects/{bad}/decisions"),
            ("get", f"/v1/lender/subjects/{bad}/decisions/abc"),
        ):
            headers = world.headers(**({"Idempotency-Key": "k-1"} if method == "post" else {}))
            answer = getattr(client, method)(
                path, json={} if method == "post" else None, headers=headers
            )
            _problem(answer, 404)
    # and the real person still works
    ok = client.get(f"/v1/lender/subjects/{world.subject_a}/decisions", headers=world.headers())
    assert ok.status_code == 200


@pytest.mark.parametrize("days", [True, "20", 20.0, "365"])
def test_integer_fields_take_integers_only(app, client, session, days):
    subject = add_person(session)
    session.commit()
    headers = signed_in_headers(app, subject)
    notice = NOTICES[PurposeKind.SCORING].version
    answer = client.post(
        f"/v1/subjects/{subject}/consents",
        json={
            "purpose": "scoring",
            "categories": ["bank_cashflow"],
            "notice_version": notice,
            "duration_days": days,
        },
        headers=headers,
    )
    problem = _problem(answer, 422)
    assert "duration_days" in str(problem)
    listed = client.get(f"/v1/subjects/{subject}/consents", headers=headers).get_json()
    assert listed["consents"] == []  # nothing half-written


@pytest.mark.parametrize("cut_off", [True, "550", 550.5])
def test_a_lender_decision_refuses_a_lax_cut_off(app, client, cut_off):
    world = make_world(app)
    answer = client.post(
        f"/v1/lender/subjects/{world.subject_a}/decisions",
        json={"cut_off": cut_off},
        headers=world.headers(**{"Idempotency-Key": "k-2"}),
    )
    _problem(answer, 422)
    listed = client.get(f"/v1/lender/subjects/{world.subject_a}/decisions", headers=world.headers())
    assert listed.get_json()["decisions"] == []


def test_a_url_over_the_limit_is_a_414_problem_before_anything_else(client):
    from service.web.errors import MAX_URL_BYTES

    long_id = "a" * MAX_URL_BYTES
    for path in (f"/v1/lender/subjects/{long_id}/decisions", f"/v1/contract?x={long_id}"):
        problem = _problem(client.get(path), 414)
        assert long_id not in str(problem)  # the URL is not repeated back
        assert str(MAX_URL_BYTES) in problem["detail"]
    assert client.get("/v1/contract?x=" + "a" * 100).status_code == 200


def test_a_person_cannot_get_a_signed_explanation_naming_a_lender(app, client, session):
    from tests.lender_fixtures import make_world

    world = make_world(app)
    headers = signed_in_headers(app, world.subject_a)
    url = f"/v1/subjects/{world.subject_a}/decisions"
    for named in ("lender-a", "lender-b", "no-such-bank"):
        refused = client.post(url, json={"lender": named}, headers=headers)
        problem = _problem(refused, 422)
        assert "lender" in str(problem["errors"])
    assert client.get(url, headers=headers).get_json()["decisions"] == []  # nothing made
    own = client.post(url, json={}, headers=headers)
    assert own.status_code == 201, own.get_json()
    assert own.get_json()["explanation"]["document"]["lender"] is None
    # and a lender's own request is signed with its name: the key's, never a chosen one
    asked = client.post(
        f"/v1/lender/subjects/{world.subject_a}/decisions",
        json={"cut_off": 550},
        headers=world.headers(**{"Idempotency-Key": "k-3"}),
    )
    assert asked.status_code == 201, asked.get_json()
    mine = client.get(f"{url}/{asked.get_json()['id']}", headers=headers).get_json()
    assert mine["explanation"]["document"]["lender"] == "lender-a"


def test_a_nul_byte_or_odd_id_on_a_page_is_a_404_before_any_query(app, client, session):
    from tests.test_ui import csrf, sign_in

    subject = add_person(session)
    session.commit()
    sign_in(app, client, subject)
    for bad in ("%00", "ab%00cd", "x" * 37, "ABC"):
        token = csrf(client, "/consents")
        for method, path in (
            ("post", f"/consents/{bad}/renew"),
            ("post", f"/consents/{bad}/withdraw"),
            ("get", f"/consents/receipts/{bad}.json"),
            ("post", f"/score/{bad}/review"),
        ):
            data = {"csrf_token": token, "statement": "look again"} if method == "post" else None
            answer = getattr(client, method)(path, data=data)
            assert answer.status_code == 404, (path, answer.status_code)

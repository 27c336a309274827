"""Rate limits: per lender key on lender routes, per address elsewhere; 429 is a problem."""

from __future__ import annotations

import pytest

from tests.conftest import make_test_app
from tests.lender_fixtures import add_key


@pytest.fixture
def tight_app(tmp_path, sessions):
    return make_test_app(
        tmp_path, engine=sessions, rate_limit_lender="2/minute", rate_limit_per_ip="3/minute"
    )


def test_each_lender_key_has_its_own_limit_and_429_is_a_problem(tight_app):
    client = tight_app.test_client()
    first = {"Authorization": f"Bearer {add_key(tight_app, 'lender-a')}"}
    second = {"Authorization": f"Bearer {add_key(tight_app, 'lender-b')}"}
    answers = [client.get("/v1/lender/me", headers=first) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "2"
    assert answers[0].headers["X-RateLimit-Remaining"] == "1"
    refused = answers[2]
    assert refused.mimetype == "application/problem+json"
    assert refused.json["type"].endswith("/problems/rate-limited")
    assert refused.json["status"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert client.get("/v1/lender/me", headers=second).status_code == 200


def test_without_a_key_the_address_is_limited_and_health_is_exempt(tight_app):
    client = tight_app.test_client()
    codes = [client.get("/v1/notices").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/healthz").status_code == 200
    elsewhere = client.get("/v1/notices", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 200


def test_a_lenders_refused_calls_count_too(tight_app):
    client = tight_app.test_client()
    key = {"Authorization": f"Bearer {add_key(tight_app, 'lender-a')}"}
    nobody = "/v1/lender/subjects/00000000-0000-4000-8000-000000000000/decisions"
    assert [client.get(nobody, headers=key).status_code for _ in range(3)] == [404, 404, 429]


def test_a_lender_statistic_works_on_a_real_file_database(tmp_path, live_engine):
    # Only a database whose transactions really lock shows whether the charge (its own
    # transaction) can begin while the request's transaction is open.
    app = make_test_app(tmp_path, engine=live_engine)
    key = add_key(app, "lender-a")
    response = app.test_client().post(
        "/v1/lender/statistics",
        json={"statistic": "count", "epsilon": "1"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.json

"""Every error is RFC 9457 problem+json, never a 500 for bad input, never a stack trace.

The probe endpoints below are registered only in these tests: they give the error
machinery a JSON endpoint with a validated body, a write, and a crash to act on.
"""

from __future__ import annotations

import pytest
from flask_openapi3 import APIBlueprint
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from service.web.errors import DOMAIN_PROBLEMS
from service.web.sessions import db
from store import Subject
from store.errors import InternalBug, Refusal

PROBLEM = "application/problem+json"
probe = APIBlueprint("probe", __name__, url_prefix="/v1/probe")


class ProbeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    origin: str = Field(max_length=16)
    count: int = Field(ge=0, le=10)


@probe.post("/subjects")
def create(body: ProbeBody):
    db().add(Subject(origin=body.origin))
    return {"ok": True}, 201


@probe.post("/subjects-then-fail")
def create_then_fail(body: ProbeBody):
    db().add(Subject(origin=body.origin))
    db().flush()
    raise RuntimeError("internal detail that must not leak: /srv/secret.py line 7")


@pytest.fixture
def api(app):
    app.register_api(probe)
    return app.test_client()


def _count(sessions):
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Subject))


def test_valid_write_is_committed(api, sessions):
    response = api.post("/v1/probe/subjects", json={"origin": "synthetic", "count": 1})
    assert response.status_code == 201
    assert _count(sessions) == 1


def test_malformed_json_is_400(api, sessions):
    response = api.post(
        "/v1/probe/subjects", data=b'{"origin": "x",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert response.json["title"] == "The request body is not valid JSON"
    assert response.json["type"].endswith("/problems/malformed-json")
    assert _count(sessions) == 0


def test_body_over_the_limit_is_413(api, sessions):
    body = b'{"origin": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    response = api.post("/v1/probe/subjects", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == PROBLEM
    assert _count(sessions) == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_415(api, content_type):
    response = api.post(
        "/v1/probe/subjects", data=b'{"origin": "x", "count": 1}', content_type=content_type
    )
    assert response.status_code == 415
    assert response.mimetype == PROBLEM


def test_unknown_route_is_404(client):
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    assert response.json["status"] == 404
    assert response.json["type"] == "about:blank"


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.mimetype == PROBLEM
    assert "GET" in response.headers["Allow"]


def test_unknown_and_invalid_fields_are_422_with_pointers(api, sessions):
    response = api.post(
        "/v1/probe/subjects", json={"origin": "x", "count": 987654321, "is_admin": True}
    )
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    pointers = {e["pointer"] for e in response.json["errors"]}
    assert pointers == {"#/count", "#/is_admin"}
    assert "987654321" not in response.get_data(as_text=True)
    assert _count(sessions) == 0


def test_crash_is_a_generic_500_and_rolls_back(app, sessions):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.register_api(probe)
    response = app.test_client().post(
        "/v1/probe/subjects-then-fail", json={"origin": "x", "count": 1}
    )
    assert response.status_code == 500
    assert response.mimetype == PROBLEM
    text = response.get_data(as_text=True)
    assert "secret" not in text
    assert "Traceback" not in text
    assert response.json["request_id"] == response.headers["X-Request-ID"]
    assert _count(sessions) == 0


def test_problem_types_are_documented(client):
    listed = client.get("/problems").json
    assert {"malformed-json", "validation"} <= {p["type"] for p in listed}
    one = client.get("/problems/validation")
    assert one.status_code == 200
    assert one.json["status"] == 422
    assert client.get("/problems/none-such").status_code == 404


def test_every_mapped_error_is_a_refusal_or_a_bug():
    # service.web.errors adds problem_extensions only from a Refusal; an InternalBug has none.
    for error in DOMAIN_PROBLEMS:
        assert issubclass(error, Refusal | InternalBug), error

"""Every answer carries its security headers: nosniff, no-store, a CSP for what it is."""

from __future__ import annotations

import pytest

from service.web.headers import DATA_CSP, PAGE_CSP
from service.web.openapi import DOCS_CSP
from tests.consent_fixtures import add_person, signed_in_headers


@pytest.fixture
def person(app, session):
    subject_id = add_person(session)
    session.commit()
    return subject_id, signed_in_headers(app, subject_id)


def test_json_problems_and_pages_each_carry_their_headers(client, person):
    subject_id, headers = person
    answers = {
        "a person's data (JSON)": (
            client.get(f"/v1/subjects/{subject_id}/consents", headers=headers),
            DATA_CSP,
        ),
        "a problem": (client.get("/v1/no-such-route"), DATA_CSP),
        "a 401 problem": (client.get(f"/v1/subjects/{subject_id}/consents"), DATA_CSP),
        "a person's export page": (
            client.get(f"/v1/subjects/{subject_id}/export.html", headers=headers),
            PAGE_CSP,
        ),
        "a problem type": (client.get("/problems/validation"), DATA_CSP),
        "the UI's sign-in page": (client.get("/sign-in"), PAGE_CSP),
        "the API docs": (client.get("/docs/swagger"), DOCS_CSP),
        "the OpenAPI document": (client.get("/openapi.json"), DATA_CSP),
    }
    for what, (answer, csp) in answers.items():
        assert answer.status_code < 500, what
        assert answer.headers["X-Content-Type-Options"] == "nosniff", what
        assert answer.headers["Referrer-Policy"] == "no-referrer", what
        assert answer.headers["Cache-Control"] == "no-store", what
        assert answer.headers["Content-Security-Policy"] == csp, what
    public = client.get("/v1/contract")  # public data may say how long to cache it
    assert public.headers["Cache-Control"].startswith("public")
    assert public.headers["Content-Security-Policy"] == DATA_CSP
    assert "frame-ancestors 'none'" in DATA_CSP
    assert "default-src 'none'" in DATA_CSP


def test_static_files_may_be_cached_and_are_still_nosniff(client):
    with client.get("/static/ui.css") as answer:
        assert answer.status_code == 200
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers.get("Cache-Control") != "no-store"

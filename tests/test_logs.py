"""Logs are JSON lines with a request id, and never carry what a client sent."""

from __future__ import annotations

import json

SENTINEL = "SUBJECT-SECRET-7f3a9c"


def _lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def test_access_line_is_json_with_request_id_and_route(client, capfd):
    response = client.get("/healthz")
    lines = _lines(capfd.readouterr().err)
    access = [line for line in lines if line["logger"] == "fairfile.access"]
    assert access[-1]["request_id"] == response.headers["X-Request-ID"]
    assert access[-1]["route"] == "/healthz"
    assert access[-1]["status"] == 200


def test_no_log_line_carries_subject_data(client, capfd):
    # A client's path, query, headers and body may hold a person's data: none may be logged.
    client.get(f"/v1/subjects/{SENTINEL}?income={SENTINEL}", headers={"X-Note": SENTINEL})
    client.post(
        f"/v1/subjects/{SENTINEL}", json={"income": SENTINEL}, headers={"X-Request-ID": SENTINEL}
    )
    client.post("/v1/anything", data=SENTINEL + "{", content_type="application/json")
    captured = capfd.readouterr()
    assert _lines(captured.err), "expected access lines"
    assert SENTINEL not in captured.err
    assert SENTINEL not in captured.out


def test_a_client_request_id_is_never_adopted(client):
    response = client.get("/healthz", headers={"X-Request-ID": "client-chosen-id"})
    assert response.headers["X-Request-ID"] != "client-chosen-id"
    assert len(response.headers["X-Request-ID"]) == 32

"""The real thing: `fairfile db upgrade` and `fairfile serve` (gunicorn) over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

FAIRFILE = str(Path(sys.executable).with_name("fairfile"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


@pytest.fixture(params=[2], ids=["threads=2"])
def served(request, tmp_path):
    env = {
        **os.environ,
        "FAIRFILE_ENV": "development",
        "FAIRFILE_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env.pop("FAIRFILE_DATABASE_URL", None)
    upgrade = subprocess.run(
        [FAIRFILE, "db", "upgrade"], env=env, capture_output=True, text=True, check=False
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert "upgraded empty ->" in upgrade.stdout
    port, threads = _free_port(), str(request.param)
    out_path, err_path = tmp_path / "out.log", tmp_path / "err.log"
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(
            [FAIRFILE, "serve", "--port", str(port), "--workers", "1", "--threads", threads],
            env=env,
            stdout=out,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if _get(base + "/healthz")[0] == 200:
                break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    else:
        process.kill()
        process.wait()
        pytest.fail("server did not start: " + err_path.read_text())
    yield base, process, out_path, env
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def test_gunicorn_serves_health_and_readiness(served):
    base, _process, _out, _env = served
    assert _get(base + "/healthz") == (200, {"status": "ok"})
    status, body = _get(base + "/readyz")
    assert status == 200
    assert body["database"] == "sqlite"


def test_real_http_errors_are_problems(served):
    base, _process, _out, _env = served
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        base + "/v1/anything", data=b"{", headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    with caught.value as error:
        assert error.code in {400, 404}
        assert error.headers["Content-Type"] == "application/problem+json"


def _raw(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes over one connection; return the status, headers and body."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize("served", [1, 2], ids=["sync", "threads=2"], indirect=True)
def test_what_gunicorn_refuses_is_a_problem_document_too(served):
    base, _process, _out, _env = served
    cases = [
        (b"GET /v1/" + b"a" * 5_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),  # the app's
        (b"GET /v1/" + b"a" * 9_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),  # gunicorn's
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9_000 + b"\r\n\r\n", 431),
        (b"NOT HTTP AT ALL\r\n\r\n", 400),
    ]
    for raw, status in cases:
        got, headers, body = _raw(base, raw)
        assert got == status, body[:200]
        assert headers["content-type"] == "application/problem+json"
        problem = json.loads(body)
        assert problem["status"] == status
        assert "aaaa" not in body.decode()  # the request is never repeated back
    assert _get(base + "/healthz")[0] == 200  # and the worker still serves


def test_serve_prints_the_urls(served):
    _base, process, out_path, _env = served
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    out = out_path.read_text()
    assert "API docs:" in out
    assert "/healthz" in out


PEOPLE = """
import json
from consent import signin
from service import create_app
from service.web.sessions import session_factory
from store.models import Subject

app = create_app()
with app.app_context(), session_factory(app)() as s, s.begin():
    people = [Subject(origin="synthetic") for _ in range(2)]
    s.add_all(people)
    s.flush()
    print(json.dumps([[p.id, signin.issue_token(s, subject_id=p.id)] for p in people]))
"""


def _get_as(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)


@pytest.mark.parametrize("served", [1, 2], ids=["threads=1 (sync)", "threads=2"], indirect=True)
def test_one_request_never_carries_into_the_next(served):
    # With one thread gunicorn's sync worker answers in the thread that holds the command
    # line's application context; Flask would reuse it, and with it ``g``: the first
    # person signed in would stay signed in for every later request.
    base, _process, _out, env = served
    made = subprocess.run(
        [sys.executable, "-c", PEOPLE], env=env, capture_output=True, text=True, check=True
    )
    (a, token_a), (b, token_b) = json.loads(made.stdout.strip().splitlines()[-1])
    for _ in range(2):
        assert _get_as(f"{base}/v1/subjects/{a}/decisions", token_a) == 200
        assert _get_as(f"{base}/v1/subjects/{b}/decisions", token_b) == 200
        assert _get_as(f"{base}/v1/subjects/{b}/decisions", token_a) == 404
        assert _get_as(f"{base}/v1/subjects/{a}/decisions", token_b) == 404

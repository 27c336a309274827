"""Over real HTTP: decision plus explanation at 32 concurrent clients, next to a trivial one.

A fresh instance on the SQLite default is seeded, a model trained, and 64 synthetic people
enrol, grant `scoring` and sign in. `fairfile serve` (gunicorn with its defaults: on SQLite
one process of 8 threads, whose writers queue on a lock before SQLite's) then answers 32
client threads on loopback, each with its own keep-alive connection: first
`POST /v1/subjects/<id>/decisions` (gated read, scoring, signed explanation, sealed
decision, log entry, commit), then `GET /healthz`.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.report import Row

CLIENTS = 32
PEOPLE = 64
REQUESTS_PER_CLIENT = 40
FAIRFILE = str(Path(sys.executable).with_name("fairfile"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(env: dict[str, str]) -> list[tuple[str, str]]:
    """Seed, train, and give 64 people a scoring consent and a token; return (id, token)."""
    for command in (
        ["db", "upgrade"],
        ["synth", "seed", "--subjects", "2000", "--seed", "7"],
        ["model", "train", "--if-none", "--epsilon", "1"],
    ):
        subprocess.run([FAIRFILE, *command], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-m", "bench._http_people", str(PEOPLE)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return [tuple(p) for p in json.loads(out.stdout.strip().splitlines()[-1])]


def _load(port: int, requests: list[tuple[str, str, dict[str, str], bytes | None]]) -> list[float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(mine: list[tuple[str, str, dict[str, str], bytes | None]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local = []
        for method, path, headers, body in mine:
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            local.append((time.perf_counter() - started) * 1000)
            if response.status >= 300:
                errors.append(f"{method} {path}: {response.status}")
        connection.close()
        with lock:
            latencies.extend(local)

    chunks = [requests[i::CLIENTS] for i in range(CLIENTS)]
    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    return latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="fairfile-bench-http-"))
    env = {
        **os.environ,
        "FAIRFILE_ENV": "development",
        "FAIRFILE_INSTANCE_PATH": str(folder),
        "FAIRFILE_LOG_LEVEL": "WARNING",
        # One loopback address plays 32 clients here: lift the per-address rate limit.
        "FAIRFILE_RATE_LIMIT_PER_IP": "1000000/minute",
    }
    env.pop("FAIRFILE_DATABASE_URL", None)
    people = _prepare(env)
    port = _port()
    with (folder / "serve.log").open("w") as log:
        server = subprocess.Popen(
            [FAIRFILE, "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        decisions = []
        for n in range(CLIENTS * REQUESTS_PER_CLIENT):
            sid, token = people[n % len(people)]
            decisions.append(
                (
                    "POST",
                    f"/v1/subjects/{sid}/decisions",
                    {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                    b"{}",
                )
            )
        _load(port, decisions[: CLIENTS * 2])  # warm-up: imports, caches, connections
        started = time.perf_counter()
        decided = _load(port, decisions)
        decided_s = time.perf_counter() - started
        trivial = [("GET", "/healthz", {}, None)] * len(decisions)
        _load(port, trivial[: CLIENTS * 2])
        started = time.perf_counter()
        plain = _load(port, trivial)
        plain_s = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    p50, p99 = statistics.median(decided), _pct(decided, 0.99)
    decided_rps, plain_rps = len(decided) / decided_s, len(plain) / plain_s
    return [
        Row(
            f"decision + explanation, {CLIENTS} clients, {len(decided)} requests (SQLite)",
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {decided_rps:.0f} req/s",
            "p50 <= 15 ms, p99 <= 60 ms",
            p50 <= 15 and p99 <= 60,
        ),
        Row(
            f"GET /healthz, same server and clients, {len(plain)} requests",
            f"p50 {statistics.median(plain):.1f} ms, {plain_rps:.0f} req/s",
            compare=f"decision throughput is {decided_rps / plain_rps:.2f} of it",
        ),
    ]

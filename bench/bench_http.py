"""Over real HTTP: decision plus explanation at 32 concurrent connections, next to a trivial one.

A fresh instance on the SQLite default is seeded, a model trained, and 64 synthetic people
enrol, grant `scoring` and sign in. `fairfile serve` (gunicorn with its defaults: one sync
worker per core; SQLite writers of every process queue on one lock) answers
`POST /v1/subjects/<id>/decisions` (gated read, scoring, signed explanation, sealed
decision, two short writes) from 32 client connections on loopback (a sync worker closes
each after its answer, and the client opens it again), driven by `bench._loadgen` (one
asyncio loop, a few percent of a core):

- closed loop: each connection sends its next request when the answer arrives (zero
  think time), which measures the server saturated; then `GET /healthz` the same way;
- fixed rate: requests fall due at a steady rate over the same 32 connections, latency
  counted from the moment each was due (no coordinated omission), at stated fractions of
  the closed-loop throughput.

With N connections and zero think time, Little's law makes latency = N / throughput: at
32 connections a p50 of 15 ms needs about 2,100 decisions a second. The fixed-rate runs
show the latency a client meets at loads below saturation.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench import _loadgen as loadgen
from bench._sandbox import FAIRFILE, sandbox_env, serving
from bench.report import Row

CLIENTS = 32
PEOPLE = 64
REQUESTS_PER_CLIENT = 60
#: Fixed-rate runs, as shares of the measured closed-loop throughput, each this long.
RATE_SHARES = (0.25, 0.5, 0.75)
PACED_SECONDS = 8


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


def _decisions(people: list[tuple[str, str]], count: int) -> list[loadgen.Request]:
    """``count`` decision requests, taking the people in turn."""
    out: list[loadgen.Request] = []
    for n in range(count):
        sid, token = people[n % len(people)]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        out.append(("POST", f"/v1/subjects/{sid}/decisions", headers, b"{}"))
    return out


def _checked(run: loadgen.Run) -> loadgen.Run:
    if run.errors:
        raise RuntimeError(f"{len(run.errors)} failed requests, first: {run.errors[0]}")
    return run


def run() -> list[Row]:
    folder, env = sandbox_env("fairfile-bench-http-")
    people = _prepare(env)
    with serving(env, folder) as port:
        decisions = _decisions(people, CLIENTS * REQUESTS_PER_CLIENT)
        trivial: list[loadgen.Request] = [("GET", "/healthz", {}, None)] * len(decisions)
        _checked(loadgen.closed(port, CLIENTS, decisions[: CLIENTS * 4]))  # warm-up
        closed = _checked(loadgen.closed(port, CLIENTS, decisions))
        _checked(loadgen.closed(port, CLIENTS, trivial[: CLIENTS * 4]))
        plain = _checked(loadgen.closed(port, CLIENTS, trivial))
        paced = []
        for share in RATE_SHARES:
            rate = max(1.0, share * closed.rate)
            count = int(rate * PACED_SECONDS)
            paced.append(
                (
                    share,
                    _checked(loadgen.fixed_rate(port, CLIENTS, _decisions(people, count), rate)),
                )
            )
    rows = [
        Row(
            f"decision + explanation, closed loop, {CLIENTS} connections, "
            f"{len(closed.latencies_ms)} requests (SQLite)",
            f"p50 {closed.pct(0.5):.1f} ms, p99 {closed.pct(0.99):.1f} ms, {closed.rate:.0f} req/s",
            "p50 <= 15 ms, p99 <= 60 ms",
            closed.pct(0.5) <= 15 and closed.pct(0.99) <= 60,
            compare=f"Little's law: {CLIENTS} / {closed.rate:.0f} req/s = "
            f"{CLIENTS / closed.rate * 1000:.0f} ms",
        ),
        Row(
            f"GET /healthz, closed loop, same server and connections, {len(plain.latencies_ms)} "
            "requests",
            f"p50 {plain.pct(0.5):.1f} ms, p99 {plain.pct(0.99):.1f} ms, {plain.rate:.0f} req/s",
            compare=f"decision throughput is {closed.rate / plain.rate:.2f} of it",
        ),
    ]
    for share, run in paced:
        rows.append(
            Row(
                f"decision + explanation at a fixed {run.rate:.0f} req/s "
                f"({share:.0%} of closed-loop), {CLIENTS} connections, "
                f"{len(run.latencies_ms)} requests",
                f"p50 {run.pct(0.5):.1f} ms, p99 {run.pct(0.99):.1f} ms",
                "p50 <= 15 ms, p99 <= 60 ms",
                run.pct(0.5) <= 15 and run.pct(0.99) <= 60,
                compare="latency from when each request was due",
            )
        )
    return rows

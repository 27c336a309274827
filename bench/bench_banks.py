"""Bank data: one 3,000-transaction FDX connection over HTTP, and 100,000 people's FDX in bulk.

1. Connect: one person's 24-month FDX payload of 3,000 booked transactions (about 125 a
   month, mostly other spending, with pay twice a month, rent and three bills; rendered by
   ``synthetic.feeds.render_feed`` with its detail, two pending entries and a repeat) is
   posted to ``POST /v1/subjects/<id>/bank-data`` of a real ``fairfile serve`` (a fresh
   instance on SQLite, ``FAIRFILE_ENV=development``), one request at a time over one
   keep-alive connection: parse, validate, minimise, extract, seal and store, then the
   answer. Each call replaces the person's statement. The body (1.5 MiB) is within the
   route's own limit (``max_bank_data_length``, 8 MiB by default). Beside it:
   ``json.loads`` of the same body alone, the same call through the app in process, and
   the in-process stages of the door, to show where the time goes.
2. Bulk: the synthetic population's 100,000 people x 24 months, rendered as a flat FDX frame
   in Polars (detail columns, pending entries and a repeat each included), through
   ``scoring.ingest.banks.minimise_fdx_frames`` and ``scoring.ingest.extract_frame``; beside
   it, ``extract_frame`` alone on the population's closed frames. The facts of both must be
   equal, or the bench fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from bench import _loadgen as loadgen
from bench._sandbox import FAIRFILE, sandbox_env, serving
from bench.report import Row
from consent import DataCategory
from scoring import extract_frame, extract_statement
from scoring.ingest.banks import FdxData, Shape, minimise, minimise_fdx_frames, read_fdx
from synthetic import generate
from synthetic.feeds import MERCHANTS, render_feed

AS_OF = dt.date(2025, 12, 31)
TRANSACTIONS = 3_000
CONNECTS = 30
BULK = 100_000
#: People per chunk of the bulk read: the whole flat FDX frame of 100,000 people (about
#: 24.7 M rows of text) would not fit in the machine's memory with its working copies.
CHUNK = 10_000
EVERY = frozenset(DataCategory) - {DataCategory.BUREAU}


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def heavy_statement(seed: int = 18) -> dict[str, Any]:
    """A closed statement of 3,000 transactions over 24 months, 125 a month."""
    rng = random.Random(seed)  # synthetic amounts, not a secret
    rows: list[tuple[str, int, str, str]] = []
    for m in range(24):
        year, month = divmod(2024 * 12 + m, 12)

        def day(d: int, y: int = year, mo: int = month) -> str:
            return dt.date(y, mo + 1, d).isoformat()

        rows += [
            (day(1), 210_000, "Credit", "payroll"),
            (day(15), 210_000, "Credit", "payroll"),
            (day(3), 95_000, "Debit", "rent"),
            (day(10), 8_000 + rng.randrange(3_000), "Debit", "utility"),
            (day(12), 6_000, "Debit", "telecom"),
        ]
        rows += [
            (day(rng.randint(1, 28)), rng.randint(100, 2_500), "Debit", "other_spending")
            for _ in range(120)
        ]
    rows.sort()
    return {
        "asOf": AS_OF.isoformat(),
        "account": {"currency": "USD", "openingBalance": "500.00", "savingsBalance": "1200.00"},
        "transactions": [
            {
                "bookingDate": d,
                "amount": _money(c),
                "creditDebitIndicator": way,
                "counterpartyKind": kind,
                "transactionId": f"t-{i:05d}",
            }
            for i, (d, c, way, kind) in enumerate(rows)
        ],
    }


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _stages(body: bytes) -> dict[str, float]:
    """Median milliseconds of each in-process stage of the door, on the same body."""
    raw = json.loads(body)
    data = FdxData.model_validate(raw["fdx"])
    read = read_fdx(data)
    minimised = minimise(read, categories=EVERY)
    return {
        "json.loads": _median_ms(lambda: json.loads(body), 15),
        "FDX models": _median_ms(lambda: FdxData.model_validate(raw["fdx"]), 15),
        "read_fdx": _median_ms(lambda: read_fdx(data), 15),
        "minimise": _median_ms(lambda: minimise(read, categories=EVERY), 15),
        "extract_statement": _median_ms(lambda: extract_statement(minimised.statement), 15),
    }


def _in_app(env: dict[str, str], request: loadgen.Request) -> float:
    """Median milliseconds of the same call through the app in this process, no server."""
    from service import create_app  # the instance is chosen by the environment

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        client = create_app().test_client()
        method, path, headers, body = request

        def call() -> None:
            answer = client.open(path, method=method, headers=headers, data=body)
            if answer.status_code != 201:
                raise RuntimeError(f"the in-process call failed: {answer.status_code}")

        call()
        return _median_ms(call, CONNECTS // 2)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _connect() -> list[Row]:
    feed = render_feed(heavy_statement(), Shape.FDX, seed=3)
    body = json.dumps({"fdx": feed}).encode()
    folder, env = sandbox_env("fairfile-bench-banks-")
    for command in (["db", "upgrade"], ["synth", "seed", "--subjects", "20", "--seed", "7"]):
        subprocess.run([FAIRFILE, *command], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-m", "bench._http_people", "1"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    sid, token = json.loads(out.stdout.strip().splitlines()[-1])[0]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request: loadgen.Request = ("POST", f"/v1/subjects/{sid}/bank-data", headers, body)
    with serving(env, folder) as port:
        warm = loadgen.closed(port, 1, [request] * 3)
        run = loadgen.closed(port, 1, [request] * CONNECTS)
        if warm.errors or run.errors:
            raise RuntimeError(f"failed requests: {(warm.errors + run.errors)[:3]}")
    in_app = _in_app(env, request)
    stages = _stages(body)
    parse = stages["json.loads"]
    p50 = run.pct(0.5)
    return [
        Row(
            f"connect one FDX payload of {len(feed['transactions']):,} transactions "
            f"({len(body) / 2**20:.1f} MiB) over HTTP, {CONNECTS} calls one at a time (SQLite)",
            f"p50 {p50:.1f} ms, p90 {run.pct(0.9):.1f} ms",
            "p50 <= 50 ms",
            p50 <= 50,
            compare=f"json.loads of the same body alone: {parse:.1f} ms ({p50 / parse:.1f}x)",
        ),
        Row(
            "  the same call through the app in process (Flask test client, no server), "
            f"median of {CONNECTS // 2}",
            f"{in_app:.1f} ms",
        ),
        Row(
            "  in process, median of each stage",
            ", ".join(f"{name} {ms:.1f} ms" for name, ms in stages.items()),
        ),
    ]


#: How synthetic.feeds renders each (direction, kind) in FDX, and the bills' codes.
_FDX_TYPE = {
    "credit payroll": "DIRECTDEPOSIT",
    "credit benefits": "DEPOSIT",
    "credit transfer": "TRANSFER",
    "debit transfer": "TRANSFER",
    "debit rent": "BILLPAYMENT",
    "debit utility": "BILLPAYMENT",
    "debit telecom": "BILLPAYMENT",
    "debit loan_repayment": "BILLPAYMENT",
    "debit other_spending": "POSDEBIT",
}
_BILL_CODE = {"rent": "6513", "utility": "4900", "telecom": "4814", "loan_repayment": "6141"}
_PAYEE = {"payroll": "ACME LOGISTICS PAYROLL", "benefits": "SSA TREAS 310 XXSOC SEC"}


def fdx_frames(transactions: pl.DataFrame, accounts: pl.DataFrame) -> tuple[pl.DataFrame, ...]:
    """The population's closed frames as flat FDX, with detail, pending entries and repeats."""
    rng = np.random.default_rng(18)
    n = transactions.height
    pick = pl.Series(rng.integers(0, len(MERCHANTS), n))
    names = pl.Series([m.name for m in MERCHANTS])
    codes = pl.Series([m.mcc for m in MERCHANTS])
    cities = pl.Series([m.city for m in MERCHANTS])
    clock = pl.Series([f"T{h:02d}:{m:02d}:00.000Z" for h in range(24) for m in range(60)])
    at = clock.gather(rng.integers(0, clock.len(), n))
    kind = pl.col("counterparty_kind").cast(pl.String)
    way = pl.col("direction").cast(pl.String)
    spending = kind == "other_spending"
    merchant_code = (
        pl.when(spending).then(pl.lit(codes.gather(pick))).otherwise(kind.replace(_BILL_CODE))
    )
    has_merchant = (way == "debit") & (spending | kind.is_in(list(_BILL_CODE)))
    name = pl.when(spending).then(pl.lit(names.gather(pick))).otherwise(pl.lit("Oakwood Property"))
    posted = (
        transactions.lazy()
        .with_row_index("n")
        .select(
            "subject_id",
            accountId=pl.lit("chk-001"),
            transactionId=pl.concat_str(pl.lit("tx-"), pl.col("n").cast(pl.String)),
            postedTimestamp=pl.concat_str(pl.col("booking_date").cast(pl.String), pl.lit(at)),
            amount=pl.col("amount_cents") / 100,
            debitCreditMemo=way.str.to_uppercase(),
            status=pl.lit("POSTED"),
            transactionType=pl.concat_str(way, pl.lit(" "), kind).replace_strict(_FDX_TYPE),
            category=pl.when(has_merchant).then(merchant_code),
            merchant_category_code=pl.when(has_merchant & (kind != "loan_repayment")).then(
                merchant_code
            ),
            payee=pl.when(way == "credit").then(kind.replace_strict(_PAYEE, default=None)),
            description=pl.concat_str(
                pl.when(has_merchant).then(name).otherwise(pl.lit("Own account")),
                pl.lit(" CARD 4417 "),
                pl.col("n").cast(pl.String),
            ),
            merchant_name=pl.when(has_merchant).then(name),
            merchant_city=pl.when(has_merchant).then(pl.lit(cities.gather(pick))),
            memo=pl.concat_str(kind, pl.lit(" "), pl.col("booking_date").dt.strftime("%b")),
        )
        .collect()
    )
    first = posted.group_by("subject_id", maintain_order=True).first()
    pending = first.with_columns(
        transactionId=pl.lit("pending-0"),
        postedTimestamp=pl.lit(f"{AS_OF.isoformat()}T21:05:00.000Z"),
        status=pl.lit("PENDING"),
    )
    flat = pl.concat([posted, first, pending])
    net = transactions.group_by("subject_id").agg(
        pl.when(pl.col("direction") == "credit")
        .then(pl.col("amount_cents"))
        .otherwise(-pl.col("amount_cents"))
        .sum()
        .alias("net")
    )
    held = accounts.join(net, on="subject_id")
    stamp = pl.lit(f"{AS_OF.isoformat()}T23:59:00.000Z")
    checking = held.select(
        "subject_id",
        accountId=pl.lit("chk-001"),
        accountType=pl.lit("CHECKING"),
        currencyCode=pl.lit("USD"),
        currentBalance=(pl.col("opening_balance_cents") + pl.col("net")) / 100,
        balanceAsOf=stamp,
        nickname=pl.lit("Everyday checking"),
    )
    savings = held.select(
        "subject_id",
        accountId=pl.lit("sav-001"),
        accountType=pl.lit("SAVINGS"),
        currencyCode=pl.lit("USD"),
        currentBalance=pl.col("savings_balance_cents") / 100,
        balanceAsOf=stamp,
        nickname=pl.lit("Rainy day"),
    )
    return flat, pl.concat([checking, savings])


def _best(runs: int, fn: Callable[[], Any]) -> tuple[list[float], Any]:
    seconds, out = [], None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        seconds.append(time.perf_counter() - started)
    return seconds, out


def _chunks(frame: pl.DataFrame) -> list[pl.DataFrame]:
    return frame.with_columns(chunk=pl.col("subject_id") // CHUNK).partition_by(
        "chunk", include_key=False, maintain_order=True
    )


def _bulk_once(closed_tx: pl.DataFrame, closed_accounts: pl.DataFrame) -> tuple[float, Any]:
    """Seconds of the FDX path over every chunk (rendering each chunk untimed), and facts."""
    seconds = 0.0
    parts: list[tuple[pl.DataFrame, pl.DataFrame]] = []
    for tx, acc in zip(_chunks(closed_tx), _chunks(closed_accounts), strict=True):
        flat, accounts = fdx_frames(tx, acc)
        started = time.perf_counter()
        parts.append(minimise_fdx_frames(flat, accounts, categories=EVERY, as_of=AS_OF))
        seconds += time.perf_counter() - started
        del flat, accounts
    started = time.perf_counter()
    facts = extract_frame(
        pl.concat([p[0] for p in parts]), pl.concat([p[1] for p in parts]), as_of=AS_OF
    )
    seconds += time.perf_counter() - started
    return seconds, facts


def _bulk() -> list[Row]:
    population = generate(BULK, seed=2026, level="statements")
    closed_tx, closed_accounts = population.transactions, population.accounts
    if closed_tx is None or closed_accounts is None:
        raise RuntimeError("a statements-level population carries its frames (a bug)")
    del population
    started = time.perf_counter()
    flat, _ = fdx_frames(
        *(f.filter(pl.col("subject_id") < CHUNK) for f in (closed_tx, closed_accounts))
    )
    rendering = time.perf_counter() - started
    width, chunk_rows = flat.width, flat.height
    del flat
    ours, facts = [], None
    for _ in range(2):
        seconds, facts = _bulk_once(closed_tx, closed_accounts)
        ours.append(seconds)
    theirs, closed_facts = _best(2, lambda: extract_frame(closed_tx, closed_accounts, as_of=AS_OF))
    if facts is None or not facts.equals(closed_facts):
        raise RuntimeError("the bulk FDX path's facts differ from the closed frames' facts")
    rows = closed_tx.height + 2 * closed_accounts.height
    return [
        Row(
            f"{BULK:,} people x 24 months of FDX ({rows / 1e6:.1f} M rows, {width} columns, "
            f"read in chunks of {CHUNK:,} people) through minimise_fdx_frames + extract_frame",
            f"{min(ours):.1f} to {max(ours):.1f} s (2 runs)",
            "<= 60 s",
            max(ours) <= 60,
            compare=f"extract_frame alone on the closed frames: {min(theirs):.1f} to "
            f"{max(theirs):.1f} s; the facts are equal",
        ),
        Row(
            f"  rendering one chunk's flat FDX frame in Polars ({chunk_rows / 1e6:.1f} M rows; "
            "not timed above)",
            f"{rendering:.1f} s",
        ),
    ]


def run() -> list[Row]:
    return _connect() + _bulk()

"""The bulk FDX path (``banks.frames``) against the per-person door: the same statements,
cell for cell, and the same facts, for a few hundred rendered people with pending entries,
repeats, memos, zero amounts, old history, savings transactions and benefit payers; the
detail columns never come out; the benefit-payer expression agrees with ``codes``."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from consent import DataCategory
from scoring import extract_frame, extract_statement
from scoring.errors import ContractViolation
from scoring.ingest import ACCOUNT_SCHEMA, TRANSACTION_SCHEMA, parse_statement
from scoring.ingest.banks import (
    FdxData,
    Shape,
    minimise,
    minimise_fdx_frames,
    names_benefit_payer,
    read_fdx,
)
from scoring.ingest.banks.codes import BENEFIT_PAYERS, benefit_payer
from scoring.ingest.banks.frames import PYTHON_WHITESPACE
from synthetic import bank_statement
from synthetic.feeds import render_feed

PEOPLE = 240
AS_OF = dt.date(2025, 12, 31)
TODAY = dt.date(2026, 1, 15)
EVERY = frozenset(DataCategory) - {DataCategory.BUREAU}
#: Every detail column the flattened frame carries and the output must not.
DETAIL = ("merchant_name", "merchant_city", "memo", "transactionTimestamp", "accountCategory")


def _extras(rng: random.Random) -> list[dict[str, Any]]:
    """Entries render_feed does not make: not counted, old, or named by a benefit payer."""

    def one(n: int, day: str, amount: float, way: str, **more: Any) -> dict[str, Any]:
        return {
            "accountId": "chk-001",
            "transactionId": f"extra-{n}",
            "postedTimestamp": f"{day}T10:00:00.000Z",
            "amount": amount,
            "debitCreditMemo": way,
            "status": "POSTED",
            **more,
        }

    texts = ["dwp\u00a0 universal credit", "XDWP REFUND", "VA  BENEFITS", "SSA TREAS\t310", "DWPX"]
    return [
        one(0, "2023-06-01", 50.0, "DEBIT", transactionType="POSDEBIT"),
        one(1, "2025-03-04", 0.0, "DEBIT"),
        one(2, "2025-03-05", 12.5, "MEMO"),
        one(3, "2025-04-01", 310.25, "CREDIT", payee=rng.choice(texts)),
        one(4, "2025-05-02", 99.99, "CREDIT", description=rng.choice(texts)),
        one(5, "2025-06-03", 45.0, "DEBIT", category=" 6141 "),
        one(6, "2025-06-04", 80.0, "DEBIT", merchant={"merchantCategoryCode": ""}, category="4900"),
        {**one(7, "2025-07-01", 20.0, "DEBIT"), "accountId": "sav-001"},
        one(8, "2025-08-08", 15.0, "CREDIT", transactionType="transfer"),
    ]


def _feeds() -> list[dict[str, Any]]:
    rng = random.Random(18)
    feeds = []
    for i in range(PEOPLE):
        profile = "thin-heavy" if i % 3 == 0 else "default"
        statement = bank_statement(f"bulk-{i}", profile_name=profile)
        feed = render_feed(
            statement,
            Shape.FDX,
            seed=rng.randrange(10**6),
            pending=rng.randrange(4),
            repeated=rng.randrange(4),
        )
        if i % 2:
            feed["transactions"] += _extras(rng)
        rng.shuffle(feed["transactions"])
        feeds.append(feed)
    return feeds


def _flatten(feeds: list[dict[str, Any]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The FDX payloads as the long frames a dataset would hold, detail columns included."""
    rows, accounts = [], []
    for sid, feed in enumerate(feeds):
        for t in feed["transactions"]:
            merchant = t.get("merchant") or {}
            rows.append(
                {
                    "subject_id": sid,
                    "accountId": t["accountId"],
                    "transactionId": t["transactionId"],
                    "postedTimestamp": t.get("postedTimestamp"),
                    "amount": float(t["amount"]),
                    "debitCreditMemo": t["debitCreditMemo"],
                    "status": t.get("status"),
                    "transactionType": t.get("transactionType"),
                    "category": t.get("category"),
                    "merchant_category_code": merchant.get("merchantCategoryCode"),
                    "payee": t.get("payee"),
                    "description": t.get("description"),
                    "merchant_name": merchant.get("name"),
                    "merchant_city": (merchant.get("address") or {}).get("city"),
                    "memo": t.get("memo"),
                    "transactionTimestamp": t.get("transactionTimestamp"),
                    "accountCategory": t.get("accountCategory"),
                }
            )
        for a in feed["accounts"]:
            accounts.append(
                {
                    "subject_id": sid,
                    "accountId": a["accountId"],
                    "accountType": a.get("accountType"),
                    "currencyCode": (a.get("currency") or {}).get("currencyCode"),
                    "currentBalance": float(a["currentBalance"]),
                    "balanceAsOf": a.get("balanceAsOf"),
                    "nickname": a.get("nickname"),
                }
            )
    strings = {k: pl.String for k in rows[0] if k not in ("subject_id", "amount")}
    frame = pl.DataFrame(rows, schema={"subject_id": pl.Int64, "amount": pl.Float64, **strings})
    return frame, pl.DataFrame(accounts, infer_schema_length=None)


def _door(feeds: list[dict[str, Any]], categories: frozenset[DataCategory]):
    """The per-person door, one person at a time, stacked as a dataset."""
    transactions, accounts, facts = [], [], []
    for sid, feed in enumerate(feeds):
        read = read_fdx(FdxData.model_validate(feed))
        statement = minimise(read, categories=categories, today=TODAY).statement
        parsed = parse_statement(statement)
        transactions.append(parsed.transactions.with_columns(subject_id=pl.lit(sid, pl.Int64)))
        accounts.append((sid, parsed.opening_cents, parsed.savings_cents))
        facts.append({"subject_id": sid, **extract_statement(statement)})
    return (
        pl.concat(transactions),
        pl.DataFrame(accounts, schema=ACCOUNT_SCHEMA, orient="row"),
        facts,
    )


@pytest.fixture(scope="module")
def feeds() -> list[dict[str, Any]]:
    return _feeds()


@pytest.fixture(scope="module")
def flat(feeds) -> tuple[pl.DataFrame, pl.DataFrame]:
    return _flatten(feeds)


@pytest.mark.parametrize(
    "categories",
    [
        EVERY,
        EVERY - {DataCategory.RENT, DataCategory.TELECOM},
        frozenset({DataCategory.BANK_CASHFLOW, DataCategory.UTILITIES}),
    ],
    ids=["every", "no-rent-no-telecom", "no-income"],
)
def test_the_bulk_path_gives_every_cell_the_per_person_door_gives(feeds, flat, categories):
    transactions, accounts = flat
    want_tx, want_accounts, want_facts = _door(feeds, categories)
    got_tx, got_accounts = minimise_fdx_frames(
        transactions, accounts, categories=categories, as_of=AS_OF, today=TODAY
    )
    assert_frame_equal(got_tx, want_tx)
    assert_frame_equal(got_accounts, want_accounts)
    facts = extract_frame(got_tx, got_accounts, as_of=AS_OF)
    assert facts.to_dicts() == want_facts
    # The detail columns were dropped: only the closed format's columns come out.
    assert got_tx.schema == TRANSACTION_SCHEMA
    assert got_accounts.schema == ACCOUNT_SCHEMA
    assert not set(DETAIL) & set(got_tx.columns + got_accounts.columns)


def test_the_rendered_feeds_hold_what_must_not_be_counted(flat):
    # Without these the equality above would prove less than it says.
    transactions, _ = flat
    assert transactions.filter(pl.col("status") == "PENDING").height > 100
    assert transactions.filter(pl.col("transactionId").is_duplicated().over("subject_id")).height
    assert transactions.filter(pl.col("debitCreditMemo") == "MEMO").height
    assert transactions.filter(pl.col("payee").str.contains("SSA TREAS")).height
    assert transactions["merchant_name"].null_count() < transactions.height


def test_the_bulk_path_refuses_what_the_door_refuses(flat):
    transactions, accounts = flat

    def problem(tx: pl.DataFrame, acc: pl.DataFrame = accounts) -> str:
        with pytest.raises(ContractViolation) as caught:
            minimise_fdx_frames(tx, acc, categories=EVERY, as_of=AS_OF, today=TODAY)
        return caught.value.problems[0].field

    signed = pl.when(pl.col("subject_id") == 3).then(-pl.col("amount")).otherwise("amount")
    assert problem(transactions.with_columns(amount=signed)) == "amount"
    assert problem(transactions.with_columns(amount=pl.col("amount") + 0.001)) == "amount"
    assert problem(transactions.with_columns(accountId=pl.lit("elsewhere"))) == "accountId"
    late = pl.lit("2025-12-31T10:00:00Z").str.replace("2025", "2026")
    assert problem(transactions.with_columns(postedTimestamp=late)) == "postedTimestamp"
    assert problem(transactions.filter(pl.col("subject_id") != 5)) == "postedTimestamp"
    euro = accounts.with_columns(currencyCode=pl.lit("EUR"))
    assert problem(transactions, euro) == "currencyCode"
    assert problem(transactions, accounts.with_columns(accountType=pl.lit("CHECKING"))) == (
        "accountType"
    )
    assert problem(transactions.drop("amount")) == "amount"
    yesterday = AS_OF - dt.timedelta(days=1)
    with pytest.raises(ContractViolation):
        minimise_fdx_frames(transactions, accounts, categories=EVERY, as_of=AS_OF, today=yesterday)
    minimise_fdx_frames(transactions, accounts, categories=EVERY, as_of=AS_OF, today=AS_OF)


def test_the_whitespace_is_pythons():
    python = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
    assert python == PYTHON_WHITESPACE


_WORDS = st.sampled_from([*" ".join(BENEFIT_PAYERS).split(), "X", "310X", "dwp", "va", ""])
_GAPS = st.sampled_from([" ", "  ", "\t", "\u00a0", "\u2003", "\x1c", "-", "", "\n "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_GAPS, _WORDS), max_size=8), st.sampled_from(BENEFIT_PAYERS))
def test_the_benefit_payer_expression_agrees_with_codes(pieces, payer):
    texts = ["".join(g + w for g, w in pieces), "".join(g + w for g, w in pieces) + " " + payer]
    texts += [payer.lower(), payer.replace(" ", "\u3000"), None]
    got = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(names_benefit_payer("t"))
    assert got["t"].to_list() == [benefit_payer(t) for t in texts]

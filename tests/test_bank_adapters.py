"""The bank-data door, domain side: each shape gives back the statement it was rendered from,
behaviour cannot move the statement, the facts, the score or the reasons, and bad data is
refused naming the field, never its value."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent import DataCategory
from scoring import extract_statement
from scoring.card.reasons import principal_reasons
from scoring.card.scorecard import score
from scoring.errors import ContractViolation
from scoring.ingest.banks import (
    FdxData,
    OpenBankingData,
    Shape,
    minimise,
    read_fdx,
    read_ofx,
    read_open_banking,
)
from scoring.ingest.banks.codes import MCC_BILLS, SIC_DEBITS
from scoring.ingest.banks.minimise import count_fields, count_model_fields
from synthetic import bank_statement
from synthetic.feeds import MERCHANTS, Merchant, render_feed
from tests.decision_fixtures import card

EVERY = frozenset(DataCategory) - {DataCategory.BUREAU}
TODAY = dt.date(2026, 1, 15)


def door(feed, shape: Shape, categories=EVERY):
    if shape is Shape.FDX:
        read = read_fdx(FdxData.model_validate(feed))
    elif shape is Shape.OPEN_BANKING:
        read = read_open_banking(OpenBankingData.model_validate(feed))
    else:
        read = read_ofx(feed)
    return minimise(read, categories=categories, today=TODAY)


def _rows(statement):
    return sorted(
        (t["bookingDate"], t["amount"], t["creditDebitIndicator"], t["counterpartyKind"])
        for t in statement["transactions"]
    )


@pytest.mark.parametrize("shape", list(Shape))
@pytest.mark.parametrize("person", ["renter-1", "worker-2", "student-3"])
def test_each_shape_gives_back_the_statement_it_was_rendered_from(shape, person):
    statement = bank_statement(person)
    minimised = door(render_feed(statement, shape, seed=5), shape)
    assert _rows(minimised.statement) == _rows(statement)
    assert minimised.statement["account"] == statement["account"]
    assert extract_statement(minimised.statement) == extract_statement(statement)
    # Pending entries and the repeated transaction were read and not counted.
    skipped = minimised.report["not_counted"]
    assert skipped["duplicate"] == 1
    assert skipped.get("pending", 0) == (0 if shape is Shape.OFX else 2)


@pytest.mark.parametrize("shape", list(Shape))
def test_the_report_counts_dropped_fields_and_never_holds_a_value(shape):
    feed = render_feed(bank_statement("renter-1"), shape, seed=2)
    minimised = door(feed, shape)
    report = json.dumps(minimised.report)
    for merchant in MERCHANTS:
        assert merchant.name not in report
        assert merchant.name not in json.dumps(minimised.statement)
    assert all(isinstance(n, int) and n > 0 for n in minimised.report["dropped_fields"].values())
    names = {"fdx": "merchant.name", "open_banking": "MerchantDetails.MerchantName", "ofx": "NAME"}
    assert minimised.report["dropped_fields"][names[shape.value]] > 0
    assert minimised.report["dropped_fields"]["time of day"] > 0


def test_a_category_not_shared_is_not_read():
    statement = bank_statement("renter-1")
    shared = frozenset({DataCategory.BANK_CASHFLOW, DataCategory.INCOME})
    minimised = door(render_feed(statement, Shape.FDX), Shape.FDX, categories=shared)
    kinds = {t["counterpartyKind"] for t in minimised.statement["transactions"]}
    assert not kinds & {"rent", "utility", "telecom"}
    assert minimised.report["categories_not_read"] == ["rent", "telecom", "utilities"]
    assert all(c.kind.value in {"payroll", "benefits"} for c in minimised.counted)


def _other_spending_merchants():
    bills = set(MCC_BILLS) | set(SIC_DEBITS)
    code = st.from_regex(r"[0-9]{4}", fullmatch=True).filter(lambda c: c not in bills)
    name = st.text(
        alphabet=st.characters(codec="ascii", categories=["L", "N", "Zs"]), min_size=1, max_size=30
    ).filter(str.strip)
    merchant = st.builds(Merchant, name=name, mcc=code, sic=code, city=name)
    return st.lists(merchant, min_size=1, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.sampled_from(list(Shape)),
    merchants=_other_spending_merchants(),
    seed=st.integers(0, 2**32),
)
def test_behaviour_cannot_move_the_statement_the_facts_the_score_or_the_reasons(
    shape, merchants, seed
):
    # The same person's feed, with every other-spending merchant, code, description and
    # time of day rewritten (a casino, a bar, a bookshop, anything): nothing may change.
    statement = bank_statement("gig-worker-7")
    plain = door(render_feed(statement, shape, seed=0), shape)
    rewritten = door(render_feed(statement, shape, seed=seed, merchants=merchants), shape)
    assert rewritten.statement == plain.statement
    facts = extract_statement(rewritten.statement)
    assert facts == extract_statement(plain.statement)
    scorecard = card()
    a = score(scorecard, facts, allowed=EVERY, disputed=frozenset())
    b = score(scorecard, extract_statement(plain.statement), allowed=EVERY, disputed=frozenset())
    assert a.score == b.score
    assert principal_reasons(scorecard, a) == principal_reasons(scorecard, b)


def _problem(call) -> dict:
    with pytest.raises(ContractViolation) as caught:
        call()
    return caught.value.problem_extensions


def test_bad_bank_data_is_refused_naming_the_field_never_the_value():
    statement = bank_statement("renter-1")
    fdx = render_feed(statement, Shape.FDX)
    # Two checking accounts.
    two = copy.deepcopy(fdx)
    two["accounts"].append({**two["accounts"][0], "accountId": "chk-002"})
    assert "checking" in json.dumps(_problem(lambda: door(two, Shape.FDX)))
    # The same account twice.
    twice = copy.deepcopy(fdx)
    twice["accounts"].append(copy.deepcopy(twice["accounts"][0]))
    assert _problem(lambda: door(twice, Shape.FDX))["fields"][0]["offence"] == "duplicate"
    # A negative FDX amount.
    signed = copy.deepcopy(fdx)
    signed["transactions"][0]["amount"] = -12.5
    assert "unsigned" in json.dumps(_problem(lambda: door(signed, Shape.FDX)))
    # A non-USD account.
    euros = copy.deepcopy(fdx)
    euros["accounts"][0]["currency"] = {"currencyCode": "EUR"}
    assert "USD" in json.dumps(_problem(lambda: door(euros, Shape.FDX)))
    # A transaction after the balance's date.
    future = copy.deepcopy(fdx)
    future["transactions"][0]["postedTimestamp"] = "2026-01-02T10:00:00.000Z"
    assert _problem(lambda: door(future, Shape.FDX))["fields"][0]["offence"] == "out_of_range"
    # An account with no transactions.
    empty = copy.deepcopy(fdx)
    empty["transactions"] = []
    assert _problem(lambda: door(empty, Shape.FDX))["fields"][0]["offence"] == "missing"
    # OFX: a sign that contradicts the type, and a file that is not OFX.
    ofx = render_feed(statement, Shape.OFX)
    flipped = ofx.replace("<TRNTYPE>DIRECTDEP<DTPOSTED>", "<TRNTYPE>DEBIT<DTPOSTED>", 1)
    assert "TRNTYPE" in json.dumps(_problem(lambda: door(flipped, Shape.OFX)))
    garbage = "<OFX><NOT>Lucky Star Casino</NOT>"
    said = json.dumps(_problem(lambda: door(garbage, Shape.OFX)))
    assert "Lucky Star" not in said
    assert "OFX" in said


@pytest.mark.parametrize("shape", [Shape.FDX, Shape.OPEN_BANKING])
def test_counting_the_models_counts_what_their_dump_holds(shape):
    # The door counts dropped fields from the validated models, not from a dump of each.
    feed = render_feed(bank_statement("renter-1"), shape, seed=4)
    if shape is Shape.FDX:
        feed["transactions"][0] |= {"payee": None, "memo": "", "extra": {"a": [], "b": 0.0}}
        models = FdxData.model_validate(feed).transactions
        key = "accountId"
    else:
        models = OpenBankingData.model_validate(feed).transactions.Data.Transaction
        key = "AccountId"
    from_models: Counter[str] = Counter()
    from_dumps: Counter[str] = Counter()
    for t in models:
        count_model_fields(t, from_models, skip=(key,))
        dumped = t.model_dump(mode="json", exclude_none=True, exclude_unset=True)
        count_fields(dumped, from_dumps, skip=(key,))
    assert from_models == from_dumps
    assert from_models["description" if shape is Shape.FDX else "TransactionInformation"] > 0


def _as_v4(feed):
    """The same Open Banking answers with version 4's ISO 20022 codes for the names."""
    codes = {"Booked": "BOOK", "Pending": "PDNG", "Credit": "CRDT", "Debit": "DBIT"}
    v4 = copy.deepcopy(feed)
    for t in v4["transactions"]["Data"]["Transaction"]:
        t["Status"] = codes[t["Status"]]
        t["CreditDebitIndicator"] = codes[t["CreditDebitIndicator"]]
    for b in v4["balances"]["Data"]["Balance"]:
        b["Type"] = "CLBD"
        b["CreditDebitIndicator"] = codes[b["CreditDebitIndicator"]]
    for a in v4["accounts"]["Data"]["Account"]:
        a["AccountSubType"] = {"CurrentAccount": "CACC", "Savings": "SVGS"}[a["AccountSubType"]]
    return v4


def test_open_banking_v4_codes_read_as_the_v3_names():
    feed = render_feed(bank_statement("renter-1"), Shape.OPEN_BANKING, seed=8)
    v3, v4 = door(feed, Shape.OPEN_BANKING), door(_as_v4(feed), Shape.OPEN_BANKING)
    assert v4.statement == v3.statement
    assert v4.report["not_counted"] == v3.report["not_counted"]

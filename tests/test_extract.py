"""The feature extractor: strict statement format, exact facts, no merchant details."""

from __future__ import annotations

import copy
import datetime as dt
import json
import statistics

import numpy as np
import polars as pl
import pytest

from scoring import CASHFLOW_FEATURES, ContractViolation, Offence, extract_frame, extract_statement
from scoring.ingest.statements import parse_statement
from synthetic import generate

AS_OF = "2025-12-31"
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
PAY = [2000, 2000, 0, 2000, 2000, 800, 2000, 2000, 2000, 2000, 2000, 2000]
RENT_DAY = [1, 1, 1, 1, 15, 1, 1, None, 1, 1, 1, 1]  # May late, August missed
RENT, PHONE, LOAN, SPEND = 900, 50, 200, 700


def _tx(date, amount, way, kind):
    return {
        "bookingDate": date,
        "amount": f"{amount:.2f}",
        "creditDebitIndicator": way,
        "counterpartyKind": kind,
    }


def statement():
    transactions = []
    for month, pay, rent_day in zip(MONTHS, PAY, RENT_DAY, strict=True):
        if pay:
            transactions.append(_tx(f"{month}-25", pay, "Credit", "payroll"))
        if rent_day:
            transactions.append(_tx(f"{month}-{rent_day:02d}", RENT, "Debit", "rent"))
        transactions.append(_tx(f"{month}-05", PHONE, "Debit", "telecom"))
        transactions.append(_tx(f"{month}-12", LOAN, "Debit", "loan_repayment"))
        transactions.append(_tx(f"{month}-10", SPEND, "Debit", "other_spending"))
    return {
        "asOf": AS_OF,
        "account": {"currency": "USD", "openingBalance": "100.00", "savingsBalance": "300.00"},
        "transactions": transactions,
    }


def test_a_hand_made_statement_gives_the_facts_worked_out_by_hand():
    net = [
        pay - (RENT if day else 0) - PHONE - LOAN - SPEND
        for pay, day in zip(PAY, RENT_DAY, strict=True)
    ]
    balances = list(np.cumsum(net) + 100)
    facts = extract_statement(statement())
    assert set(facts) == set(CASHFLOW_FEATURES)
    assert facts["rent_on_time_12m"] == 10
    assert facts["utility_late_months_12m"] is None
    assert facts["telecom_late_months_12m"] == 0
    assert facts["income_regular_months_12m"] == 10  # March paid nothing, June under half
    assert facts["median_net_inflow"] == statistics.median(net)
    assert facts["avg_eom_balance"] == pytest.approx(sum(balances) / 12)
    assert facts["negative_balance_months_12m"] == sum(b < 0 for b in balances)
    assert facts["savings_balance"] == 300.0
    assert facts["debt_service_ratio"] == pytest.approx(12 * LOAN / sum(PAY))
    assert facts["history_months"] == 12


def test_a_late_bill_counts_once_whatever_the_usual_day():
    payload = statement()
    for t in payload["transactions"]:
        if t["counterpartyKind"] == "telecom" and t["bookingDate"].startswith("2025-07"):
            t["bookingDate"] = "2025-07-20"
    assert extract_statement(payload)["telecom_late_months_12m"] == 1


def test_merchant_details_refuse_the_statement_and_are_never_echoed():
    payload = statement()
    payload["transactions"][3]["merchantName"] = "Saint Mary Clinic"
    payload["transactions"][5]["merchantName"] = "Saint Mary Clinic"
    payload["transactions"][4]["merchantCategoryCode"] = "8062"
    payload["transactions"][6]["description"] = "prescription"
    with pytest.raises(ContractViolation) as caught:
        extract_statement(payload)
    problems = {p.field: p for p in caught.value.problems}
    assert set(problems) == {
        "transactions[3].merchantName",
        "transactions[4].merchantCategoryCode",
        "transactions[6].description",
    }
    assert all(p.offence is Offence.PROHIBITED for p in problems.values())
    text = json.dumps(caught.value.problem_extensions) + str(caught.value)
    assert "Clinic" not in text
    assert "8062" not in text
    assert "prescription" not in text


def test_the_facts_hold_nothing_but_contract_numbers():
    facts = extract_statement(statement())
    assert all(v is None or isinstance(v, int | float) for v in facts.values())
    assert set(facts) <= set(CASHFLOW_FEATURES)


@pytest.mark.parametrize(
    ("change", "field", "offence"),
    [
        (lambda p: p.update(extra=1), "extra", Offence.UNKNOWN),
        (lambda p: p["account"].update(postcode="10001"), "account.postcode", Offence.PROHIBITED),
        (lambda p: p["account"].update(currency="EUR"), "account.currency", Offence.INVALID),
        (lambda p: p.update(asOf="31/12/2025"), "asOf", Offence.INVALID),
        (
            lambda p: p["transactions"][0].update(amount="-5.00"),
            "transactions[0].amount",
            Offence.INVALID,
        ),
        (
            lambda p: p["transactions"][0].update(amount="0.00"),
            "transactions[0].amount",
            Offence.INVALID,
        ),
        (
            lambda p: p["transactions"][0].update(amount="1.005"),
            "transactions[0].amount",
            Offence.INVALID,
        ),
        (
            lambda p: p["transactions"][0].update(amount=12.5),
            "transactions[0].amount",
            Offence.INVALID,
        ),
        (
            lambda p: p["transactions"][0].update(counterpartyKind="groceries"),
            "transactions[0].counterpartyKind",
            Offence.INVALID,
        ),
        (
            lambda p: p["transactions"][0].update(creditDebitIndicator="CRDT"),
            "transactions[0].creditDebitIndicator",
            Offence.INVALID,
        ),
        (
            lambda p: p["transactions"][0].update(bookingDate="2023-12-31"),
            "transactions[0].bookingDate",
            Offence.OUT_OF_RANGE,
        ),
        (
            lambda p: p["transactions"][0].update(bookingDate="2026-01-01"),
            "transactions[0].bookingDate",
            Offence.OUT_OF_RANGE,
        ),
        (lambda p: p["transactions"][0].pop("amount"), "transactions[0].amount", Offence.MISSING),
        (lambda p: p.update(transactions=[]), "transactions", Offence.INVALID),
    ],
)
def test_the_statement_format_is_validated_strictly(change, field, offence):
    payload = copy.deepcopy(statement())
    change(payload)
    with pytest.raises(ContractViolation) as caught:
        parse_statement(payload)
    assert [(p.field, p.offence) for p in caught.value.problems] == [(field, offence)]


def test_optional_keys_are_accepted():
    payload = statement()
    payload["transactions"][0].update(transactionId="t-1", currency="USD")
    del payload["account"]["savingsBalance"]
    assert extract_statement(payload)["savings_balance"] == 0.0


def _one_subject_payload(population, subject):
    tx = population.transactions.filter(pl.col("subject_id") == subject)
    account = population.accounts.filter(pl.col("subject_id") == subject).row(0, named=True)
    return {
        "asOf": population.as_of.isoformat(),
        "account": {
            "currency": "USD",
            "openingBalance": f"{account['opening_balance_cents'] / 100:.2f}",
            "savingsBalance": f"{account['savings_balance_cents'] / 100:.2f}",
        },
        "transactions": [
            {
                "bookingDate": row["booking_date"].isoformat(),
                "amount": f"{row['amount_cents'] // 100}.{row['amount_cents'] % 100:02d}",
                "creditDebitIndicator": row["direction"].capitalize(),
                "counterpartyKind": row["counterparty_kind"],
            }
            for row in tx.iter_rows(named=True)
        ],
    }


def test_the_api_shaped_path_and_the_dataset_path_agree():
    population = generate(40, seed=5, level="statements")
    for subject in (0, 17, 39):
        one = extract_statement(_one_subject_payload(population, subject))
        row = population.features.filter(pl.col("subject_id") == subject).row(0, named=True)
        for name in CASHFLOW_FEATURES:
            assert one[name] == pytest.approx(row[name]), (subject, name)


def test_a_dataset_with_merchant_columns_is_refused():
    population = generate(20, seed=6, level="statements")
    assert population.transactions is not None
    assert population.accounts is not None
    leaky = population.transactions.with_columns(
        merchant_name=pl.lit("Corner Shop"), spending_category=pl.lit("alcohol")
    )
    with pytest.raises(ContractViolation) as caught:
        extract_frame(leaky, population.accounts, as_of=population.as_of)
    assert {(p.field, p.offence) for p in caught.value.problems} == {
        ("merchant_name", Offence.PROHIBITED),
        ("spending_category", Offence.PROHIBITED),
    }


def test_a_dataset_transaction_outside_the_window_is_refused():
    population = generate(5, seed=6, level="statements")
    assert population.transactions is not None
    assert population.accounts is not None
    late = population.transactions.with_columns(booking_date=pl.lit(dt.date(2026, 1, 2)))
    with pytest.raises(ContractViolation, match="booking_date"):
        extract_frame(late, population.accounts, as_of=population.as_of)


def test_a_dataset_with_unreadable_or_missing_values_is_refused_without_quoting_them():
    population = generate(5, seed=6, level="statements")
    assert population.transactions is not None
    assert population.accounts is not None
    broken = population.transactions.with_columns(
        pl.col("counterparty_kind").cast(pl.String).replace("rent", "Landlord Smith"),
        amount_cents=pl.lit(None, dtype=pl.Int64),
    )
    with pytest.raises(ContractViolation) as caught:
        extract_frame(broken, population.accounts, as_of=population.as_of)
    assert {(p.field, p.offence) for p in caught.value.problems} == {
        ("counterparty_kind", Offence.WRONG_TYPE),
        ("amount_cents", Offence.MISSING),
    }
    assert "Smith" not in str(caught.value) + json.dumps(caught.value.problem_extensions)

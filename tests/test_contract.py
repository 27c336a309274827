"""The feature contract, the prohibited list, and the refusal on the API path."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

from consent import DataCategory
from scoring import (
    CONTRACT,
    FEATURE_NAMES,
    FEATURES,
    PROHIBITED,
    ContractViolation,
    Offence,
    check_facts,
    check_fields,
    prohibition_for,
)
from scoring.contract import Feature
from scoring.contract.models import SubjectFacts, get_facts, put_facts
from synthetic import generate

ROOT = Path(__file__).resolve().parents[1]


def test_contract_declares_every_feature_fully():
    assert 12 <= len(CONTRACT) <= 16
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    for spec in CONTRACT:
        assert isinstance(spec.category, DataCategory)
        assert spec.description
        assert spec.unit
        assert spec.lower < spec.upper
        assert spec.nullable == bool(spec.missing_means)
        edges = (spec.lower, *spec.bins)
        assert all(a < b for a, b in pairwise(edges)), spec.name


def test_every_data_category_feeds_some_feature():
    assert {f.category for f in CONTRACT} == set(DataCategory)


def test_only_bureau_features_describe_a_thin_file_by_their_absence():
    for spec in CONTRACT:
        if spec.category is DataCategory.BUREAU:
            assert spec.nullable
            assert "thin file" in spec.missing_means


def test_a_malformed_feature_declaration_is_refused():
    with pytest.raises(ValueError, match="bin edges"):
        Feature(
            name="x_months",
            description="x",
            kind="int",
            unit="months",
            lower=0,
            upper=12,
            category=DataCategory.RENT,
            actionable=True,
            direction=FEATURES["rent_on_time_12m"].direction,
            bins=(6.0, 3.0),
        )


def test_stored_facts_hold_exactly_the_contract_inputs(session, keys, tmp_path):
    from store.keks import KekFolder
    from store.keys import MasterKeyFolder
    from store.vault import Vault
    from tests.consent_fixtures import add_person

    vault = Vault(KekFolder(tmp_path / "keks", MasterKeyFolder(tmp_path).load).load)
    subject_id = add_person(session)
    facts = generate(50, seed=3).features.drop("subject_id").to_dicts()[0]
    put_facts(session, vault=vault, subject_id=subject_id, facts=facts)
    stored = get_facts(session, vault=vault, subject_id=subject_id)
    assert list(stored) == sorted(FEATURE_NAMES)
    assert [c.name for c in SubjectFacts.__table__.columns] == [
        "subject_id",
        "recorded_at",
        "payload",
    ]
    with pytest.raises(ContractViolation):
        put_facts(session, vault=vault, subject_id=subject_id, facts={**facts, "age": 40})


def test_no_feature_is_prohibited():
    assert [name for name in FEATURE_NAMES if prohibition_for(name)] == []


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Date_of_Birth", "age"),
        ("dob", "age"),
        ("DOB", "age"),
        ("customerAge", "age"),
        ("gender", "sex_and_gender"),
        ("SEX", "sex_and_gender"),
        ("ethnicity", "race_and_ethnicity"),
        ("Race", "race_and_ethnicity"),
        ("religion", "religion"),
        ("maritalStatus", "marital_status"),
        ("nationality", "national_origin"),
        ("disability_flag", "disability_and_health"),
        ("merchantName", "merchants"),
        ("merchant_category_code", "merchants"),
        ("mcc", "merchants"),
        ("purchase_category", "purchase_categories"),
        ("gamblingSpend", "gaming_and_gambling"),
        ("browsing_history", "browsing"),
        ("app_usage", "app_usage"),
        ("time_of_day", "time_of_day"),
        ("friends", "social_network"),
        ("contacts", "contacts"),
        ("postcode", "fine_location"),
        ("ZIP", "fine_location"),
        ("gps_lat", "fine_location"),
        ("Latitude", "fine_location"),
        ("home-address", "fine_location"),
    ],
)
def test_prohibited_names_are_caught_whatever_their_spelling(name, key):
    entry = prohibition_for(name)
    assert entry is not None, name
    assert entry.key == key


@pytest.mark.parametrize(
    "name", ["average_balance", "mortgage_payment", "usage_fee", "message_count", "region"]
)
def test_words_that_merely_contain_a_prohibited_term_are_not_prohibited(name):
    assert prohibition_for(name) is None


def test_every_prohibition_has_a_reason_and_a_category():
    keys = [p.key for p in PROHIBITED]
    assert len(keys) == len(set(keys))
    assert {p.category.value for p in PROHIBITED} == {
        "social",
        "behavioural",
        "location",
        "protected",
    }
    for entry in PROHIBITED:
        assert len(entry.reason) > 30
        assert entry.terms


def test_check_fields_lists_every_offending_field_with_why():
    with pytest.raises(ContractViolation) as caught:
        check_fields(["rent_on_time_12m", "gender", "merchantName", "shoe_size"])
    problems = {p.field: p for p in caught.value.problems}
    assert set(problems) == {"gender", "merchantName", "shoe_size"}
    assert problems["gender"].offence is Offence.PROHIBITED
    assert problems["gender"].category == "protected"
    assert problems["merchantName"].category == "behavioural"
    assert problems["shoe_size"].offence is Offence.UNKNOWN
    assert caught.value.problem_extensions["fields"][0]["field"] == "gender"


def test_check_facts_normalises_names_and_types():
    facts = check_facts(
        {"Rent-On-Time-12m": 11.0, "SavingsBalance": 250, "bureau_utilisation": None}
    )
    assert facts == {"rent_on_time_12m": 11, "savings_balance": 250.0, "bureau_utilisation": None}
    assert isinstance(facts["rent_on_time_12m"], int)
    assert isinstance(facts["savings_balance"], float)


@pytest.mark.parametrize(
    ("facts", "offence"),
    [
        ({"history_months": 25}, Offence.OUT_OF_RANGE),
        ({"debt_service_ratio": -0.1}, Offence.OUT_OF_RANGE),
        ({"history_months": 2.5}, Offence.WRONG_TYPE),
        ({"history_months": True}, Offence.WRONG_TYPE),
        ({"savings_balance": "100"}, Offence.WRONG_TYPE),
        ({"savings_balance": float("nan")}, Offence.WRONG_TYPE),
        ({"history_months": None}, Offence.MISSING),
        ({"history_months": 3, "HistoryMonths": 4}, Offence.DUPLICATE),
    ],
)
def test_check_facts_refuses_bad_values(facts, offence):
    with pytest.raises(ContractViolation) as caught:
        check_facts(facts)
    assert [p.offence for p in caught.value.problems] == [offence]


def test_api_lists_the_contract_and_the_prohibited_list(client):
    response = client.get("/v1/contract")
    assert response.status_code == 200
    body = response.get_json()
    assert [f["name"] for f in body["features"]] == list(FEATURE_NAMES)
    first = body["features"][0]
    assert set(first) >= {"unit", "lower", "upper", "category", "actionable", "bins"}
    assert {p["key"] for p in body["prohibited"]} == {p.key for p in PROHIBITED}
    assert all(p["reason"] for p in body["prohibited"])


def test_api_check_accepts_contract_facts(client):
    response = client.post(
        "/v1/contract/check",
        json={"facts": {"rent_on_time_12m": 12, "Savings_Balance": 40.5}},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert {f["name"]: f["value"] for f in body["facts"]} == {
        "rent_on_time_12m": 12,
        "savings_balance": 40.5,
    }
    assert body["categories"] == ["bank_cashflow", "rent"]


def test_api_refuses_prohibited_unknown_and_out_of_range_fields_naming_each(client):
    secret = "1984-02-29"
    response = client.post(
        "/v1/contract/check",
        json={
            "facts": {
                "rent_on_time_12m": 12,
                "Date_of_Birth": secret,
                "merchantName": "Corner Pharmacy",
                "zip_code": "10001",
                "shoe_size": 9,
                "history_months": 99,
            }
        },
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("/problems/contract-violation")
    fields = {f["field"]: f for f in body["fields"]}
    assert set(fields) == {
        "Date_of_Birth",
        "merchantName",
        "zip_code",
        "shoe_size",
        "history_months",
    }
    assert fields["Date_of_Birth"]["offence"] == "prohibited"
    assert fields["Date_of_Birth"]["category"] == "protected"
    assert fields["zip_code"]["category"] == "location"
    assert fields["shoe_size"]["offence"] == "unknown"
    assert fields["history_months"]["offence"] == "out_of_range"
    assert secret not in response.get_data(as_text=True)
    assert "Pharmacy" not in response.get_data(as_text=True)
    assert client.get("/problems/contract-violation").status_code == 200


def test_api_check_body_refuses_extra_members(client):
    response = client.post("/v1/contract/check", json={"facts": {}, "gender": "x"})
    assert response.status_code == 422
    assert response.get_json()["type"].endswith("/problems/validation")


def test_the_contract_page_names_every_feature_and_prohibition():
    text = (ROOT / "docs" / "feature-contract.md").read_text()
    for name in FEATURE_NAMES:
        assert re.search(rf"`{name}`", text), name
    for entry in PROHIBITED:
        assert f"`{entry.key}`" in text, entry.key

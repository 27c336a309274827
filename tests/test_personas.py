"""The sandbox personas: their shipped files are what the generator writes, every file of
every shape connects with the outcome docs/connecting-bank-data.md promises, and the
nightlife persona, the renter's money spent at casinos and bars, is stored and scored
exactly as the renter is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dp.versions import active_version
from scoring.contract.models import get_facts
from scoring.ingest.banks import Shape
from service.commands.synth import synth
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from synthetic import persona, persona_file, personas
from tests.consent_fixtures import add_person, grant, signed_in_headers
from tests.decision_fixtures import add_model

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "synthetic" / "persona_feeds"
BANK = ("rent", "utilities", "telecom", "bank_cashflow", "income")
KEYS = {Shape.FDX: "fdx", Shape.OPEN_BANKING: "openBanking", Shape.OFX: "ofx"}
BUREAU = ("bureau_open_tradelines", "bureau_utilisation", "bureau_delinquencies_24m")

#: What each persona's documentation promises: facts (exact), kinds kept (exact), and
#: whether a decision scores them. A fact named with ``None`` must be missing.
PROMISES: dict[str, dict] = {
    "gig_worker": {
        "facts": {"income_regular_months_12m": 6, "history_months": 24, "rent_on_time_12m": 11},
        "kept": {"payroll": 86, "benefits": 0},
        "scored": True,
    },
    "renter": {
        "facts": {"rent_on_time_12m": 12, "history_months": 24, "negative_balance_months_12m": 0},
        "kept": {"rent": 24, "payroll": 48},
        "scored": True,
    },
    "newcomer": {
        "facts": {"history_months": 7, "rent_on_time_12m": 7, "utility_late_months_12m": None},
        "kept": {"payroll": 7, "rent": 7},
        "scored": True,
    },
    "student_on_benefits": {
        "facts": {"income_regular_months_12m": 12, "history_months": 18, "rent_on_time_12m": None},
        "kept": {"benefits": 18, "payroll": 0, "rent": 0},
        "scored": True,
    },
    "often_overdrawn": {
        "facts": {"negative_balance_months_12m": 12, "history_months": 24},
        "kept": {"payroll": 24, "transfer": 6},
        "scored": True,
    },
    "four_months": {
        "facts": {"history_months": 4, "income_regular_months_12m": 4},
        "kept": {"payroll": 4, "rent": 4},
        "scored": False,
    },
    "nightlife": {
        "facts": {"rent_on_time_12m": 12, "history_months": 24, "negative_balance_months_12m": 0},
        "kept": {"rent": 24, "payroll": 48},
        "scored": True,
    },
    "salaried_saver": {
        "facts": {"savings_balance": 12000.0, "history_months": 24, "rent_on_time_12m": 12},
        "kept": {"loan_repayment": 24, "transfer": 24},
        "scored": True,
    },
}


def test_every_persona_is_promised_and_documented():
    names = [p.name for p in personas()]
    assert len(names) >= 8
    assert sorted(names) == sorted(PROMISES)
    doc = (ROOT / "docs" / "connecting-bank-data.md").read_text()
    section = doc.split("## Sandbox personas", 1)[1].split("\n## ", 1)[0]
    for name in names:
        assert f"| `{name}` |" in section, name


def test_the_shipped_files_are_what_the_command_writes(app, tmp_path):
    out = tmp_path / "personas"
    result = app.test_cli_runner().invoke(synth, ["personas", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in SHIPPED.iterdir())
    assert len(written) == 3 * len(personas())
    for name in written:
        assert (out / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def _person(app):
    with session_factory(app)() as s, s.begin():
        if active_version(s) is None:
            add_model(s)
        subject_id = add_person(s)
        grant(s, consent_keys(app), subject_id, "scoring", categories=BANK)
    return subject_id, signed_in_headers(app, subject_id)


def _load(app, client, name, shape):
    """Connect a persona's shipped file as a fresh person; return (subject, headers, answer)."""
    subject_id, headers = _person(app)
    text = persona_file(name, shape)
    body = {KEYS[shape]: text} if shape is Shape.OFX else {KEYS[shape]: json.loads(text)}
    answer = client.post(f"/v1/subjects/{subject_id}/bank-data", json=body, headers=headers)
    assert answer.status_code == 201, (name, shape, answer.json)
    return subject_id, headers, answer.json


def _decide(client, subject_id, headers):
    answer = client.post(f"/v1/subjects/{subject_id}/decisions", json={}, headers=headers)
    assert answer.status_code == 201, answer.json
    return answer.json["explanation"]["document"]


@pytest.mark.parametrize("shape", list(Shape))
@pytest.mark.parametrize("name", sorted(PROMISES))
def test_each_persona_file_connects_with_the_promised_outcome(app, client, name, shape):
    promise = PROMISES[name]
    subject_id, headers, body = _load(app, client, name, shape)
    for fact, value in promise["facts"].items():
        assert body["facts"].get(fact) == value, (fact, body["facts"].get(fact))
    for kind, count in promise["kept"].items():
        assert body["report"]["kept"][kind] == count, kind
    assert body["report"]["format"] == shape.value
    with session_factory(app)() as s:
        stored = get_facts(s, vault=vault(app), subject_id=subject_id)
    assert all(stored[f] is None for f in BUREAU)  # a bank holds no credit file
    document = _decide(client, subject_id, headers)
    if promise["scored"]:
        assert document["decision"] in {"approve", "refer", "decline"}
        assert isinstance(document["score"], int)
    else:
        assert document["decision"] == "insufficient_data"
        assert document["score"] is None
        assert "you shared 4" in document["insufficient_data"][0]


def test_the_overdrawn_person_keeps_money_below_zero_and_scores_below_the_saver(app, client):
    facts = {}
    scores = {}
    for name in ("often_overdrawn", "salaried_saver"):
        subject_id, headers, body = _load(app, client, name, Shape.FDX)
        facts[name] = body["facts"]
        scores[name] = _decide(client, subject_id, headers)["score"]
    assert facts["often_overdrawn"]["avg_eom_balance"] < 0
    assert facts["salaried_saver"]["debt_service_ratio"] > 0
    assert scores["often_overdrawn"] < scores["salaried_saver"]


@pytest.mark.parametrize("shape", list(Shape))
def test_casinos_and_bars_change_nothing_the_nightlife_twin_is_the_renter(app, client, shape):
    # The two feeds differ in every merchant of other spending; what is stored, the facts
    # derived and the score must not.
    renter_text, nightlife_text = (persona_file(n, shape) for n in ("renter", "nightlife"))
    assert "Lucky Star Casino" in nightlife_text
    assert "Lucky Star Casino" not in renter_text
    assert persona("renter").statement == persona("nightlife").statement
    held = {}
    for name in ("renter", "nightlife"):
        subject_id, headers, body = _load(app, client, name, shape)
        statement = client.get(f"/v1/subjects/{subject_id}/bank-data", headers=headers).json
        with session_factory(app)() as s:
            stored = get_facts(s, vault=vault(app), subject_id=subject_id)
        score = _decide(client, subject_id, headers)["score"]
        held[name] = {
            "statement": statement["statement"],
            "facts": stored,  # compared exactly, not approximately
            "kept": body["report"]["kept"],
            "score": score,
        }
    assert held["renter"] == held["nightlife"]

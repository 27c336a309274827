"""Helpers for the lender tests: two lenders with keys, people who share with one of them."""

from __future__ import annotations

from dataclasses import dataclass

from consent.lenders import LenderScope, ensure_lender, issue_lender_key
from dp.versions import active_version
from scoring.contract.models import put_facts
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from tests.consent_fixtures import add_person, grant
from tests.decision_fixtures import add_model

FACTS = {
    "rent_on_time_12m": 11,
    "utility_late_months_12m": 1,
    "telecom_late_months_12m": None,
    "income_regular_months_12m": 12,
    "median_net_inflow": 400.0,
    "avg_eom_balance": 900.0,
    "negative_balance_months_12m": 0,
    "savings_balance": 2000.0,
    "debt_service_ratio": 0.2,
    "history_months": 24,
    "bureau_open_tradelines": None,
    "bureau_utilisation": None,
    "bureau_delinquencies_24m": None,
    "bureau_inquiries_6m": None,
}
SCORING = ("rent", "utilities", "telecom", "bank_cashflow", "income")
SHARED = ("rent", "income", "bank_cashflow")


@dataclass(frozen=True)
class World:
    """Lenders a and b (keys with every scope), and one person sharing with each."""

    key_a: str
    key_b: str
    subject_a: str
    subject_b: str

    def headers(self, lender: str = "a", **extra: str) -> dict[str, str]:
        key = self.key_a if lender == "a" else self.key_b
        return {"Authorization": f"Bearer {key}", **extra}


def add_key(app, lender_id: str, scopes=tuple(LenderScope)) -> str:
    with session_factory(app)() as s, s.begin():
        ensure_lender(s, name=lender_id.title(), lender_id=lender_id)
        _row, text = issue_lender_key(s, lender_id=lender_id, scopes=scopes)
    return text


def add_sharer(app, lender_id: str, *, shared=SHARED) -> str:
    """An enrolled person with facts, a scoring consent and a share with ``lender_id``."""
    with session_factory(app)() as s, s.begin():
        if active_version(s) is None:
            add_model(s)
        subject_id = add_person(s)
        put_facts(s, vault=vault(app), subject_id=subject_id, facts=FACTS)
        grant(s, consent_keys(app), subject_id, "scoring", categories=SCORING)
        grant(s, consent_keys(app), subject_id, f"share:{lender_id}", categories=shared)
    return subject_id


def make_world(app) -> World:
    key_a = add_key(app, "lender-a")
    key_b = add_key(app, "lender-b")
    return World(key_a, key_b, add_sharer(app, "lender-a"), add_sharer(app, "lender-b"))

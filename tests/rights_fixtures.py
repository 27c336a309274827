"""Helpers for the data-rights tests: people with sealed facts, consents and a dispute."""

from __future__ import annotations

from consent import lifecycle
from consent.models import Lender
from scoring.contract import CONTRACT
from scoring.contract.models import put_facts
from scoring.workflow.disputes import open_dispute
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from synthetic.models import AuditProtectedAttribute, seal_group
from tests.consent_fixtures import add_lender, add_person, grant, signed_in_headers


def facts(offset: int = 0) -> dict[str, float | int]:
    """Valid facts, distinguishable between people by ``offset`` (0 to 8)."""
    values: dict[str, float | int] = {}
    for feature in CONTRACT:
        value = feature.lower + (feature.upper - feature.lower) * (offset + 1) / 10
        values[feature.name] = int(value) if feature.kind == "int" else round(value, 2)
    return values


def add_person_with_data(
    app, *, offset: int = 0, statement: str | None = None, group: str = "group_b"
) -> tuple[str, dict[str, str]]:
    """Add an enrolled person with facts, two consents (one withdrawn), a protected group
    and, if ``statement`` is given, an open dispute of ``rent_on_time_12m``."""
    keys = consent_keys(app)
    with session_factory(app)() as s, s.begin():
        if s.get(Lender, "acme-bank") is None:
            add_lender(s)
        subject_id = add_person(s)
        put_facts(s, vault=vault(app), subject_id=subject_id, facts=facts(offset))
        s.add(
            AuditProtectedAttribute(
                subject_id=subject_id,
                sealed_group=seal_group(s, vault=vault(app), subject_id=subject_id, group=group),
            )
        )
        grant(s, keys, subject_id, "scoring", categories=("rent", "income", "bank_cashflow"))
        shared = grant(s, keys, subject_id, "share:acme-bank", categories=("rent",))
        lifecycle.withdraw(
            s, keys=keys, subject_id=subject_id, consent_id=shared.consent.id, channel="api"
        )
        if statement is not None:
            open_dispute(
                s,
                vault=vault(app),
                subject_id=subject_id,
                feature="rent_on_time_12m",
                statement=statement,
            )
    return subject_id, signed_in_headers(app, subject_id)

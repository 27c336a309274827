"""A statistics release from end to end: snapshot, charge, read through the gate, noise.

Two steps, in two transactions, so that a charge is committed before any noise is drawn:

1. ``reserve_statistic`` (a writing transaction the caller commits at once): take the
   snapshot of subjects whose ``statistics`` consent covers the query's categories, return
   the stored release if this very query was already answered over this very snapshot,
   else charge every member through the ledger (or refuse).
2. ``run_statistic`` (the caller's next transaction): read each member's facts through the
   consent gate (one access-log entry per person per release, so everyone can see that
   they were counted), tabulate, add OpenDP noise, store the result with the release.

A member who withdrew between the two steps is skipped (they were charged; charging a
superset of the people read is safe).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from consent import gate
from consent.errors import ConsentMissing
from consent.lifecycle import ConsentKeys
from consent.purposes import Purpose, PurposeKind
from scoring.models import get_facts
from store import utcnow
from store.vault import Vault

from . import ledger
from .loss import PrivacyLoss
from .statistics import StatPlan, StatQuery, columns_of, plan, release, tabulate

STATISTICS = Purpose(PurposeKind.STATISTICS)


@dataclass(frozen=True)
class Reserved:
    """A charged statistic waiting to be run, or a stored one (``stored`` is its result)."""

    release_id: str
    plan: StatPlan
    members: tuple[str, ...]
    cost: PrivacyLoss
    remaining: PrivacyLoss
    stored: dict[str, Any] | None = None


def reserve_statistic(
    session: Session,
    *,
    query: StatQuery,
    budget: PrivacyLoss,
    actor: str,
    now: dt.datetime | None = None,
) -> Reserved:
    """Take the snapshot and charge it (or find the stored answer); the caller commits.

    Raises:
        dp.BudgetExhausted: someone in the snapshot has too little budget left.
    """
    stat_plan = plan(query)
    snapshot = gate.consenting_subjects(
        session, purpose=STATISTICS, categories=query.categories(), now=now or utcnow()
    )
    members = tuple(sorted(subject for subject, _ in snapshot))
    key = ledger.fingerprint(query.describe(), members)
    found = ledger.find_released(session, fingerprint=key)
    if found is not None:
        left = ledger.remaining(session, budget=budget, members=members)
        return Reserved(found.id, stat_plan, members, PrivacyLoss.zero(), left, found.result)
    reservation = ledger.reserve(
        session,
        budget=budget,
        members=members,
        cost=stat_plan.cost,
        actor=actor,
        purpose=str(STATISTICS),
        kind=f"statistic:{query.statistic}",
        query=query.describe(),
        mechanism=stat_plan.mechanism(),
        fingerprint=key,
    )
    return Reserved(
        reservation.release_id, stat_plan, members, stat_plan.cost, reservation.remaining
    )


def run_statistic(
    session: Session, *, reserved: Reserved, keys: ConsentKeys, vault: Vault, actor: str
) -> dict[str, Any]:
    """Read the members' facts through the gate, release the statistic, store the result."""
    if reserved.stored is not None:
        return reserved.stored
    categories = reserved.plan.query.categories()
    facts = []
    for subject_id in reserved.members:
        try:
            gate.authorize(
                session,
                keys=keys,
                actor=actor,
                subject_id=subject_id,
                purpose=STATISTICS,
                categories=categories,
                what=f"statistic {reserved.release_id}",
            )
        except ConsentMissing:
            continue  # withdrew after the snapshot: charged, not read
        held = get_facts(session, vault=vault, subject_id=subject_id)
        if held is not None:
            facts.append(held)
    answer = release(reserved.plan, tabulate(reserved.plan.query, columns_of(facts)))
    result = answer.as_dict()
    ledger.complete(session, release_id=reserved.release_id, result=result)
    return result

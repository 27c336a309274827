"""A statistics release from end to end: snapshot, charge, read through the gate, noise.

Two steps, in two transactions, so that a charge is committed before any noise is drawn:

1. ``reserve_statistic`` (a writing transaction the caller commits at once): take the
   snapshot of subjects whose ``statistics`` consent covers the query's categories, return
   the stored release if this actor already asked this very query over this very snapshot,
   else charge every member through the ledger (or refuse).
2. ``run_statistic`` (the caller's next transaction): check each member's consent at the
   gate and read their facts, log the release once with every member's read committed in
   a tree that hides how many they are (``gate.log_release``, ADR 0020: each member sees
   and can prove in their own access log that they were counted), tabulate, add OpenDP
   noise, store the result with the release.

A member who withdrew between the two steps is skipped (they were charged; charging a
superset of the people read is safe). So is, in a query grouped by ``region``, a member
with no region on record (every cell is one region), and, in a ``default_rate``, a member
with no observed outcome counts in neither vector. Region and outcome are read under the
same ``statistics`` consent and log entry as the facts: they are not data categories a
person shares but the group key and label of the sealed ``scoring.workflow.outcomes`` tables.

A query that scores (``score_band``, ``approval_rate``) reads, for each member, every
contract category their ``statistics`` consent covers at the moment of the read (logged
as such in their entry), and scores them with the card the query carries: a category they
did not share, or a fact under an open dispute, scores the neutral 0, exactly as their
decision would (``dp.score_bands``). Their open disputes are read after the gate, under
the same entry.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import ConsentKeys, ConsentMissing, Purpose, PurposeKind, gate
from scoring.contract import CONTRACT, SubjectFacts, get_facts
from scoring.workflow import (
    REGIONS,
    SubjectOutcome,
    SubjectRegion,
    disputed_features,
    get_outcome,
    get_region,
)
from store import Vault, utcnow

from . import ledger
from .allocations import Allocation
from .answers import release
from .loss import PrivacyLoss
from .score_bands import SCORE, score_inputs, scores_of
from .statistics import (
    DEFAULTED,
    REGION,
    StatPlan,
    StatQuery,
    columns_of,
    plan,
    tabulate,
)

STATISTICS = Purpose(PurposeKind.STATISTICS)
#: Every category a score reads.
SCORED_CATEGORIES = frozenset(f.category for f in CONTRACT)


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
    allocation: Allocation,
    actor: str,
    fresh: bool = False,
    now: dt.datetime | None = None,
) -> Reserved:
    """Take the snapshot and charge it (or find the stored answer); the caller commits.

    A question ``actor`` asked before is answered with its latest stored answer, at no
    cost, whatever the snapshot is now, unless ``fresh`` asks for a new, charged release.
    Whether the snapshot changed is never shown: a replay keyed by the snapshot would tell
    its asker that someone joined or left (ADR 0020).

    Raises:
        dp.BudgetExhausted: someone in the snapshot has too little budget left.
    """
    stat_plan = plan(query)
    snapshot = gate.consenting_subjects(
        session, purpose=STATISTICS, categories=query.categories(), now=now or utcnow()
    )
    members = tuple(sorted(subject for subject, _ in snapshot))
    # A stored answer is replayed to the actor who asked for it only: another actor's same
    # question is its own release, paid for itself, and never learns that it was asked.
    key = ledger.fingerprint({**query.describe(), "asked_by": actor}, ())
    found = None if fresh else ledger.find_released(session, fingerprint=key)
    if found is not None:
        left = ledger.remaining(session, budget=budget, members=members, allocation=allocation)
        return Reserved(found.id, stat_plan, members, PrivacyLoss.zero(), left, found.result)
    reservation = ledger.reserve(
        session,
        budget=budget,
        allocation=allocation,
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
    query = reserved.plan.query
    facts: list[dict[str, Any]] = []
    inputs: list[dict[str, float | None]] = []
    regions: list[float] = []
    outcomes: list[float] = []
    reads: list[gate.ReleaseRead] = []
    now = utcnow()
    _prefetch(session, vault, reserved.members, query)
    for subject_id in reserved.members:
        categories = query.categories()
        if query.needs_score():
            covered = gate.covered(session, subject_id=subject_id, purpose=STATISTICS, now=now)
            categories |= covered & SCORED_CATEGORIES
        try:
            consent_id = gate.allowed(
                session, subject_id=subject_id, purpose=STATISTICS, categories=categories, now=now
            )
        except ConsentMissing:
            continue  # withdrew after the snapshot: charged, not read
        reads.append(gate.ReleaseRead(subject_id, frozenset(categories), consent_id))
        held = get_facts(session, vault=vault, subject_id=subject_id)
        if held is None:
            continue
        if query.needs_region():
            region = get_region(session, vault=vault, subject_id=subject_id)
            if region is None:
                continue
            regions.append(float(REGIONS.index(region)))
        if query.needs_outcome():
            outcome = get_outcome(session, vault=vault, subject_id=subject_id)
            outcomes.append(math.nan if outcome is None else float(outcome))
        if query.needs_score():
            disputed = disputed_features(session, subject_id)
            inputs.append(score_inputs(held, allowed=categories, disputed=disputed))
        facts.append(held)
    columns = columns_of(facts)
    if query.needs_region():
        columns[REGION] = np.asarray(regions, dtype=np.float64)
    if query.needs_outcome():
        columns[DEFAULTED] = np.asarray(outcomes, dtype=np.float64)
    if query.card is not None and query.needs_score():
        columns[SCORE] = scores_of(query.card, columns_of(inputs))
    # Everyone read is logged in one entry that hides how many they are (ADR 0020).
    gate.log_release(
        session,
        keys=keys,
        actor=actor,
        release_id=reserved.release_id,
        purpose=STATISTICS,
        what=f"statistic {reserved.release_id}",
        reads=reads,
        now=now,
    )
    answer = release(reserved.plan, tabulate(query, columns))
    result = answer.as_dict()
    ledger.complete(session, release_id=reserved.release_id, result=result)
    return result


def _prefetch(session: Session, vault: Vault, members: Sequence[str], query: StatQuery) -> None:
    """Unwrap the members' keys and load their rows in bulk (the reads then hit no query)."""
    tables: list[type[SubjectFacts] | type[SubjectRegion] | type[SubjectOutcome]] = [SubjectFacts]
    if query.needs_region():
        tables.append(SubjectRegion)
    if query.needs_outcome():
        tables.append(SubjectOutcome)
    for start in range(0, len(members), ledger.BATCH):
        chunk = list(members[start : start + ledger.BATCH])
        vault.preload(session, chunk)
        for table in tables:
            session.scalars(select(table).where(table.subject_id.in_(chunk))).all()

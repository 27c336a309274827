"""Training from the database: the ``training`` snapshot, charged, then read through the gate.

The snapshot is everyone whose ``training`` consent is active and covers **every** data
category the feature contract reads (``MODEL_CATEGORIES``): the model reads every feature
of every person in it, so a person who left out a category is not in it at all (never read
in part). Two steps, as for a statistic (``dp.releases``):

1. ``reserve_training_snapshot`` (a writing transaction the caller commits at once): take
   the snapshot and charge the training run's exact cost (``dp.training.training_cost``)
   to every member through the ledger, or refuse.
2. ``read_training_data`` (the caller's next transaction): for each member, the consent
   check (``gate.allowed``, purpose ``training``), then their sealed facts and outcome,
   with every data key unwrapped in bulk first (``Vault.preload``); then one log entry for
   the run, committing to every member's read in a tree that hides how many they are
   (``gate.log_release``, ADR 0020), so everyone can see and prove they were trained on.

A member who withdrew between the two steps is skipped (charged, not read); a member with
no observed outcome cannot be a training example and is skipped too (read is logged,
nothing learned). Both only make the data a subset of the charged snapshot: safe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import ConsentKeys, ConsentMissing, DataCategory, Purpose, PurposeKind, gate
from scoring.contract import FEATURES, SubjectFacts, get_facts
from scoring.workflow import SubjectOutcome, get_outcome
from store import Vault, utcnow

from . import ledger
from .allocations import Allocation
from .loss import PrivacyLoss
from .statistics import columns_of
from .training import Columns, Outcomes, training_cost, training_noises
from .versions import reserve_training

TRAINING = Purpose(PurposeKind.TRAINING)
#: Every data category the model reads: a training consent must cover them all.
MODEL_CATEGORIES: frozenset[DataCategory] = frozenset(f.category for f in FEATURES.values())
#: Subject ids per bulk ``IN (...)`` read.
BATCH = 900


@dataclass(frozen=True)
class TrainingSnapshot:
    """A charged training run over a snapshot of consenting subjects."""

    reservation: ledger.Reservation
    members: tuple[str, ...]
    epsilon: float
    mechanism: dict[str, Any]


@dataclass(frozen=True)
class TrainingData:
    """The facts and outcomes read for one training run, and how many were read."""

    columns: Columns
    outcomes: Outcomes
    read: int
    skipped_withdrawn: int
    skipped_no_outcome: int


def _training_members(session: Session, *, now: dt.datetime | None = None) -> tuple[str, ...]:
    """Return the current ``training`` snapshot, sorted (no log: nobody is read yet)."""
    snapshot = gate.consenting_subjects(
        session, purpose=TRAINING, categories=MODEL_CATEGORIES, now=now or utcnow()
    )
    return tuple(sorted(subject for subject, _ in snapshot))


def reserve_training_snapshot(
    session: Session,
    *,
    epsilon: float,
    budget: PrivacyLoss,
    allocation: Allocation,
    actor: str,
    query: dict[str, Any],
    now: dt.datetime | None = None,
) -> TrainingSnapshot:
    """Take the ``training`` snapshot and charge the run to every member; caller commits.

    Raises:
        dp.BudgetExhausted: someone in the snapshot has too little budget left.
    """
    members = _training_members(session, now=now)
    noise, calibration_noise = training_noises(epsilon)
    mechanism = {**noise.as_dict(), "calibration": calibration_noise.as_dict()}
    reservation = reserve_training(
        session,
        budget=budget,
        allocation=allocation,
        members=members,
        cost=training_cost(epsilon),
        actor=actor,
        query={**query, "source": "training snapshot"},
        mechanism=mechanism,
    )
    return TrainingSnapshot(reservation, members, epsilon, mechanism)


def read_training_data(
    session: Session,
    *,
    members: Sequence[str],
    keys: ConsentKeys,
    vault: Vault,
    actor: str,
    release_id: str,
) -> TrainingData:
    """Read each member's facts and outcome through the gate (one log entry per person)."""
    facts: list[dict[str, Any]] = []
    labels: list[bool] = []
    withdrawn = no_outcome = 0
    reads: list[gate.ReleaseRead] = []
    now = utcnow()
    for start in range(0, len(members), BATCH):
        chunk = list(members[start : start + BATCH])
        vault.preload(session, chunk)
        # Load the chunk's rows into the identity map: the reads below then hit no query.
        session.scalars(select(SubjectFacts).where(SubjectFacts.subject_id.in_(chunk))).all()
        session.scalars(select(SubjectOutcome).where(SubjectOutcome.subject_id.in_(chunk))).all()
        for subject_id in chunk:
            try:
                consent_id = gate.allowed(
                    session,
                    subject_id=subject_id,
                    purpose=TRAINING,
                    categories=MODEL_CATEGORIES,
                    now=now,
                )
            except ConsentMissing:
                withdrawn += 1
                continue
            reads.append(gate.ReleaseRead(subject_id, MODEL_CATEGORIES, consent_id))
            held = get_facts(session, vault=vault, subject_id=subject_id)
            outcome = get_outcome(session, vault=vault, subject_id=subject_id)
            if held is None or outcome is None:
                no_outcome += 1
                continue
            facts.append(held)
            labels.append(outcome)
    # Everyone read is logged in one entry that hides how many they are (ADR 0020).
    gate.log_release(
        session,
        keys=keys,
        actor=actor,
        release_id=release_id,
        purpose=TRAINING,
        what=f"training {release_id}",
        reads=reads,
        now=now,
    )
    return TrainingData(
        columns=columns_of(facts),
        outcomes=np.asarray(labels, dtype=np.bool_),
        read=len(facts),
        skipped_withdrawn=withdrawn,
        skipped_no_outcome=no_outcome,
    )

"""Load a synthetic population into the database.

Each subject becomes a ``store.Subject`` with ``origin="synthetic"`` and a fresh random
id, one ``scoring.contract.models.SubjectFacts`` row, one audit-only
``synthetic.models.AuditProtectedAttribute`` row and, when the outcomes are given, one
``scoring.workflow.outcomes.SubjectOutcome`` (the drawn 12-month outcome: the only source of
repayment outcomes in the sandbox) and one ``scoring.workflow.outcomes.SubjectRegion`` row. Every
value is sealed. The caller owns the transaction.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from scoring import ContractViolation, FieldProblem, Offence, check_facts_frame
from scoring.contract import SubjectFacts, seal_facts
from scoring.workflow import SubjectOutcome, SubjectRegion, seal_outcome, seal_region
from store import Subject, Vault, new_id

from .models import AuditProtectedAttribute, seal_group

ORIGIN = "synthetic"
#: Rows per INSERT statement batch.
BATCH = 5_000


def has_subjects(*, session: Session) -> bool:
    """Return whether the database holds any subject at all."""
    return session.scalar(select(Subject.id).limit(1)) is not None


def seed_population(
    *,
    session: Session,
    vault: Vault,
    features: pl.DataFrame,
    protected: pl.DataFrame,
    outcomes: pl.DataFrame | None = None,
) -> list[str]:
    """Insert every subject of ``features`` with their facts and protected attribute.

    ``features`` must pass the contract's dataset check and ``protected`` must hold one
    ``protected_group`` for each of its ``subject_id``s; ``outcomes`` (optional) one
    ``defaulted`` and one ``region`` for each (``Population.outcomes()``,
    ``synthetic.files.read_outcomes``). Returns the new subject ids, in the order of
    ``features``.
    """
    features = check_facts_frame(features)
    groups = features.select("subject_id").join(
        protected.select("subject_id", "protected_group"), on="subject_id", how="left"
    )
    if groups.height != features.height or groups["protected_group"].null_count():
        raise ContractViolation(
            [FieldProblem("protected_group", Offence.MISSING, "one per subject")],
            source="audit dataset",
        )
    labels = _outcomes(features, outcomes)
    ids = [new_id() for _ in range(features.height)]
    facts = features.drop("subject_id").to_dicts()
    group_of = groups["protected_group"].cast(pl.String).to_list()
    for start in range(0, len(ids), BATCH):
        chunk = range(start, min(start + BATCH, len(ids)))
        subjects: list[dict[str, Any]] = [{"id": ids[i], "origin": ORIGIN} for i in chunk]
        session.execute(insert(Subject), subjects)
        session.execute(
            insert(SubjectFacts),
            [
                {
                    "subject_id": ids[i],
                    "payload": seal_facts(session, vault=vault, subject_id=ids[i], facts=facts[i]),
                }
                for i in chunk
            ],
        )
        session.execute(
            insert(AuditProtectedAttribute),
            [
                {
                    "subject_id": ids[i],
                    "sealed_group": seal_group(
                        session, vault=vault, subject_id=ids[i], group=group_of[i]
                    ),
                }
                for i in chunk
            ],
        )
        if labels is not None:
            defaulted, region = labels
            session.execute(
                insert(SubjectOutcome),
                [
                    {
                        "subject_id": ids[i],
                        "sealed_defaulted": seal_outcome(
                            session, vault=vault, subject_id=ids[i], defaulted=defaulted[i]
                        ),
                    }
                    for i in chunk
                ],
            )
            session.execute(
                insert(SubjectRegion),
                [
                    {
                        "subject_id": ids[i],
                        "sealed_region": seal_region(
                            session, vault=vault, subject_id=ids[i], region=region[i]
                        ),
                    }
                    for i in chunk
                ],
            )
    return ids


def _outcomes(
    features: pl.DataFrame, outcomes: pl.DataFrame | None
) -> tuple[list[bool], list[str]] | None:
    if outcomes is None:
        return None
    joined = features.select(pl.col("subject_id").cast(pl.Int64)).join(
        outcomes.select(
            pl.col("subject_id").cast(pl.Int64),
            pl.col("defaulted").cast(pl.Boolean),
            pl.col("region").cast(pl.String),
        ),
        on="subject_id",
        how="left",
        maintain_order="left",
    )
    if joined["defaulted"].null_count() or joined["region"].null_count():
        raise ContractViolation(
            [FieldProblem("defaulted", Offence.MISSING, "one outcome and region per subject")],
            source="outcomes dataset",
        )
    return joined["defaulted"].to_list(), joined["region"].to_list()

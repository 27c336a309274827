"""Model versions: each DP-trained scorecard with its model card; one is active.

Training is recorded in the ledger like every release (``purpose = training``): the
reservation is made and committed first, the version stored with the release's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from . import ledger
from .loss import PrivacyLoss
from .models import ModelVersion
from .training import Trained


def reserve_training(
    session: Session,
    *,
    budget: PrivacyLoss,
    members: Sequence[str],
    cost: PrivacyLoss,
    actor: str,
    query: dict[str, Any],
    mechanism: dict[str, Any],
) -> ledger.Reservation:
    """Charge a training run to everyone in its snapshot (the caller commits at once)."""
    return ledger.reserve(
        session,
        budget=budget,
        members=members,
        cost=cost,
        actor=actor,
        purpose="training",
        kind="training:woe-tables",
        query=query,
        mechanism=mechanism,
        fingerprint=ledger.fingerprint({**query, "run": "training"}, members),
    )


def save_version(
    session: Session, *, release_id: str, trained: Trained, card: dict[str, Any], activate: bool
) -> ModelVersion:
    """Store a trained scorecard with its card; make it the active one if asked."""
    latest = session.scalar(select(func.max(ModelVersion.version))) or 0
    ledger.complete(session, release_id=release_id, result={"model_version": latest + 1})
    if activate:
        session.execute(update(ModelVersion).values(active=False))
    version = ModelVersion(
        version=latest + 1,
        active=activate,
        release_id=release_id,
        card=card,
        points=trained.scorecard.as_dict(),
    )
    session.add(version)
    session.flush()
    return version


def active_version(session: Session) -> ModelVersion | None:
    """Return the active model version, if any."""
    return session.scalars(select(ModelVersion).where(ModelVersion.active)).first()


def activate(session: Session, *, version: int) -> ModelVersion:
    """Make ``version`` the active model."""
    chosen = session.scalars(select(ModelVersion).where(ModelVersion.version == version)).first()
    if chosen is None:
        raise LookupError(f"no model version {version}")
    session.execute(update(ModelVersion).values(active=False))
    chosen.active = True
    session.flush()
    return chosen

"""Model versions: each DP-trained scorecard with its model card; one is active.

Training is recorded in the ledger like every release (``purpose = training``): the
reservation is made and committed first, the version stored with the release's id.

A version trained on a lender's own file (``source = "own-data"``, ``dp.own_data.training``) is
never active: ``activate`` refuses it, ``active_version`` never returns it (and a check
constraint forbids it), and a lender reads only its own (``own_version``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from scoring import NoActiveModel
from scoring.card import Scorecard, check

from . import ledger
from .allocations import Allocation
from .errors import CardRefused, ModelNotFound
from .loss import PrivacyLoss
from .models import ModelVersion
from .training import Trained

CONTRACT = "contract"
OWN_DATA = "own-data"


def reserve_training(
    session: Session,
    *,
    budget: PrivacyLoss,
    allocation: Allocation,
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
        allocation=allocation,
        members=members,
        cost=cost,
        actor=actor,
        purpose="training",
        kind="training:woe-tables",
        query=query,
        mechanism=mechanism,
        fingerprint=ledger.fingerprint({**query, "run": "training"}, members),
    )


def refuse_nonsense(version: int, points: dict[str, Any]) -> None:
    """Raise ``CardRefused`` if the card's points break a direction or the sharing policy.

    The check runs on the integer points people are shown (``scoring.card.shape.check``).
    """
    found = check(Scorecard.from_model(version=version, points=points))
    if found:
        raise CardRefused(
            f"model version {version} may not score anyone: " + "; ".join(v.text for v in found),
            [v.text for v in found],
        )


def save_version(
    session: Session, *, release_id: str, trained: Trained, card: dict[str, Any], activate: bool
) -> ModelVersion:
    """Store a trained scorecard with its card; make it the active one if asked.

    A card that breaks its checks is stored but never activated: its card then says why
    (``activation_refused``), and the caller tells the operator (the budget is spent, so
    the version is kept for inspection).
    """
    if activate:
        try:
            refuse_nonsense(0, trained.scorecard.as_dict())
        except CardRefused as refused:
            activate, card = False, {**card, "activation_refused": refused.violations}
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
    """Return the active model version, if any (never one trained on a lender's file)."""
    return session.scalars(
        select(ModelVersion).where(ModelVersion.active, ModelVersion.source == CONTRACT)
    ).first()


def active_card(session: Session) -> tuple[Scorecard, dict[str, Any]]:
    """Return the active scorecard and its model card.

    Raises:
        scoring.errors.NoActiveModel: no model is active (an operator trains one first).
    """
    model = active_version(session)
    if model is None:
        raise NoActiveModel("no scoring model is active yet; an operator trains one first")
    return Scorecard.from_model(version=model.version, points=model.points), model.card


def activate(session: Session, *, version: int) -> ModelVersion:
    """Make ``version`` the active model.

    Raises:
        LookupError: there is no such version, or it was trained on a lender's own file
            (its features are not the contract's; it never scores Fairfile's subjects).
        CardRefused: its points break the contract's directions or the sharing policy.
    """
    chosen = session.scalars(select(ModelVersion).where(ModelVersion.version == version)).first()
    if chosen is None:
        raise LookupError(f"no model version {version}")
    if chosen.source != CONTRACT:
        raise LookupError(
            f"model version {version} was trained on a lender's own file: it scores that "
            "lender's records only and never becomes the active model"
        )
    refuse_nonsense(version, chosen.points)
    session.execute(update(ModelVersion).values(active=False))
    chosen.active = True
    session.flush()
    return chosen


def save_own_version(
    session: Session,
    *,
    release_id: str,
    points: dict[str, Any],
    card: dict[str, Any],
    lender_id: str | None,
) -> ModelVersion:
    """Store a model trained on a lender's own file: never active, owned by ``lender_id``."""
    latest = session.scalar(select(func.max(ModelVersion.version))) or 0
    ledger.complete(session, release_id=release_id, result={"model_version": latest + 1})
    version = ModelVersion(
        version=latest + 1,
        active=False,
        release_id=release_id,
        card={**card, "version": latest + 1},
        points=points,
        source=OWN_DATA,
        lender_id=lender_id,
    )
    session.add(version)
    session.flush()
    return version


def own_version(session: Session, *, version: int, lender_id: str | None) -> ModelVersion:
    """Return own-data model ``version`` if ``lender_id`` owns it (``None``: the operator).

    Raises:
        ModelNotFound: no such own-data version for this owner (the same for another's).
    """
    found = session.scalars(
        select(ModelVersion).where(ModelVersion.version == version, ModelVersion.source == OWN_DATA)
    ).first()
    if found is None or (lender_id is not None and found.lender_id != lender_id):
        raise ModelNotFound(f"no model version {version} of yours")
    return found


def own_versions(session: Session, *, lender_id: str) -> Sequence[ModelVersion]:
    """Return the own-data model versions of ``lender_id``, oldest first."""
    return session.scalars(
        select(ModelVersion)
        .where(ModelVersion.source == OWN_DATA, ModelVersion.lender_id == lender_id)
        .order_by(ModelVersion.version)
    ).all()

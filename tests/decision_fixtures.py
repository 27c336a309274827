"""Helpers for the decision tests: a fixed, monotone model version and scored people."""

from __future__ import annotations

from dp.allocations import Allocation
from dp.loss import PrivacyLoss
from dp.training import Trained, WoeCard
from dp.versions import reserve_training, save_version
from scoring.card.scorecard import Scorecard, labels_of
from scoring.card.shape import favourable_bins
from scoring.contract import CONTRACT, Direction

CARD = {
    "method": "fixed test model",
    "data": "none (tests)",
    "epsilon": 1.0,
    "holdout": {"subjects": 1000, "auc": 0.75},
}


def woe_points() -> dict:
    """Weights of evidence that fall with safety, 0.35 per bin, keeping the sharing policy.

    The worst bin of each feature's favourable part weighs 0 (the neutral of not sharing),
    so the card passes ``scoring.card.shape.check``; a 'missing' bin of 0.
    """
    features = {}
    for feature in CONTRACT:
        labels = labels_of(feature)
        valued = len(feature.bins) + 1
        ranks = [
            i if feature.direction is Direction.RAISES_RISK else valued - 1 - i
            for i in range(valued)
        ]
        neutral = max(ranks[i] for i in favourable_bins(feature))
        woe = {label: 0.35 * (rank - neutral) for label, rank in zip(labels, ranks, strict=False)}
        if feature.nullable:
            woe["missing"] = 0.0
        features[feature.name] = woe
    return {"intercept": -2.8, "features": features}


def card() -> Scorecard:
    return Scorecard.from_model(version=1, points=woe_points())


def add_model(session) -> int:
    """Store the fixed model as the active version; return its number."""
    return store_version(session, woe_points()).version


def store_version(session, points: dict, *, activate: bool = True):
    """Store ``points`` as a model version, asking to activate it; return the version."""
    woe = WoeCard(
        intercept=points["intercept"],
        points={n: list(t.values()) for n, t in points["features"].items()},
    )
    trained = Trained(woe, PrivacyLoss.zero(), 1.0, 1000, {"name": "none"})
    reservation = reserve_training(
        session,
        budget=PrivacyLoss.unlimited(),
        allocation=Allocation("training", PrivacyLoss.unlimited()),
        members=[],
        cost=trained.cost,
        actor="test",
        query={"test": True},
        mechanism=trained.mechanism,
    )
    return save_version(
        session, release_id=reservation.release_id, trained=trained, card=CARD, activate=activate
    )

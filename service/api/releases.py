"""A DP statistic's release and the release record, as the API shows them.

``release`` charges the budget (committed first) and then releases; ``releases_of`` lists
one caller's releases, or everyone's. The analysts' routes (``service/api/stats.py``) and
the lenders' (``service/api/lender.py``) both answer with them.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from dp import (
    LossRequest,
    PrivacyLoss,
    Release,
    StatQuery,
    active_card,
    needs_model,
    reserve_statistic,
    run_statistic,
)
from store import WRITE

from ..web.config import allocations, budget
from ..web.keys import consent_keys, vault
from ..web.sessions import db, restart_ready_to_write, session_factory
from .schemas.stats import Loss, ReleaseOut, ReleasesOut, StatisticOut, StatisticQueryIn


def _loss(
    loss: PrivacyLoss, delta: float, *, pure_epsilon: str | None = None, left: bool = False
) -> Loss:
    # A cost is rounded up, a budget left rounded down: neither is ever flattered.
    epsilon = loss.epsilon_at(delta)
    return Loss(
        rho=loss.decimal(round_up=not left),
        pure_epsilon=pure_epsilon,
        approx_epsilon=None if epsilon == float("inf") else epsilon,
        approx_delta=delta,
    )


def _pure_epsilon(query: dict[str, Any]) -> str | None:
    """The epsilon a pure-DP query asked for, as a decimal (None for a zCDP query).

    An own-data training run's fairness audit adds its own pure epsilon (composition).

    >>> _pure_epsilon({"epsilon": "1/2"}), _pure_epsilon({"rho": "1"})
    ('0.5', None)
    >>> _pure_epsilon({"epsilon": "1", "audit_epsilon": "0.25"})
    '1.25'
    """
    if query.get("epsilon") is None:
        return None
    exact = Fraction(str(query["epsilon"])) + Fraction(str(query.get("audit_epsilon") or 0))
    return f"{Decimal(exact.numerator) / Decimal(exact.denominator):f}".rstrip("0").rstrip(".")


def release_cost(query: dict[str, Any], cost: PrivacyLoss, delta: float) -> Loss:
    """What a release cost, from its stored query and charge."""
    return _loss(cost, delta, pure_epsilon=_pure_epsilon(query))


def release(body: StatisticQueryIn, *, actor: str) -> tuple[dict[str, Any], int]:
    """Charge the budget, then release the statistic; return the answer and its status.

    Raises:
        scoring.errors.NoActiveModel: the query scores and no model is active.
    """
    card = active_card(db())[0] if needs_model(body.statistic, body.group_by) else None
    query = StatQuery(
        statistic=body.statistic,
        request=LossRequest.parse(epsilon=body.epsilon, rho=body.rho),
        feature=body.feature,
        group_by=tuple(body.group_by),
        clip=body.clip,
        card=card,
        cut_off=body.cut_off,
    )
    limit, delta = budget()
    # The charge commits in a transaction of its own before any data is read (a failed
    # release is never refunded); this request's transaction must not hold the write lock
    # meanwhile, and the release that follows writes the access log.
    db().commit()
    with session_factory()() as charging, charging.begin():
        charging.connection(execution_options=WRITE)
        reserved = reserve_statistic(
            charging,
            query=query,
            budget=limit,
            allocation=allocations().for_actor(actor),
            actor=actor,
            fresh=body.fresh,
        )
    session = restart_ready_to_write()
    result = run_statistic(
        session, reserved=reserved, keys=consent_keys(), vault=vault(), actor=actor
    )
    stored = reserved.stored is not None
    made = release_cost(result["query"], reserved.plan.cost, delta)
    answer = StatisticOut.model_validate(
        {
            **{k: v for k, v in result.items() if k != "cost_rho"},
            "release_id": reserved.release_id,
            "stored": stored,
            "cost": _loss(
                PrivacyLoss.zero(), delta, pure_epsilon="0" if made.pure_epsilon else None
            )
            if stored
            else made,
            "release_cost": made,
            "remaining": _loss(reserved.remaining, delta, left=True),
        }
    )
    status = 200 if stored else 201
    return answer.model_dump(mode="json"), status


def releases_of(actor: str | None, *, limit: int) -> dict[str, Any]:
    """The newest ``limit`` releases of ``actor`` (``None``: everyone's), as the API shows them.

    No release shows how many people it read: that number is not a DP answer.
    """
    _limit, delta = budget()
    rows = select(Release).order_by(Release.created_at.desc(), Release.id).limit(limit)
    if actor is not None:
        rows = rows.where(Release.actor == actor)
    out = ReleasesOut(
        releases=[
            ReleaseOut(
                id=r.id,
                created_at=r.created_at.isoformat(),
                actor=r.actor,
                allocation=r.allocation,
                purpose=r.purpose,
                kind=r.kind,
                query=r.query,
                mechanism=r.mechanism,
                cost=release_cost(r.query, PrivacyLoss.zcdp(r.cost_rho), delta),
                status=r.status,
                result=r.result,
            )
            for r in db().scalars(rows)
        ]
    )
    return out.model_dump(mode="json")

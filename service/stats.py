"""DP statistics: ``POST /v1/statistics`` releases one, ``GET /v1/statistics/releases`` lists.

Who may call: an analyst with its API key (``consent.analysts``; ``statistics:release`` to
release, ``statistics:read`` to list), recorded as ``analyst:<id>`` with the release and in
every access-log entry; a lender calls ``POST /v1/lender/statistics`` with its key instead
(``service/lender.py``), recorded as ``lender:<id>``. Nobody names themselves: a body that
still carries ``actor`` is refused (422), and an anonymous call is a 401. A regulator's
list shows every release, anybody else's only their own, and no list shows how many
people a release read. A release is a ``POST`` because it spends privacy budget. The
charge is committed in its own transaction before any noise is drawn (never refunded),
then the facts are read through the consent gate in the request's transaction.

A query by ``score_band`` or an ``approval_rate`` is scored with the model in force
(``dp.versions.active_card``): with none active it answers ``503 no-active-model`` before anything
is charged or read.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import Field, StrictBool, StrictInt
from sqlalchemy import select

from consent.analysts import Analyst, AnalystScope, Role, actor_of
from dp import LossRequest, PrivacyLoss
from dp.models import Release
from dp.releases import reserve_statistic, run_statistic
from dp.statistics import StatQuery, needs_model
from dp.versions import active_card
from scoring.decisions import DEFAULT_CUT_OFF
from store.db import WRITE

from .auth import analyst, calling_analyst
from .config import allocations, budget
from .keys import consent_keys, vault
from .sessions import db, restart_ready_to_write, session_factory
from .stats_schemas import (
    AllocationOut,
    AllocationsOut,
    Loss,
    ReleaseOut,
    ReleasesOut,
    StatisticOut,
)
from .web.types import Strict

bp = APIBlueprint(
    "statistics",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="statistics", description="Differentially private statistics")],
    abp_security=[{"analystKey": []}],
)

Amount = Annotated[str, Field(max_length=32, pattern=r"^[0-9]+(\.[0-9]+)?(/[0-9]+)?$")]


public = APIBlueprint(
    "privacy",
    __name__,
    url_prefix="/v1/privacy",
    abp_tags=[Tag(name="statistics", description="Differentially private statistics")],
)


class StatisticQueryIn(Strict):
    """A statistic over the people who granted `statistics`, grouped by public keys."""

    statistic: Literal["count", "histogram", "sum", "mean", "default_rate", "approval_rate"]
    feature: str | None = Field(default=None, max_length=48)
    group_by: list[str] = Field(
        default_factory=list,
        max_length=2,
        description="Public keys: thin_file, region, score_band or a feature's bins.",
    )
    clip: tuple[float, float] | None = None
    cut_off: StrictInt | None = Field(
        default=None,
        ge=0,
        le=2_000,
        description=f"approval_rate only: the public cut-off (default {DEFAULT_CUT_OFF}).",
    )
    epsilon: Amount | None = Field(default=None, description="Pure DP (discrete Laplace).")
    rho: Amount | None = Field(default=None, description="zCDP (discrete Gaussian).")
    fresh: StrictBool = Field(
        default=False,
        description="false: if you asked this very question before, your latest answer to "
        "it again, at no cost; true: a new release, charged, over the people in it now.",
    )


class ReleasesQuery(Strict):
    """Paging of the release record."""

    limit: int = Field(default=20, ge=1, le=100)


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


@public.get("/allocations", responses={200: AllocationsOut})
def list_allocations() -> Response:
    """How every person's budget is divided, and who spends each part (public)."""
    shares = allocations()
    out = AllocationsOut(
        budget=shares.total.decimal(round_up=False),
        allocations=[
            AllocationOut(name=a.name, who=a.who, rho=a.limit.decimal(round_up=False))
            for a in shares.listed()
        ],
        unallocated=shares.unallocated().decimal(round_up=False),
    )
    return jsonify(out.model_dump(mode="json"))


@bp.post("/statistics", responses={200: StatisticOut, 201: StatisticOut})
@analyst(AnalystScope.STATISTICS_RELEASE)
def release_statistic(body: StatisticQueryIn) -> tuple[Response, int]:
    """Release a DP statistic: value, 95% interval, cost and remaining budget per answer."""
    answer, status = release(body, actor=actor_of(calling_analyst().analyst_id))
    return jsonify(answer), status


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


@bp.get("/statistics/releases", responses={200: ReleasesOut})
@analyst(AnalystScope.STATISTICS_READ)
def list_releases(query: ReleasesQuery) -> Response:
    """The most recent releases (a regulator's: all; anybody else's: its own), newest first."""
    key = calling_analyst()
    role = db().scalar(select(Analyst.role).where(Analyst.id == key.analyst_id))
    actor = None if role == Role.REGULATOR else actor_of(key.analyst_id)
    return jsonify(releases_of(actor, limit=query.limit))


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

"""DP statistics: ``POST /v1/statistics`` releases one, ``GET /v1/statistics/releases`` lists.

Who may call: anyone using the sandbox, naming itself in ``actor``, which is recorded with
the release and in every access-log entry; a lender calls ``POST /v1/lender/statistics``
with its key instead (``service/lender.py``), recorded as ``lender:<id>``. A release is a
``POST`` because it spends privacy budget. The charge is committed in its own transaction
before any noise is drawn (never refunded), then the facts are read through the consent
gate in the request's transaction.

A query by ``score_band`` or an ``approval_rate`` is scored with the model in force
(``card_in_force``): with none active it answers ``503 no-active-model`` before anything
is charged or read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Response, current_app, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import Field
from sqlalchemy import select

from dp import LossRequest, PrivacyLoss
from dp.models import Release
from dp.releases import reserve_statistic, run_statistic
from dp.statistics import StatQuery, needs_model
from scoring.decisions import DEFAULT_CUT_OFF
from store.db import WRITE

from .config import Settings
from .consent_schemas import Strict
from .decisions import card_in_force
from .keys import consent_keys, vault
from .sessions import db, restart_ready_to_write, session_factory
from .stats_schemas import Loss, ReleaseOut, ReleasesOut, StatisticOut

bp = APIBlueprint(
    "statistics",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="statistics", description="Differentially private statistics")],
)

Amount = Annotated[str, Field(max_length=32, pattern=r"^[0-9]+(\.[0-9]+)?(/[0-9]+)?$")]


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
    cut_off: int | None = Field(
        default=None,
        ge=0,
        le=2_000,
        description=f"approval_rate only: the public cut-off (default {DEFAULT_CUT_OFF}).",
    )
    epsilon: Amount | None = Field(default=None, description="Pure DP (discrete Laplace).")
    rho: Amount | None = Field(default=None, description="zCDP (discrete Gaussian).")


class StatisticIn(StatisticQueryIn):
    """A statistic, and who asks for it (recorded with the release)."""

    actor: str = Field(default="sandbox", max_length=48, pattern=r"^[a-z0-9:._-]+$")


class ReleasesQuery(Strict):
    """Paging of the release record."""

    limit: int = Field(default=20, ge=1, le=100)


def budget() -> tuple[PrivacyLoss, float]:
    """Return the configured per-person budget and the reporting delta."""
    settings: Settings = current_app.config["FAIRFILE_SETTINGS"]
    raw = settings.privacy_budget_rho.strip().lower()
    limit = PrivacyLoss.unlimited() if raw == "inf" else PrivacyLoss.zcdp(raw)
    return limit, settings.privacy_delta


def _loss(loss: PrivacyLoss, delta: float, *, left: bool = False) -> Loss:
    # A cost is rounded up, a budget left rounded down: neither is ever flattered.
    epsilon = loss.epsilon_at(delta)
    return Loss(
        rho=loss.decimal(round_up=not left),
        epsilon=None if epsilon == float("inf") else epsilon,
        delta=delta,
    )


@bp.post("/statistics", responses={200: StatisticOut, 201: StatisticOut})
def release_statistic(body: StatisticIn) -> tuple[Response, int]:
    """Release a DP statistic: value, 95% interval, cost and remaining budget per answer."""
    answer, status = release(body, actor=body.actor)
    return jsonify(answer), status


def release(body: StatisticQueryIn, *, actor: str) -> tuple[dict[str, Any], int]:
    """Charge the budget, then release the statistic; return the answer and its status.

    Raises:
        scoring.errors.NoActiveModel: the query scores and no model is active.
    """
    card = card_in_force()[0] if needs_model(body.statistic, body.group_by) else None
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
        reserved = reserve_statistic(charging, query=query, budget=limit, actor=actor)
    session = restart_ready_to_write()
    result = run_statistic(
        session, reserved=reserved, keys=consent_keys(), vault=vault(), actor=actor
    )
    status = 200 if reserved.stored is not None else 201
    answer = StatisticOut.model_validate(
        {
            **result,
            "release_id": reserved.release_id,
            "stored": reserved.stored is not None,
            "cost": _loss(reserved.cost, delta),
            "remaining": _loss(reserved.remaining, delta, left=True),
        }
    )
    return answer.model_dump(mode="json"), status


@bp.get("/statistics/releases", responses={200: ReleasesOut})
def list_releases(query: ReleasesQuery) -> Response:
    """The most recent releases: who asked, what, how, what it cost, and the result."""
    rows = db().scalars(select(Release).order_by(Release.created_at.desc()).limit(query.limit))
    out = ReleasesOut(
        releases=[
            ReleaseOut(
                id=r.id,
                created_at=r.created_at.isoformat(),
                actor=r.actor,
                purpose=r.purpose,
                kind=r.kind,
                query=r.query,
                mechanism=r.mechanism,
                cost_rho=r.cost_rho,
                members=r.members,
                status=r.status,
                result=r.result,
            )
            for r in rows
        ]
    )
    return jsonify(out.model_dump(mode="json"))

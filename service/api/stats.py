"""DP statistics: ``POST /v1/statistics`` releases one, ``GET /v1/statistics/releases`` lists.

Who may call: an analyst with its API key (``consent.analysts``; ``statistics:release`` to
release, ``statistics:read`` to list), recorded as ``analyst:<id>`` with the release and in
every access-log entry; a lender calls ``POST /v1/lender/statistics`` with its key instead
(``service/api/lender.py``), recorded as ``lender:<id>``. Nobody names themselves: a body that
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

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from sqlalchemy import select

from consent import Analyst, AnalystScope, Role, actor_of

from ..web.auth import analyst, calling_analyst
from ..web.config import allocations
from ..web.sessions import db
from .releases import release, releases_of
from .schemas.stats import (
    AllocationOut,
    AllocationsOut,
    ReleasesOut,
    ReleasesQuery,
    StatisticOut,
    StatisticQueryIn,
)

bp = APIBlueprint(
    "statistics",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="statistics", description="Differentially private statistics")],
    abp_security=[{"analystKey": []}],
)


public = APIBlueprint(
    "privacy",
    __name__,
    url_prefix="/v1/privacy",
    abp_tags=[Tag(name="statistics", description="Differentially private statistics")],
)


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


@bp.get("/statistics/releases", responses={200: ReleasesOut})
@analyst(AnalystScope.STATISTICS_READ)
def list_releases(query: ReleasesQuery) -> Response:
    """The most recent releases (a regulator's: all; anybody else's: its own), newest first."""
    key = calling_analyst()
    role = db().scalar(select(Analyst.role).where(Analyst.id == key.analyst_id))
    actor = None if role == Role.REGULATOR else actor_of(key.analyst_id)
    return jsonify(releases_of(actor, limit=query.limit))

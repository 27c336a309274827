"""The lender's side of the sandbox, under ``/v1/lender``, with a lender API key.

- ``GET /v1/lenders`` (public): the lenders a person may share with.

- ``GET /v1/lender/me``: which lender the key belongs to and its scopes.
- ``POST /v1/lender/subjects/<id>/decisions`` (``decisions:write``, ``Idempotency-Key``
  header required): a decision about a person who shares with this lender. A retry with
  the same key returns the same decision (200) and never makes a second one.
- ``GET /v1/lender/subjects/<id>/decisions[/<decision_id>]`` (``decisions:read``): the
  decisions this lender asked for, with the shared part of the explanation.
- ``POST .../decisions/<decision_id>/reviews`` (``reviews:write``): a human review opened on
  the person's behalf.
- ``POST /v1/lender/statistics`` (``stats:query``): a DP statistic, recorded as asked by
  ``lender:<id>``; ``GET /v1/lender/statistics/releases`` lists this lender's own releases
  (never another lender's, never how many people one read).

Every route that names a person answers 404 unless the person's ``share:<lender>``
consent is active (``service.web.auth.lender``, enforced before validation).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from sqlalchemy import select

from consent import Lender, LenderScope, Purpose, PurposeKind, gate
from scoring.workflow import (
    Decision,
    Policy,
    decision_for,
    decisions_for,
    earlier_decision,
    effective_decision,
    open_decision,
    open_review,
    shared_part,
    store_lender_decision,
)

from ..web.auth import calling_lender, lender
from ..web.errors import body_limit
from ..web.keys import consent_keys, vault
from ..web.sessions import db, next_transaction_writes, split_writes
from ..web.types import SubjectPath
from . import connecting
from .deciding import made_apart
from .releases import release, releases_of
from .schemas.bank_data import BankDataIn, BankDataOut
from .schemas.decisions import DecisionPath, ReviewIn
from .schemas.lenders import (
    DecisionIdPath,
    IdempotencyHeader,
    LenderDecisionIn,
    LenderDecisionOut,
    LenderDecisionsOut,
    LenderReviewOut,
    LendersOut,
    MeOut,
)
from .schemas.stats import ReleasesOut, ReleasesQuery, StatisticOut, StatisticQueryIn

bp = APIBlueprint(
    "lender",
    __name__,
    url_prefix="/v1/lender",
    abp_tags=[Tag(name="lender", description="The lender's side: decisions, reviews, statistics")],
    abp_security=[{"lenderKey": []}],
)


directory = APIBlueprint(
    "lenders",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="lender", description="The lender's side: decisions, reviews, statistics")],
)


def _actor() -> str:
    return f"lender:{calling_lender().lender_id}"


def _shown(row: Decision) -> dict[str, Any]:
    """The decision as the lender sees it: the shared part, read through the share gate."""
    session = db()
    lender_id = calling_lender().lender_id
    share = Purpose(PurposeKind.SHARE, lender_id)
    categories = gate.covered(session, subject_id=row.subject_id, purpose=share)
    gate.authorize(
        session,
        keys=consent_keys(),
        actor=_actor(),
        subject_id=row.subject_id,
        purpose=share,
        categories=categories,
        what="decision",
    )
    payload = open_decision(session, vault=vault(), decision=row)
    in_force, _by = effective_decision(
        session, vault=vault(), decision_id=row.id, original=payload["decision"]
    )
    explanation = payload["explanation"]["document"]
    return {
        "id": row.id,
        "subject_id": row.subject_id,
        "created_at": row.created_at.isoformat(),
        "decision": payload["decision"],
        "decision_in_force": in_force,
        "score": payload["score"],
        "cut_off": payload["cut_off"],
        "explanation": shared_part(explanation, categories),
    }


@directory.get("/lenders", responses={200: LendersOut})
def list_lenders() -> Response:
    """The lenders a person may share with (`share:<id>`), by id."""
    rows = db().scalars(select(Lender).order_by(Lender.id))
    return jsonify(lenders=[{"id": r.id, "name": r.name} for r in rows])


@bp.get("/me", responses={200: MeOut})
@lender(None)
def me() -> Response:
    """Which lender this key belongs to, and what it may do."""
    key = calling_lender()
    return jsonify(lender_id=key.lender_id, key_prefix=key.prefix, scopes=sorted(key.scopes))


@bp.post(
    "/subjects/<subject_id>/decisions", responses={200: LenderDecisionOut, 201: LenderDecisionOut}
)
@lender(LenderScope.DECISIONS_WRITE)
@split_writes
def ask(
    path: SubjectPath, header: IdempotencyHeader, body: LenderDecisionIn
) -> tuple[Response, int]:
    """Ask for a decision about a person who shares with you (201; a retry answers 200)."""
    lender_id = calling_lender().lender_id
    policy = Policy(
        cut_off=body.cut_off if body.cut_off is not None else Policy().cut_off,
        refer_band=body.refer_band,
        lender=lender_id,
    )
    row = earlier_decision(
        db(),
        lender_id=lender_id,
        idempotency_key=header.idempotency_key,
        subject_id=path.subject_id,
        policy=policy,
    )
    made = row is None
    if row is None:
        decided = made_apart(subject_id=path.subject_id, policy=policy, lender=lender_id)
        row = store_lender_decision(
            next_transaction_writes(),
            vault=vault(),
            decided=decided,
            idempotency_key=header.idempotency_key,
        )
    response = jsonify(_shown(row))
    response.headers["Location"] = f"{bp.url_prefix}/subjects/{path.subject_id}/decisions/{row.id}"
    return response, 201 if made else 200


@bp.post("/subjects/<subject_id>/bank-data", responses={201: BankDataOut})
@lender(LenderScope.BANK_DATA_WRITE)
@body_limit("max_bank_data_length")
def connect_bank_data(path: SubjectPath, body: BankDataIn) -> tuple[Response, int]:
    """Connect a person's bank data for them, under their scoring consent and their share.

    Only the categories both consents cover are read (cash flow and income required); the
    person sees the connection in their access log, and the statement in their export.
    """
    answer = connecting.connect(path.subject_id, body, lender=calling_lender().lender_id)
    return jsonify(answer), 201


@bp.get("/subjects/<subject_id>/decisions", responses={200: LenderDecisionsOut})
@lender(LenderScope.DECISIONS_READ)
def list_decisions(path: SubjectPath) -> Response:
    """The decisions you asked for about this person, oldest first."""
    rows = decisions_for(db(), lender_id=calling_lender().lender_id, subject_id=path.subject_id)
    return jsonify(decisions=[_shown(row) for row in rows])


@bp.get("/subjects/<subject_id>/decisions/<decision_id>", responses={200: LenderDecisionOut})
@lender(LenderScope.DECISIONS_READ)
def read(path: DecisionIdPath) -> Response:
    """One decision you asked for, with the shared part of its explanation."""
    row = decision_for(
        db(),
        lender_id=calling_lender().lender_id,
        subject_id=path.subject_id,
        decision_id=path.decision_id,
    )
    return jsonify(_shown(row))


@bp.post("/subjects/<subject_id>/decisions/<decision_id>/reviews", responses={201: LenderReviewOut})
@lender(LenderScope.REVIEWS_WRITE)
def ask_review(path: DecisionPath, body: ReviewIn) -> tuple[Response, int]:
    """Open a human review of a decision you asked for, on the person's behalf."""
    session = db()
    row = decision_for(
        session,
        lender_id=calling_lender().lender_id,
        subject_id=path.subject_id,
        decision_id=path.decision_id,
    )
    statement = f"[opened by {_actor()} on the person's behalf] {body.statement}"
    review = open_review(session, vault=vault(), decision=row, statement=statement)
    out = {
        "id": review.id,
        "decision_id": review.decision_id,
        "state": review.state,
        "opened_at": review.opened_at.isoformat(),
    }
    return jsonify(review=out), 201


@bp.post("/statistics", responses={200: StatisticOut, 201: StatisticOut})
@lender(LenderScope.STATS_QUERY)
def statistic(body: StatisticQueryIn) -> tuple[Response, int]:
    """Release a DP statistic (value, interval, cost, remaining budget), as this lender."""
    answer, status = release(body, actor=_actor())
    return jsonify(answer), status


@bp.get("/statistics/releases", responses={200: ReleasesOut})
@lender(LenderScope.STATS_QUERY)
def statistic_releases(query: ReleasesQuery) -> Response:
    """This lender's most recent releases, newest first."""
    return jsonify(releases_of(_actor(), limit=query.limit))

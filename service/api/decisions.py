"""Scores, decisions and their explanations, and the right to a human review.

- ``POST /v1/subjects/<id>/decisions`` asks for a score and decision (optionally with a
  cut-off and a refer band). It never names a lender: a signed explanation names one only
  when that lender asked for it with its own key (``/v1/lender/...``); a body that sends
  ``lender`` is refused (422). It reads the person's data for purpose
  ``scoring`` through the consent gate, so it is gated: no active scoring consent, no
  score. The answer is the decision with its signed explanation.
- ``GET /v1/subjects/<id>/decisions`` lists the person's decisions;
  ``GET .../decisions/<decision_id>`` returns one, with its explanation, and
  ``GET .../decisions/<decision_id>.html`` the same as a page. Reading one's own past
  decisions is the right of access, so these stay open after consent is withdrawn.
- ``POST .../decisions/<decision_id>/reviews`` asks a person to review the decision, with
  a statement. Reviewers resolve reviews with ``fairfile reviews``.

Every step is written to the transparency log.
"""

from __future__ import annotations

from flask import Response, jsonify, render_template
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from scoring.workflow import (
    Policy,
    decision_of,
    decisions_of,
    open_decision,
    open_review,
    review_out,
    store_decision,
)

from ..web.auth import gated, self_service
from ..web.keys import vault
from ..web.openapi import HTML_PAGE
from ..web.sessions import db, next_transaction_writes, split_writes
from ..web.types import SubjectPath
from .deciding import made_apart
from .schemas.decisions import (
    DecisionIn,
    DecisionPath,
    DecisionShownOut,
    DecisionsOut,
    DecisionSummaryOut,
    ReviewIn,
    ReviewOpenedOut,
    ReviewOut,
)
from .shown import decision_shown, log_access

bp = APIBlueprint(
    "decisions",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="decisions", description="Scores, decisions, explanations, reviews")],
    abp_security=[{"bearer": []}],
)


@bp.post("/subjects/<subject_id>/decisions", responses={201: DecisionShownOut})
@gated(example_body={})
@split_writes
def ask(path: SubjectPath, body: DecisionIn) -> tuple[Response, int]:
    """Score me now and decide against the cut-off, with the signed explanation."""
    policy = Policy(
        cut_off=body.cut_off if body.cut_off is not None else Policy().cut_off,
        refer_band=body.refer_band,
    )
    decided = made_apart(subject_id=path.subject_id, policy=policy)
    row = store_decision(next_transaction_writes(), vault=vault(), decided=decided)
    return jsonify(decision_shown(row, fresh=decided.payload)), 201


@bp.get("/subjects/<subject_id>/decisions", responses={200: DecisionsOut})
@self_service
def list_decisions(path: SubjectPath) -> Response:
    """Every decision about me, oldest first (ids, times, outcomes)."""
    rows = decisions_of(db(), path.subject_id)
    log_access(path.subject_id, "decisions")
    out = []
    for row in rows:
        payload = open_decision(db(), vault=vault(), decision=row)
        out.append(
            DecisionSummaryOut(
                id=row.id,
                created_at=row.created_at.isoformat(),
                decision=payload["decision"],
                score=payload["score"],
            )
        )
    return jsonify(DecisionsOut(decisions=out).model_dump(mode="json"))


@bp.get("/subjects/<subject_id>/decisions/<decision_id>", responses={200: DecisionShownOut})
@self_service
def read(path: DecisionPath) -> Response:
    """One decision with its signed explanation and any reviews."""
    row = decision_of(db(), subject_id=path.subject_id, decision_id=path.decision_id)
    log_access(path.subject_id, "decision")
    return jsonify(decision_shown(row))


@bp.get("/subjects/<subject_id>/decisions/<decision_id>.html", responses={200: HTML_PAGE})
@self_service
def read_html(path: DecisionPath) -> Response:
    """The same decision and explanation as a readable page."""
    row = decision_of(db(), subject_id=path.subject_id, decision_id=path.decision_id)
    log_access(path.subject_id, "decision.html")
    shown = decision_shown(row)
    page = render_template("decision.html", d=shown, e=shown["explanation"]["document"])
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/subjects/<subject_id>/decisions/<decision_id>/reviews", responses={201: ReviewOpenedOut})
@self_service
def ask_review(path: DecisionPath, body: ReviewIn) -> tuple[Response, int]:
    """Ask a person to review this decision; your statement goes with it."""
    session = db()
    row = decision_of(session, subject_id=path.subject_id, decision_id=path.decision_id)
    review = open_review(session, vault=vault(), decision=row, statement=body.statement)
    log_access(path.subject_id, "review-opened")
    opened = ReviewOut.model_validate(review_out(session, vault=vault(), review=review))
    return jsonify(ReviewOpenedOut(review=opened).model_dump(mode="json")), 201

"""Response models of a person's decisions API (they generate its OpenAPI document)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .lender_schemas import Outcome
from .log_schemas import SignedEnvelope
from .web.types import Time


class ReviewResolutionOut(BaseModel):
    """A reviewer's outcome: upheld, or overridden to a new decision; and why."""

    outcome: Literal["upheld", "overridden"]
    decision: Outcome | None = Field(description="the decision that replaces it, if overridden")
    reason: str


class ReviewOut(BaseModel):
    """A human review of a decision, with the statement and any resolution."""

    id: str
    decision_id: str
    state: Literal["open", "resolved"]
    statement: str
    opened_at: Time
    resolved_at: Time | None
    resolved_by: str | None = Field(description="the reviewer who resolved it")
    resolution: ReviewResolutionOut | None


class DecisionShownOut(BaseModel):
    """One decision as its person sees it: outcome, signed explanation, reviews."""

    id: str
    created_at: Time
    model_version: int
    decision: Outcome
    decision_in_force: Outcome = Field(description="after any review that overrode it")
    overridden_by_review: str | None = Field(description="the review that overrode it")
    score: int | None
    cut_off: int
    explanation: SignedEnvelope
    reviews: list[ReviewOut]


class DecisionSummaryOut(BaseModel):
    """A decision in a list: id, time, outcome and score."""

    id: str
    created_at: Time
    decision: Outcome
    score: int | None


class DecisionsOut(BaseModel):
    """Every decision about the person, oldest first."""

    decisions: list[DecisionSummaryOut]


class ReviewOpenedOut(BaseModel):
    """The review just opened."""

    review: ReviewOut

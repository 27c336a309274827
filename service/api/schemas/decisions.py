"""Response models of a person's decisions API (they generate its OpenAPI document)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictInt

from ...web.types import Strict, SubjectId, Time
from .lenders import Outcome
from .logs import SignedEnvelope


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


class DecisionIn(Strict):
    """Ask for a score and decision; every field is optional."""

    cut_off: StrictInt | None = Field(default=None, ge=0, le=2_000, description="default 550")
    refer_band: StrictInt = Field(default=0, ge=0, le=200, description="points below the cut-off")


class DecisionPath(Strict):
    """One of the person's decisions."""

    subject_id: SubjectId
    decision_id: SubjectId


class ReviewIn(Strict):
    """Ask a person to review a decision, and say why."""

    statement: str = Field(min_length=1, max_length=2_000, description="your point of view")

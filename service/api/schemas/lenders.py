"""Request and response models of the lender API (they generate its OpenAPI document)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from ...web.types import Strict, SubjectId

Outcome = Literal["approve", "refer", "decline", "insufficient_data"]


class LenderDecisionIn(Strict):
    """Your cut-off and refer band; both optional."""

    cut_off: StrictInt | None = Field(default=None, ge=0, le=2_000, description="default 550")
    refer_band: StrictInt = Field(default=0, ge=0, le=200, description="points below the cut-off")


class LenderOut(BaseModel):
    """A lender: its id (used in `share:<id>`) and name."""

    id: str
    name: str


class LendersOut(BaseModel):
    """Every lender."""

    lenders: list[LenderOut]


class MeOut(BaseModel):
    """The lender a key belongs to, and its scopes."""

    lender_id: str
    key_prefix: str
    scopes: list[str]


class SharedExplanation(BaseModel):
    """The part of the signed explanation that the person's share covers.

    Lines and reasons of categories the person did not share are left out, as are their
    recourse and rights. The signed whole stays with the person.
    """

    model_config = ConfigDict(extra="allow")

    decision_id: str
    issued_at: str
    model_version: int
    decision: Outcome
    score: int | None
    range: dict[str, int]
    cut_off: int
    refer_band: int
    insufficient_data: list[Any]
    logic: str
    accuracy: dict[str, Any]
    shared_categories: list[str]
    features: list[dict[str, Any]]
    reasons: list[dict[str, Any]]


class LenderDecisionOut(BaseModel):
    """A decision you asked for, as you may see it."""

    id: str
    subject_id: str
    created_at: str
    decision: Outcome
    decision_in_force: Literal["approve", "refer", "decline", "insufficient_data"]
    score: int | None
    cut_off: int
    explanation: SharedExplanation


class LenderDecisionsOut(BaseModel):
    """The decisions you asked for about one person."""

    decisions: list[LenderDecisionOut]


class LenderReview(BaseModel):
    """A review you opened (the statement stays sealed with the person's data)."""

    id: str
    decision_id: str
    state: Literal["open", "resolved"]
    opened_at: str


class LenderReviewOut(BaseModel):
    """The review just opened."""

    review: LenderReview


class IdempotencyHeader(BaseModel):
    """The retry key of a request that makes something."""

    idempotency_key: str = Field(
        alias="Idempotency-Key",
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="A key of your choice, unique per request; a retry reuses it.",
    )


class DecisionIdPath(Strict):
    """One decision this lender asked for."""

    subject_id: SubjectId
    decision_id: SubjectId

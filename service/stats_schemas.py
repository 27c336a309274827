"""Response models of the DP statistics API (they generate its OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from .consent_schemas import Time


class Loss(BaseModel):
    """A privacy loss: zCDP rho (exact), and epsilon at the reporting delta."""

    rho: str
    epsilon: float | None
    delta: float


class CellOut(BaseModel):
    """One cell of the public grid: its key, the noisy value and its interval."""

    key: dict[str, str] = Field(description="the public group keys of the cell")
    value: float
    interval: list[float] = Field(min_length=2, max_length=2, description="low, high")


class StatisticOut(BaseModel):
    """A released DP statistic, its cost and the budget left."""

    query: dict[str, Any]
    cells: list[CellOut]
    mechanism: dict[str, Any]
    cost_rho: str
    confidence: float = Field(description="of each interval")
    release_id: str
    stored: bool = Field(description="true: the same query was released before, replayed")
    cost: Loss
    remaining: Loss


class ReleaseOut(BaseModel):
    """One release: who asked, what, how, what it cost, and the result."""

    id: str
    created_at: Time
    actor: str
    purpose: str
    kind: str
    query: dict[str, Any]
    mechanism: dict[str, Any]
    cost_rho: str
    members: int
    status: str
    result: dict[str, Any] | None = Field(description="null until the release completed")


class ReleasesOut(BaseModel):
    """The most recent releases, newest first."""

    releases: list[ReleaseOut]

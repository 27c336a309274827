"""Response models of the DP statistics API (they generate its OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt

from scoring.workflow import DEFAULT_CUT_OFF

from ...web.types import Strict, Time


class Loss(BaseModel):
    """A privacy loss: zCDP rho, a pure release's epsilon, and rho's (epsilon, delta)."""

    rho: str = Field(
        description="zCDP rho, exact: the ledger's unit (a cost rounded up, a budget left down)"
    )
    pure_epsilon: str | None = Field(
        description="a pure-DP release's epsilon (discrete Laplace), over all its parts; "
        "null for a zCDP release and for a budget"
    )
    approx_epsilon: float | None = Field(
        description="the epsilon of (epsilon, approx_delta)-DP that rho converts to "
        "(OpenDP's zCDP-to-approximate-DP conversion); looser than pure_epsilon; null if "
        "unlimited"
    )
    approx_delta: float = Field(description="the delta of that conversion")


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
    confidence: float = Field(description="of each interval")
    release_id: str
    stored: bool = Field(
        description="true: you released the same query over the same people before; this "
        "is that release again, at no cost"
    )
    cost: Loss = Field(description="what this call cost (zero for a stored release)")
    release_cost: Loss = Field(description="what the release cost when it was made")
    remaining: Loss


class ReleaseOut(BaseModel):
    """One release: who asked, what, how, what it cost, and the result.

    Never how many people it read: that exact number beside a noisy answer would undo it.
    """

    id: str
    created_at: Time
    actor: str
    allocation: str | None = Field(description="the budget allocation it spent from")
    purpose: str
    kind: str
    query: dict[str, Any]
    mechanism: dict[str, Any]
    cost: Loss
    status: str
    result: dict[str, Any] | None = Field(description="null until the release completed")


class ReleasesOut(BaseModel):
    """The most recent releases, newest first."""

    releases: list[ReleaseOut]


class AllocationOut(BaseModel):
    """One allocation of every person's budget: who spends it, and its most per person."""

    name: str = Field(description="training, lenders, analysts or analyst:<id>")
    who: str
    rho: str = Field(description="the most any one person may lose through it (zCDP rho)")


class AllocationsOut(BaseModel):
    """How every person's lifetime budget is divided (ADR 0019)."""

    budget: str = Field(description="each person's lifetime budget (zCDP rho, or inf)")
    allocations: list[AllocationOut]
    unallocated: str = Field(description="what no allocation may spend")


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

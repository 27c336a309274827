"""Request and response models of ``service/api/contract.py``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FactsCheck(BaseModel):
    """A set of facts to check, by feature name."""

    model_config = ConfigDict(extra="forbid")

    facts: dict[str, Any] = Field(
        max_length=64,
        description="Feature name -> value (a number, or null where the feature allows it).",
        examples=[{"rent_on_time_12m": 11, "savings_balance": 250.0}],
    )


class FeatureOut(BaseModel):
    """One model input, as the contract declares it."""

    name: str
    description: str
    kind: str
    unit: str
    lower: int | float
    upper: int | float
    category: str
    actionable: bool
    direction: str
    bins: list[float]
    nullable: bool
    missing_means: str


class ProhibitionOut(BaseModel):
    """One prohibited kind of data and why."""

    key: str
    category: str
    reason: str
    names: list[str]


class ContractOut(BaseModel):
    """The whole contract."""

    features: list[FeatureOut]
    prohibited: list[ProhibitionOut]


class CheckedFact(BaseModel):
    """A fact that passed the check, under its contract name."""

    name: str
    value: float | int | None
    unit: str
    category: str


class CheckOut(BaseModel):
    """The checked facts, and the data categories a person would have to share."""

    facts: list[CheckedFact]
    categories: list[str]

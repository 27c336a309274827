"""Request and response models of ``service/api/lender_models.py``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt

from dp.own_data import DEFAULT_CUT_OFF, MIN_EPSILON

from ...web.types import Strict

#: The largest file and mapping a request may carry (the request limit applies too).
MAX_DATA_CHARS = 4_000_000
MAX_MAPPING_CHARS = 64_000
Cell = str | float | int | bool | None


class TrainIn(Strict):
    """Your historical file, its mapping and the privacy loss to spend on it."""

    data: str = Field(
        min_length=1,
        max_length=MAX_DATA_CHARS,
        description="The file: CSV text with a header row, or Parquet bytes in base64.",
    )
    format: Literal["csv", "parquet-base64"] = "csv"
    mapping: str = Field(
        min_length=1, max_length=MAX_MAPPING_CHARS, description="The TOML mapping (its text)."
    )
    epsilon: float = Field(ge=MIN_EPSILON, le=20, description="pure DP epsilon of the training")
    audit_epsilon: float = Field(
        default=0.5, ge=MIN_EPSILON, le=20, description="epsilon of the DP fairness report"
    )
    cut_off: StrictInt = Field(
        default=DEFAULT_CUT_OFF, ge=0, le=2_000, description="the cut-off the report counts at"
    )
    source: str = Field(
        default="uploaded file", min_length=1, max_length=100, description="a name for the file"
    )


class VersionPath(Strict):
    """One of your models."""

    version: int = Field(ge=1, le=2_147_483_647)


class ExplainIn(Strict):
    """One record to score: a value per feature of the model; other fields are not read."""

    record: dict[str, Cell] = Field(max_length=200)
    cut_off: StrictInt | None = Field(
        default=None, ge=0, le=2_000, description="default: the card's"
    )


class ModelOut(BaseModel):
    """One of your models: its version, when it was made, and its model card."""

    version: int
    created_at: str
    lender_id: str
    card: dict[str, Any]


class ModelsOut(BaseModel):
    """Your models, oldest first."""

    models: list[ModelOut]

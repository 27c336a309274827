"""Request and response models of ``service/api/models_api.py``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ...web.types import Strict


class ModelVersionPath(Strict):
    """One model version of the platform."""

    version: int = Field(ge=1, le=2_147_483_647)


class PlatformModelOut(BaseModel):
    """One model version: when it was made, whether it is in force, and its card."""

    version: int
    created_at: str
    active: bool
    release_id: str = Field(description="the training release that paid for it")
    card: dict[str, Any]


class PlatformModelsOut(BaseModel):
    """Every model version trained on the feature contract, oldest first."""

    models: list[PlatformModelOut]

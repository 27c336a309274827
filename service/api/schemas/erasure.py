"""Request and response models of ``service/api/erasure.py``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ...web.types import Time


class DestroyedOut(BaseModel):
    """What the erasure destroyed."""

    data_key: str
    rows: dict[str, int] = Field(description="rows deleted, by table")


class KeptOut(BaseModel):
    """What the erasure kept, how much, and why."""

    what: str
    count: int
    under_pseudonym: str
    why: str


class ErasureOut(BaseModel):
    """A plain statement of what was destroyed and what remains."""

    erased_at: Time
    destroyed: DestroyedOut
    kept: list[KeptOut]
    future_use: str

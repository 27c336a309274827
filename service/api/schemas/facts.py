"""Request and response models of ``service/api/facts.py``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from consent import DataCategory

from ...web.types import Strict, SubjectId


class FactsPath(Strict):
    """The person whose facts are read."""

    subject_id: SubjectId


class FactsQuery(Strict):
    """Which purpose the facts are read for."""

    purpose: str = Field(max_length=48, description="`scoring` or `share:<lender>`, ...")


class FactOut(BaseModel):
    """One fact the purpose may use, and the consent that allows it."""

    name: str
    value: int | float | None = Field(description="null where the fact is missing")
    unit: str
    category: DataCategory
    consent_id: str = Field(description="the consent that allows this read")
    disputed: bool = Field(description="an open dispute: new scores leave it out")


class FactsOut(BaseModel):
    """What a purpose sees about the person, and which categories it may not see."""

    purpose: str
    facts: list[FactOut]
    withheld_categories: list[DataCategory]

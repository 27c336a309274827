"""Request and response models of ``service/api/bank_data.py``: one bank's data, minimised.

The request carries one bank's data in exactly one of the shapes the door reads, typed by
the standards' own models (``scoring.ingest.banks``), so the OpenAPI document shows each
standard's fields. Unknown fields of a standard are tolerated (and dropped); unknown keys
of the request itself are refused.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from consent import DataCategory
from scoring.ingest.banks import MAX_OFX_CHARS, FdxData, OpenBankingData

from ...web.types import Strict, Time


class BankDataIn(Strict):
    """One bank's data for one person: FDX, Open Banking or an OFX file (exactly one)."""

    fdx: FdxData | None = Field(
        default=None, description="FDX v6: `{accounts: [...], transactions: [...]}`"
    )
    openBanking: OpenBankingData | None = Field(
        default=None,
        description="UK Open Banking v3.1/v4: `{transactions, balances, accounts?}`",
    )
    ofx: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_OFX_CHARS,
        description="An OFX 1.x (SGML) or 2.x (XML) statement file, as text.",
    )
    categories: list[DataCategory] | None = Field(
        default=None,
        max_length=6,
        description=(
            "Read only these categories (default: every bank category your scoring "
            "consent covers); cash flow and income are required."
        ),
    )

    @model_validator(mode="after")
    def _exactly_one_shape(self) -> BankDataIn:
        given = [self.fdx is not None, self.openBanking is not None, self.ofx is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of fdx, openBanking and ofx")
        return self


Kind = Literal["payroll", "benefits", "rent", "utility", "telecom"]


class CountedOut(BaseModel):
    """A transaction that counted as income, rent or a bill."""

    day: str
    amount: str
    kind: Kind
    feeds: list[str] = Field(description="the facts it feeds, which you can dispute")


class MinimisationReportOut(BaseModel):
    """What was kept and what was dropped: counts only, never a value."""

    format: Literal["fdx", "open_banking", "ofx"]
    transactions_read: int
    kept: dict[str, int] = Field(description="transactions kept, by counterparty kind")
    not_counted: dict[str, int] = Field(
        description="transactions read but not counted, by why (pending, duplicate, ...)"
    )
    dropped_fields: dict[str, int] = Field(
        description="per field of the standard, how many values were thrown away"
    )
    categories_read: list[str]
    categories_not_read: list[str]


class BankDataOut(BaseModel):
    """The facts derived from the minimised statement, what counted, and the report."""

    subject_id: str
    recorded_at: Time
    facts: dict[str, Any] = Field(description="the facts of the categories read")
    counted: list[CountedOut]
    report: MinimisationReportOut
    disputes: str = Field(description="where to dispute a fact a transaction feeds")


class StoredStatementOut(BaseModel):
    """The minimised statement Fairfile holds for you: all it kept of your bank data."""

    subject_id: str
    recorded_at: Time
    format: str
    statement: dict[str, Any]

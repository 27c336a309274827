"""Request and response models of ``service/api/rights.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from pydantic import BaseModel, Field

from ...web.types import Strict, Time
from .consents import AccessLogEntryOut, ConsentOut, EventOut
from .decisions import ReviewOut

#: The version of the document's layout; a breaking change gets a new one.
FORMAT: Final = "fairfile-export/v1"

#: The most characters a dispute statement may have.
STATEMENT_MAX: Final = 2_000


class DisputeOut(BaseModel):
    """A dispute as its owner sees it."""

    id: str
    feature: str
    state: str = Field(description="open, upheld or rejected")
    statement: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by: str | None = Field(description="the reviewer who resolved it")
    resolution: str | None = Field(description="the reviewer's reason, once resolved")


class DisputeIn(Strict):
    """Dispute one of your facts, saying why it is wrong."""

    feature: str = Field(
        min_length=1,
        max_length=48,
        description="the name of a feature of the contract (`GET /v1/contract`)",
        examples=["rent_on_time_12m"],
    )
    statement: str = Field(
        min_length=1,
        max_length=STATEMENT_MAX,
        description="why the fact is wrong, in your words (stored encrypted)",
    )


class DisputeCreated(BaseModel):
    """The dispute just opened."""

    dispute: DisputeOut


class DisputesOut(BaseModel):
    """Every dispute you opened, oldest first."""

    disputes: list[DisputeOut]


class ExportSectionOut(BaseModel):
    """One section of the export: its key in the document, title and what it holds."""

    section: str
    title: str
    about: str


class ExportSubjectOut(BaseModel):
    """Your record."""

    id: str
    created_at: Time
    origin: str


class ExportEnrolmentOut(BaseModel):
    """When and under which notice you joined."""

    enrolled_at: Time
    channel: str
    notice_version: str


class ExportFactOut(BaseModel):
    """One fact held about you."""

    name: str
    description: str
    value: int | float | None
    unit: str
    category: str
    disputed: bool


class ExportFactsOut(BaseModel):
    """Your facts and when they were recorded."""

    recorded_at: Time | None
    values: list[ExportFactOut]


class ExportConsentOut(ConsentOut):
    """A consent with its history."""

    history: list[EventOut]


class ExportReceiptOut(BaseModel):
    """A receipt you were given, as signed."""

    id: str
    consent_id: str
    issued_at: Time
    log_entry_id: int
    envelope: dict[str, Any] = Field(description="the receipt in its signed envelope")


class NotHeldOut(BaseModel):
    """Something Fairfile does not hold about you."""

    what: str
    note: str


class ExportOut(BaseModel):
    """Everything held about you (docs/data-rights.md describes each section)."""

    format: str = Field(description=f"`{FORMAT}`")
    generated_at: Time
    contents: list[ExportSectionOut]
    subject: ExportSubjectOut
    enrolment: ExportEnrolmentOut | None
    facts: ExportFactsOut | None
    bank_statement: dict[str, Any] | None = Field(
        description="the minimised statement of the bank data you connected, if any"
    )
    disputes: list[DisputeOut]
    decisions: list[dict[str, Any]] = Field(description="each decision's opened record")
    reviews: list[ReviewOut]
    consents: list[ExportConsentOut]
    receipts: list[ExportReceiptOut]
    access_log: list[AccessLogEntryOut]
    audit_protected_attribute: dict[str, Any] | None = Field(
        description="the synthetic group used only to audit fairness; never a model input"
    )
    not_held: list[NotHeldOut]

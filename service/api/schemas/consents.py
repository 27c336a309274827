"""Request and response models of the consent API (they generate its OpenAPI document)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictInt

from consent import ConsentEvent, DataCategory

from ...web.types import Strict, SubjectId, Time


class ConsentPath(Strict):
    """One of the person's consents."""

    subject_id: SubjectId
    consent_id: SubjectId


class ReceiptPath(Strict):
    """One of the person's receipts."""

    subject_id: SubjectId
    receipt_id: SubjectId


class SignInLinkIn(Strict):
    """Ask for a one-time sign-in link."""

    subject_id: SubjectId


class TokenIn(Strict):
    """Exchange a one-time link secret for a bearer token."""

    link_secret: str = Field(min_length=20, max_length=100)


class TokenOut(BaseModel):
    """A bearer token (shown once)."""

    token: str
    subject_id: str
    expires_at: dt.datetime


class EnrolIn(Strict):
    """Enrol, quoting the version of the enrolment notice you were shown."""

    notice_version: str = Field(max_length=32)
    channel: Annotated[str, Field(pattern="^(api|ui)$")] = "api"


class GrantIn(Strict):
    """Grant one purpose over the data categories you choose."""

    purpose: str = Field(
        max_length=48,
        description="`scoring`, `training`, `statistics` or `share:<lender>`",
        examples=["scoring", "share:acme-bank"],
    )
    categories: list[DataCategory] = Field(min_length=1, max_length=6)
    notice_version: str = Field(max_length=32, description="the notice version you were shown")
    duration_days: StrictInt = Field(default=365, ge=1, le=365)
    channel: Annotated[str, Field(pattern="^(api|ui)$")] = "api"


class RenewIn(Strict):
    """Open a new period, optionally with other categories."""

    notice_version: str = Field(max_length=32)
    categories: list[DataCategory] | None = Field(default=None, min_length=1, max_length=6)
    duration_days: StrictInt = Field(default=365, ge=1, le=365)
    channel: Annotated[str, Field(pattern="^(api|ui)$")] = "api"


class WithdrawQuery(Strict):
    """How the withdrawal was made."""

    channel: Annotated[str, Field(pattern="^(api|ui)$")] = "api"


class ConsentOut(BaseModel):
    """A consent as its owner sees it."""

    id: str
    purpose: str
    categories: list[DataCategory]
    state: str = Field(description="active, withdrawn or expired (expiry is checked now)")
    notice_version: str
    period_started_at: dt.datetime
    expires_at: dt.datetime
    withdrawn_at: dt.datetime | None
    revision: int


class EventOut(BaseModel):
    """One change to a consent."""

    revision: int
    kind: str
    at: dt.datetime
    actor: str
    channel: str
    categories: list[DataCategory]
    notice_version: str
    expires_at: dt.datetime | None
    receipt_id: str

    @classmethod
    def of(cls, event: ConsentEvent) -> EventOut:
        """The change as the person is shown it."""
        return cls(
            revision=event.revision,
            kind=event.kind,
            at=event.at,
            actor=event.actor,
            channel=event.channel,
            categories=sorted(event.categories),
            notice_version=event.notice_version,
            expires_at=event.expires_at,
            receipt_id=event.receipt_id,
        )


class ChangeOut(BaseModel):
    """The consent after a change, and the signed receipt of the change."""

    consent: ConsentOut
    receipt: dict[str, Any] = Field(description="Kantara v1.1 receipt in a signed envelope")
    log_entry_id: int


#: The largest log position or tree size (the log's ids are 32-bit integers on PostgreSQL).
MAX_LOG_INDEX = 2**31 - 1


class TreeSizeQuery(Strict):
    """A tree size (default: the newest signed head)."""

    tree_size: int | None = Field(default=None, ge=1, le=MAX_LOG_INDEX)


class EntryPath(Strict):
    """A log entry."""

    entry_id: int = Field(ge=1, le=MAX_LOG_INDEX)


class ConsistencyQuery(Strict):
    """Two tree sizes to prove consistent."""

    first: int = Field(ge=0, le=MAX_LOG_INDEX)
    second: int = Field(ge=0, le=MAX_LOG_INDEX)


class TreeSizePath(Strict):
    """A tree size in the path."""

    tree_size: int = Field(ge=0, le=MAX_LOG_INDEX)


#: An ISO 8601 time, exactly as the server wrote it.
class NoticeOut(BaseModel):
    """One notice: its version, title and text."""

    version: str
    title: str
    text: str


class NoticesOut(BaseModel):
    """The current notice of enrolment and of every purpose kind."""

    enrolment: NoticeOut
    purposes: dict[str, NoticeOut] = Field(description="by purpose kind")


class LinkSentOut(BaseModel):
    """The same answer whether or not the person exists."""

    detail: str


class EnrolmentOut(BaseModel):
    """The person's enrolment (nothing is granted by it)."""

    subject_id: str
    enrolled_at: Time
    notice_version: str
    consents: list[ConsentOut] = Field(description="always empty: nothing is pre-granted")


class ConsentsOut(BaseModel):
    """Every consent of the person, with its state now."""

    consents: list[ConsentOut]


class ConsentHistoryOut(BaseModel):
    """One consent and every change to it."""

    consent: ConsentOut
    history: list[EventOut]


class ReceiptRefOut(BaseModel):
    """A receipt the person was given, and where to read it."""

    id: str
    consent_id: str
    issued_at: Time
    log_entry_id: int
    url: str


class ReceiptsOut(BaseModel):
    """Every receipt of the person, newest first."""

    receipts: list[ReceiptRefOut]


class ReceiptOut(BaseModel):
    """One signed receipt, exactly as issued."""

    receipt: dict[str, Any] = Field(description="Kantara v1.1 receipt in a signed envelope")
    log_entry_id: int
    inclusion_proof: str = Field(description="the path of its inclusion proof")


class AccessLogEntryOut(BaseModel):
    """One transparency-log entry about the person."""

    id: int
    kind: str
    leaf_index: int | None = Field(description="null until the entry is sequenced")
    created_at: Time
    entry: dict[str, Any] = Field(
        description="the logged entry, as hashed into the log; for a release, this person's "
        "own leaf of its membership tree"
    )
    membership: dict[str, Any] | None = Field(
        default=None,
        description="for a release (a statistic or a training run that read this person): "
        "the leaf's position and path (hex hashes, leaf side first) up to the release entry's "
        "membersRoot, and that entry; see docs/receipts-and-log.md",
    )


class AccessLogOut(BaseModel):
    """Every transparency-log entry about the person."""

    entries: list[AccessLogEntryOut]

"""Erasure of a person's account: one call, a plain statement of what remains."""

from __future__ import annotations

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from consent.erasure import erase
from store.vault import reclaim_erased

from . import outbox
from .auth import self_service
from .keys import consent_keys, vault
from .sessions import db, session_factory
from .web.types import SubjectPath, Time

bp = APIBlueprint(
    "erasure",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="rights", description="A person's data rights")],
    abp_security=[{"bearer": []}],
)

KEPT_WHY = (
    "The transparency log is append-only evidence of what was done with your data: it "
    "keeps its entries about you, under a pseudonym that no longer leads to anything, "
    "including the receipts you were given (so you can still prove them) and a record of "
    "this erasure."
)


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


@bp.delete("/subjects/<subject_id>", responses={200: ErasureOut})
@self_service
def erase_me(path: SubjectPath) -> Response:
    """Erase my account: destroy my data key and every row about me, keep the evidence."""
    statement = erase(db(), keys=consent_keys(), vault=vault(), subject_id=path.subject_id)
    out = ErasureOut(
        erased_at=statement.erased_at.isoformat(),
        destroyed=DestroyedOut(
            data_key="destroyed: every value sealed under it is now unreadable, backups included",
            rows=statement.destroyed,
        ),
        kept=[
            KeptOut(
                what="transparency-log entries about you",
                count=statement.kept_log_entries + 1,
                under_pseudonym=statement.pseudonym,
                why=KEPT_WHY,
            )
        ],
        future_use="You are in no later training run, statistic, score or lender share.",
    )
    return after_erasure(jsonify(out.model_dump(mode="json")), path.subject_id)


def after_erasure(response: Response, subject_id: str) -> Response:
    """Remove the person's outbox letters, and reclaim the key row once the answer is sent.

    The answer is sent after the request's transaction commits, so ``reclaim`` runs on a
    committed erasure (VACUUM cannot see rows a transaction still holds).
    """
    outbox.clear(subject_id)
    factory = session_factory()
    response.call_on_close(lambda: reclaim(factory))
    return response


def reclaim(factory: sessionmaker[Session]) -> None:
    """After an erasure: SQLite folds its WAL into the file, PostgreSQL vacuums the key row.

    Best effort: on SQLite a reader holding an old snapshot delays the checkpoint to the
    next one; on PostgreSQL an open transaction older than the erasure keeps the dead row
    until a later VACUUM (autovacuum, or the next erasure).
    """
    bind = factory.kw.get("bind")
    if bind is not None:
        reclaim_erased(bind)

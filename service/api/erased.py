"""What follows an erasure, on the API and on the pages alike.

``KEPT_WHY`` says what is kept and why; ``after_erasure`` clears the person's outbox
letters and, once the answer is sent, reclaims the key row (``reclaim``).
``service/api/erasure.py`` and ``service/ui/rights.py`` both answer with them.
"""

from __future__ import annotations

from flask import Response
from sqlalchemy.orm import Session, sessionmaker

from store import reclaim_erased

from ..web import outbox
from ..web.sessions import session_factory

KEPT_WHY = (
    "The transparency log is append-only evidence of what was done with your data: it "
    "keeps its entries about you, under a pseudonym that no longer leads to anything, "
    "including the receipts you were given (so you can still prove them) and a record of "
    "this erasure."
)


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

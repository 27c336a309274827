"""A person's decisions as they are shown to them, on the API and on the pages.

``decision_shown`` builds one decision's answer (outcome, explanation, reviews);
``log_access`` writes the person's own read of their decisions to the transparency log.
``service/api/decisions.py`` and ``service/ui/rights.py`` both answer with them.
"""

from __future__ import annotations

from typing import Any

from consent import gate
from scoring.contract import CONTRACT
from scoring.workflow import Decision, effective_decision, open_decision, review_out, reviews_of

from ..web.keys import consent_keys, vault
from ..web.sessions import db
from .schemas.decisions import DecisionShownOut


def decision_shown(row: Decision, fresh: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return one decision as shown to its person: outcome, explanation, reviews.

    ``fresh`` is the opened payload of a decision made in this request: it has no reviews
    yet, so nothing more is read.
    """
    session = db()
    if fresh is not None:
        payload, in_force, by, reviews = fresh, fresh["decision"], None, []
    else:
        payload = open_decision(session, vault=vault(), decision=row)
        in_force, by = effective_decision(
            session, vault=vault(), decision_id=row.id, original=payload["decision"]
        )
        reviews = [
            review_out(session, vault=vault(), review=r)
            for r in reviews_of(session, decision_id=row.id)
        ]
    return DecisionShownOut.model_validate(
        {
            "id": row.id,
            "created_at": row.created_at.isoformat(),
            "model_version": row.model_version,
            "decision": payload["decision"],
            "decision_in_force": in_force,
            "overridden_by_review": by,
            "score": payload["score"],
            "cut_off": payload["cut_off"],
            "explanation": payload["explanation"],
            "reviews": reviews,
        }
    ).model_dump(mode="json")


def log_access(subject_id: str, what: str) -> None:
    """Write the person's own read of their decisions to the transparency log."""
    gate.log_read(
        db(),
        keys=consent_keys(),
        actor="subject",
        subject_id=subject_id,
        purpose="subject-access",
        categories=[c.value for c in {f.category for f in CONTRACT}],
        consent_ids=[],
        what=what,
    )

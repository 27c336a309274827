"""A decision made over the API, in the transactions ADR 0016 sets out.

``made_apart`` runs the first steps of ``scoring.workflow.decisions``: the categories the
consents cover are read; the read is authorized and logged in a short transaction ready
to write, which commits before any fact is read; the facts are then scored, explained and
signed in a read transaction. The route stores what it returns in the next transaction
(``next_transaction_writes``), so SQLite's one write lock is held for two short writes
instead of the whole request. This is the shape of a statistic's release
(``service/api/releases.py``): reserve, commit, run. ``service/api/decisions.py`` (a
person's own decision) and ``service/api/lender.py`` (a lender's) both decide with it.
"""

from __future__ import annotations

from dp import active_card
from scoring.workflow import Decided, Policy, authorize_decision, decision_categories, make_decision

from ..web.keys import consent_keys, vault
from ..web.sessions import db, restart_ready_to_write


def made_apart(*, subject_id: str, policy: Policy, lender: str | None = None) -> Decided:
    """Authorize and log the read (committed), then build the decision in a read transaction.

    Raises:
        scoring.errors.NoActiveModel: no model is active (before anything is logged).
        consent.errors.ConsentMissing: no active scoring consent covers the contract.
    """
    card, model_card = active_card(db())
    categories = decision_categories(db(), subject_id=subject_id, lender=lender)
    session = restart_ready_to_write()
    authorized = authorize_decision(
        session, keys=consent_keys(), subject_id=subject_id, categories=categories, lender=lender
    )
    session.commit()
    return make_decision(
        session,
        keys=consent_keys(),
        vault=vault(),
        authorized=authorized,
        card=card,
        model_card=model_card,
        policy=policy,
    )

"""The explanation of one record scored by a model trained on a lender's own file.

The same parts as a Fairfile decision's explanation (``scoring.card.explain``): the score's
lines adding up exactly, up to four principal reasons ranked by points lost against each
feature's best bin, a recourse proven by re-scoring that changes only actionable
features, the model's accuracy and training epsilon from its card; and what was not used
(the audit-only and ignored columns, the prohibited list). The caller signs it with the
same keyring. A record is the lender's applicant, not a Fairfile subject: there is no
consent id and no link to a person's rights here; the lender owes those to its applicant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from ..card import principal_reasons
from ..card.explain import accuracy, scored_parts, signable
from ..card.scorecard import BASE_ODDS, BASE_SCORE, PDO, Scorecard, Scored, score
from ..contract import PROHIBITED

DOCUMENT_TYPE: Final = "fairfile/record-explanation/v1"

LOGIC: Final = (
    "The score adds up points. Each financial fact in the record falls in one of a few "
    "public ranges or declared categories, and each is worth a fixed number of points, "
    "learned (with differential privacy) from how often people in that range or category "
    "repaid in the lender's own history. The base points are the score of someone about "
    f"whom nothing is known. Every {PDO} points double the estimated odds of repaying; a "
    f"score of {BASE_SCORE} means odds of {BASE_ODDS} repayments to 1 default. The decision "
    "compares the score with the cut-off. Protected attributes and social or behavioural "
    "data are never inputs."
)


def score_record(card: Scorecard, facts: Mapping[str, float]) -> Scored:
    """Score one record whose every feature has a value (checked by the file reader)."""
    allowed = {table.feature.category for table in card.features}
    return score(card, facts, allowed=allowed)


def decision_of(scored: Scored, cut_off: int) -> str:
    """``approve`` at or above the cut-off, ``decline`` below."""
    return "approve" if scored.score >= cut_off else "decline"


def reason_features(card: Scorecard, scored: Scored) -> list[str]:
    """The features of the principal reasons, largest loss first (no recourse search)."""
    return [r.feature for r in principal_reasons(card, scored)]


def explain_record(
    *,
    card: Scorecard,
    model_card: Mapping[str, Any],
    facts: Mapping[str, float],
    cut_off: int,
    issued_at: dt.datetime,
    lender: str | None,
    record: str,
) -> dict[str, Any]:
    """Return the explanation of one record (plain JSON values; the caller signs it)."""
    scored = score_record(card, facts)
    outcome = decision_of(scored, cut_off)
    low, high = card.score_range
    parts = scored_parts(card, scored, cut_off=cut_off, consent_id=None)
    document: dict[str, Any] = {
        "type": DOCUMENT_TYPE,
        "record": record,
        "issued_at": issued_at.isoformat(),
        "made_by": "Fairfile automated scorecard trained on the lender's own file",
        "lender": lender,
        "model_version": card.version,
        "scaling": {"pdo": PDO, "base_score": BASE_SCORE, "base_odds": BASE_ODDS},
        "decision": outcome,
        "score": scored.score,
        "range": {"min": low, "max": high},
        "cut_off": cut_off,
        "logic": LOGIC,
        "accuracy": accuracy(model_card),
        "points": parts["points"],
        "reasons_role": "principal reasons for this decision"
        if outcome != "approve"
        else "the factors that lowered the score most",
        "reasons": parts["reasons"],
        "recourse": parts["recourse"],
        "not_used": {
            "audit_only": list(model_card.get("audit_only", [])),
            "ignored": list(model_card.get("ignored", [])),
            "prohibited": {
                "families": sorted({p.category.value for p in PROHIBITED}),
                "note": "Refused as model inputs; audit-only columns feed only the DP "
                "fairness report.",
            },
        },
    }
    return signable(document)  # type: ignore[no-any-return]

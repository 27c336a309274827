"""The explanation of a decision: one JSON document, signed, that a person can keep.

``build_explanation`` assembles every part from what the decision actually used: the
score's parts (base plus one line per feature, adding up exactly to the score), the
principal reasons, a proven recourse, what was not used, the logic in plain words, the
model's measured accuracy and training epsilon (from the model card), the role of
automation and of people, and the person's rights with links. ``docs/explanations.md``
maps each field to the rule it serves. The caller signs it (``store.signing``): the
document names its own kind in ``type``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, Final

from consent import DataCategory

from ..contract import PROHIBITED
from .categorical import CategoricalFeature
from .reasons import principal_reasons
from .recourse import find_recourse
from .scorecard import BASE_ODDS, BASE_SCORE, PDO, Scorecard, Scored, Status
from .wording import bins_words, value_words

DOCUMENT_TYPE: Final = "fairfile/explanation/v1"

LOGIC: Final = (
    "Fairfile's score adds up points. Each financial fact you chose to share falls in one of "
    "a few public ranges, and each range is worth a fixed number of points, learned (with "
    "differential privacy) from how often people in that range repaid. The base points are "
    "the score of someone about whom nothing is known. A fact you did not share, do not "
    f"have, or are disputing scores 0 points: no effect either way. Every {PDO} points "
    f"double the estimated odds of repaying; a score of {BASE_SCORE} means odds of "
    f"{BASE_ODDS} repayments to 1 default. The decision compares your score with the "
    "lender's cut-off. A good record (each fact's favourable range, published with the model) "
    "never scores below 0, so sharing it never lowers your score. Social, behavioural, "
    "location and protected data are never used."
)

NO_REASONS: Final = (
    "None of the facts used scored below neutral (0 points): nothing counted against you. "
    "The score is the base points plus what your facts earned; the recourse says which "
    "changes would earn enough to reach the cut-off."
)

_WHY: Final[dict[Status, str]] = {
    Status.WITHHELD: "its data category is not in your scoring consent",
    Status.MISSING: "there is no value for it",
    Status.DISPUTED: "you are disputing it; it is left out until the dispute is resolved",
}


def rights(subject_id: str, decision_id: str) -> list[dict[str, str]]:
    """Return the person's rights over a decision, each with how to use it."""
    base = f"/v1/subjects/{subject_id}"
    return [
        {
            "right": "human review",
            "how": "Ask a person to review this decision and give your point of view; they "
            "may change it (GDPR Art. 22(3), EU AI Act Art. 14).",
            "link": f"{base}/decisions/{decision_id}/reviews",
        },
        {
            "right": "contest",
            "how": "Say why you disagree in your review statement; the reviewer answers it.",
            "link": f"{base}/decisions/{decision_id}/reviews",
        },
        {
            "right": "rectify",
            "how": "Dispute a fact you believe is wrong; it is left out of new scores until "
            "resolved.",
            "link": f"{base}/disputes",
        },
        {
            "right": "withdraw consent",
            "how": "Withdraw your scoring consent at any time; no new score is computed.",
            "link": f"{base}/consents",
        },
        {
            "right": "access",
            "how": "Download everything held about you, this decision included.",
            "link": f"{base}/export",
        },
    ]


def accuracy(card: Mapping[str, Any]) -> dict[str, Any]:
    """Return the model card's measured accuracy and training privacy, stated honestly."""
    holdout = card.get("holdout", {}) or {}
    calibration = holdout.get("calibration")
    return {
        "holdout_auc": holdout.get("auc"),
        "holdout_subjects": holdout.get("subjects"),
        "holdout_source": holdout.get("source"),
        "calibration": {
            "predicted_default_rate": calibration["predicted_default_rate"],
            "observed_default_rate": calibration["observed_default_rate"],
            "largest_gap_in_ten_score_bands": calibration["largest_band_gap"],
        }
        if calibration
        else "not measured for this model version: the score's odds are the model's estimate",
        "training_epsilon": card.get("epsilon"),
        "training_data": card.get("data"),
        "method": card.get("method"),
    }


def _point_lines(card: Scorecard, scored: Scored, consent_id: str | None) -> list[dict[str, Any]]:
    """Return every feature's line of a score: value, bin, points, best attainable, why."""
    out = []
    for line in scored.lines:
        feature = card.feature(line.name)
        used = line.status is Status.USED
        out.append(
            {
                "feature": line.name,
                "description": feature.description,
                "category": line.category.value,
                "value": line.value,
                "value_text": value_words(feature, line.value) if line.value is not None else None,
                "unit": feature.unit,
                "status": line.status.value,
                "bin": line.bin_label,
                "range": bins_words(feature, line.bin) if line.bin is not None else None,
                "points": line.points,
                "best_attainable": line.best,
                "consent_id": consent_id if used else None,
                "note": "" if used else f"0 points (neutral): {_WHY[line.status]}",
            }
        )
    return out


def not_used(scored: Scored | None, allowed: frozenset[DataCategory]) -> dict[str, Any]:
    """Return what was not used: prohibited data, withheld categories, left-out facts."""
    withheld = sorted(c.value for c in set(DataCategory) - allowed)
    left_out = [
        {"feature": line.name, "status": line.status.value, "why": _WHY[line.status]}
        for line in (scored.lines if scored is not None else ())
        if line.status is not Status.USED
    ]
    families = sorted({p.category.value for p in PROHIBITED})
    return {
        "prohibited": {
            "families": families,
            "kinds": sorted(p.key for p in PROHIBITED),
            "note": "Never collected or used, for anyone.",
        },
        "withheld_categories": withheld,
        "left_out": left_out,
        "protected_attributes": "never used",
    }


def signable(value: Any) -> Any:
    """Return ``value`` with every float spelled as its shortest decimal string.

    Signed documents are canonical JSON, which has no canonical spelling of a float: a
    decimal value travels as a string (``"0.36"``), an integer as a number.

    >>> signable({"auc": 0.75, "months": 12, "values": [1.0, None]})
    {'auc': '0.75', 'months': 12, 'values': ['1.0', None]}
    """
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {k: signable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [signable(v) for v in value]
    return value


def _shown_value(card: Scorecard, name: str, value: float | None) -> float | int | str | None:
    """Return a value as a document shows it.

    An int for an integer-kind feature, the category for a categorical one, others
    unchanged.
    """
    if value is None:
        return value
    feature = card.feature(name)
    if isinstance(feature, CategoricalFeature):
        return feature.label_of(value)
    if feature.kind != "int":
        return value
    return int(value)


def scored_parts(
    card: Scorecard, scored: Scored, *, cut_off: int, consent_id: str | None
) -> dict[str, Any]:
    """Return a score's points, principal reasons and proven recourse, values as shown."""
    reasons = principal_reasons(card, scored)
    recourse = find_recourse(card, scored, cut_off=cut_off)
    parts: dict[str, Any] = {
        "points": {
            "base": scored.base,
            "features": _point_lines(card, scored, consent_id),
            "total": scored.score,
        },
        "reasons": [asdict(r) for r in reasons],
        "recourse": {
            "exists": recourse.exists,
            "changes": [asdict(c) for c in recourse.changes],
            "rescored": recourse.rescored,
            "statement": _recourse_statement(recourse.exists, len(recourse.changes), cut_off),
        },
    }
    for part in (*parts["points"]["features"], *parts["reasons"]):
        part["value"] = _shown_value(card, part["feature"], part["value"])
    for change in parts["recourse"]["changes"]:
        change["current"] = _shown_value(card, change["feature"], change["current"])
        change["target"] = _shown_value(card, change["feature"], change["target"])
    return parts


def build_explanation(
    *,
    decision_id: str,
    subject_id: str,
    issued_at: dt.datetime,
    card: Scorecard,
    model_card: Mapping[str, Any],
    scored: Scored | None,
    insufficient: Sequence[str],
    outcome: str,
    cut_off: int,
    refer_band: int,
    allowed: frozenset[DataCategory],
    consent_id: str | None,
    lender: str | None,
) -> dict[str, Any]:
    """Return the explanation document (plain JSON values; the caller signs it).

    Decimal values are strings (see ``signable``); integer-kind facts are integers.
    """
    low, high = card.score_range
    document: dict[str, Any] = {
        "type": DOCUMENT_TYPE,
        "decision_id": decision_id,
        "subject_id": subject_id,
        "issued_at": issued_at.isoformat(),
        "made_by": "Fairfile automated scorecard; a person reviews it on request",
        "lender": lender,
        "model_version": card.version,
        "scaling": {"pdo": PDO, "base_score": BASE_SCORE, "base_odds": BASE_ODDS},
        "decision": outcome,
        "score": scored.score if scored is not None else None,
        "range": {"min": low, "max": high},
        "cut_off": cut_off,
        "refer_band": refer_band,
        "consent_ids": [consent_id] if consent_id else [],
        "logic": LOGIC,
        "accuracy": accuracy(model_card),
        "not_used": not_used(scored, allowed),
        "rights": rights(subject_id, decision_id),
    }
    if scored is None:
        document |= {
            "points": None,
            "reasons": [],
            "recourse": None,
            "insufficient_data": list(insufficient),
            "consequences": "No score was computed and no credit decision was made; nothing "
            "about you was judged. Once the steps above are done, ask again.",
        }
        return signable(document)  # type: ignore[no-any-return]
    parts = scored_parts(card, scored, cut_off=cut_off, consent_id=consent_id)
    document |= {
        "points": parts["points"],
        "reasons_role": "principal reasons for this decision"
        if outcome != "approve"
        else "the factors that lowered your score most",
        "reasons": parts["reasons"],
        "reasons_note": "" if parts["reasons"] else NO_REASONS,
        "recourse": parts["recourse"],
        "insufficient_data": [],
        "consequences": _consequences(outcome),
    }
    return signable(document)  # type: ignore[no-any-return]


def _recourse_statement(exists: bool, changes: int, cut_off: int) -> str:
    if not exists:
        return (
            f"No change to the facts you can act on would reach the cut-off of {cut_off} "
            "with this model; the facts that hold the score down cannot be changed by you "
            "(for example your months of history or past delinquencies). A human review can "
            "still consider your circumstances."
        )
    if changes == 0:
        return f"Your score already reaches the cut-off of {cut_off}."
    return (
        f"Making the {changes} change{'' if changes == 1 else 's'} listed, and nothing else, "
        "would raise your score to "
        f"at least the cut-off of {cut_off}: checked by scoring the changed facts again."
    )


def _consequences(outcome: str) -> str:
    return {
        "approve": "The score reaches the cut-off: the credit can be offered on this basis.",
        "refer": "The score is just below the cut-off: a person will look at the application "
        "before anything is decided.",
        "decline": "The score is below the cut-off: the credit is not offered on this basis. "
        "You may ask for a human review, dispute a fact, or act on the recourse below.",
    }[outcome]

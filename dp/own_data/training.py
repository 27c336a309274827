"""Train a scorecard on a lender's own historical file: DP weight of evidence per public bin.

The mapping (``scoring.own_data.mapping``) declares every column; the file is checked whole before
anything else happens (``scoring.own_data.history_file``). Then, in the caller's one transaction:

1. **Plan**: the training noise over the (bin or category x outcome) tables of the
   ``F`` declared features, and, if the mapping declares audit-only columns, the
   fairness report's noise over the (group x outcome x approved) tables of the ``A``
   audit columns. Both are OpenDP discrete Laplace measurements; their cost is their
   own ``map`` (sensitivity ``F`` and ``A``: each row adds one to one cell of each
   table), composed exactly.
2. **Charge**: the file's data is one entry of the ledger (``ledger.reserve_dataset``):
   its rows are people Fairfile does not know, so the whole file is charged as one, under
   its digest, against the per-person budget. Uploading the same data again draws on the
   same budget; a run that would pass it is refused (``BudgetExhausted``) and nothing
   is charged.
3. **Release**: noisy training tables over the training rows (the stratified 80%), then
   weights of evidence with a pseudo-count of two noise scales (``dp.training``),
   post-processing and free; the fairness report's noisy tables over every row, scored
   by the released points.
4. **Measure** (not DP, stated on the card): the holdout AUC and calibration on the held
   out 20%, and a k-fold estimate over the training rows, each fold's model trained with
   OpenDP noise at the same epsilon and thrown away.
5. **Store** the version (never active, owned by the lender) and complete the release.

The caller commits once: if anything fails, nothing is stored and nothing is charged,
and the noisy tables, never shown to anyone, are discarded with the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from scoring.card import (
    CategoricalFeature,
    MappedFeature,
    Scorecard,
    auc,
    calibration,
    check,
    labels_of,
    order_of,
    score_codes,
    spec_of,
)
from scoring.own_data import Codes, FileMapping, LabelledFile

from .. import ledger
from ..errors import InvalidQuery
from ..loss import PrivacyLoss
from ..mechanisms import LossRequest, VectorNoise, composed_cost, make_vector_noise
from ..models import ModelVersion
from ..shaping import minimum_people
from ..training import NOISE_SMOOTHING, SMOOTHING, outcome_tables, shape_tables
from ..versions import save_own_version
from .fairness import fairness_report

KIND: Final = "training:own-data"
#: The cut-off (points) the fairness report counts approvals at, unless one is given: a
#: public choice, never taken from the data.
DEFAULT_CUT_OFF: Final = 500
#: The smallest epsilon a run takes: below it the noise drowns every count.
MIN_EPSILON: Final = 0.001
HOLDOUT: Final = 0.2
FOLDS: Final = 5
METRICS_NOTE: Final = (
    "The points are differentially private. The holdout AUC, calibration and k-fold "
    "figures are computed exactly on the lender's own rows (held out from training) and "
    "are not: they are shown to the lender that owns the file and quoted as the model's "
    "accuracy in its explanations. The fairness report is differentially private."
)


@dataclass(frozen=True)
class OwnDataPlan:
    """The noise of one run and its exact cost, known before any data is read."""

    training: VectorNoise
    audit: VectorNoise | None
    cost: PrivacyLoss


@dataclass(frozen=True)
class OwnModel:
    """A stored own-data model version, its card, and what its data has left."""

    version: ModelVersion
    card: dict[str, Any]
    release_id: str
    cost: PrivacyLoss
    remaining: PrivacyLoss


def plan(mapping: FileMapping, *, epsilon: float, audit_epsilon: float | None) -> OwnDataPlan:
    """Return the run's noise and its exact cost, before any data is read.

    Training at pure ``epsilon``; the fairness report at ``audit_epsilon``, only when
    the mapping declares audit-only columns.
    """
    for name, value in (("epsilon", epsilon), ("audit_epsilon", audit_epsilon)):
        if value is not None and not value >= MIN_EPSILON:
            raise InvalidQuery(
                f"{name} is at least {MIN_EPSILON}: below it the noise drowns every count"
            )
    sizes = [len(labels_of(f)) for f in mapping.features]
    # One row moves one cell per feature; one person moves that for each of their rows.
    rows = mapping.rows_per_person
    training = make_vector_noise(
        cells=2 * sum(sizes),
        sensitivity=len(sizes) * rows,
        request=LossRequest.parse(epsilon=str(epsilon)),
    )
    audit = None
    if mapping.audit and audit_epsilon is not None:
        audit = make_vector_noise(
            cells=sum(4 * len(a.labels()) for a in mapping.audit),
            sensitivity=len(mapping.audit) * rows,
            request=LossRequest.parse(epsilon=str(audit_epsilon)),
        )
    parts = [training] if audit is None else [training, audit]
    return OwnDataPlan(training, audit, composed_cost(parts))


def count_tables(
    features: Sequence[MappedFeature], codes: Mapping[str, Codes], defaulted: npt.NDArray[np.bool_]
) -> list[int]:
    """Return the exact (bin or category x outcome) counts of every feature, concatenated."""
    sizes = [len(labels_of(f)) for f in features]
    return outcome_tables(sizes, [codes[f.name] for f in features], defaulted)


def fit_points(
    features: Sequence[MappedFeature],
    codes: Mapping[str, Codes],
    defaulted: npt.NDArray[np.bool_],
    noise: VectorNoise | None,
) -> tuple[dict[str, Any], int]:
    """Fit weights of evidence from the (noisy) tables; return the points and noisy size.

    ``noise=None`` fits the exact tables: a non-private baseline for benchmarks, never
    stored.
    """
    exact = count_tables(features, codes, defaulted)
    if noise is None:
        noisy, smoothing = exact, SMOOTHING
    else:
        noisy = noise.release(exact)
        smoothing = max(SMOOTHING, NOISE_SMOOTHING * noise.scale)
    sizes = [len(labels_of(f)) for f in features]
    minimum = minimum_people(None if noise is None else noise.scale)
    intercept, shaped = shape_tables(features, noisy, smoothing, minimum)
    points = {
        "intercept": intercept,
        "features": {
            f.name: dict(zip(labels_of(f), s.woe, strict=True))
            for f, s in zip(features, shaped, strict=True)
        },
        "spec": spec_of(features),
        "shaping": {
            "minimum_people": minimum,
            "features": {s.name: s.as_dict() for s in shaped},
        },
    }
    return points, max(0, sum(noisy[: 2 * sizes[0]]))


def split(labelled: LabelledFile, *, holdout: float, folds: int) -> npt.NDArray[np.int64]:
    """Assign every row a part, stratified by outcome: ``-1`` held out, else its fold.

    People are split, not rows: all of one person's rows fall in the same part (stratified
    by whether any of them defaulted), so no person is on both sides of the holdout. The
    shuffle is seeded by the data's digest (a split, not noise: the same file always
    splits the same way).
    """
    rng = np.random.default_rng(int(labelled.digest[:16], 16))
    people = labelled.people
    count = int(people.max()) + 1 if people.size else 0
    defaulted = np.zeros(count, dtype=np.bool_)
    np.logical_or.at(defaulted, people, labelled.defaulted)
    of_person = np.empty(count, dtype=np.int64)
    for outcome in (False, True):
        persons = rng.permutation(np.flatnonzero(defaulted == outcome))
        held = round(len(persons) * holdout)
        of_person[persons[:held]] = -1
        of_person[persons[held:]] = np.arange(len(persons) - held) % folds
    part: npt.NDArray[np.int64] = of_person[people]
    return part


def _subset(codes: Mapping[str, Codes], mask: npt.NDArray[np.bool_]) -> dict[str, Codes]:
    return {name: column[mask] for name, column in codes.items()}


def _auc_of(
    points: dict[str, Any], codes: Mapping[str, Codes], bad: npt.NDArray[np.bool_]
) -> float:
    card = Scorecard.from_model(version=0, points=points)
    return auc(-score_codes(card, codes), bad)


def kfold(
    features: Sequence[MappedFeature],
    labelled: LabelledFile,
    part: npt.NDArray[np.int64],
    *,
    folds: int,
    noise: VectorNoise,
) -> dict[str, Any]:
    """Estimate the AUC of the DP procedure by k-fold over the training rows.

    Each fold's model is fit with fresh OpenDP noise at the run's scale on the other
    folds, scored on its own fold, and thrown away (never stored or shown).
    """
    aucs = []
    for k in range(folds):
        fit, held = (part >= 0) & (part != k), part == k
        points, _ = fit_points(
            features, _subset(labelled.codes, fit), labelled.defaulted[fit], noise
        )
        aucs.append(_auc_of(points, _subset(labelled.codes, held), labelled.defaulted[held]))
    return {
        "folds": folds,
        "auc_mean": round(float(np.mean(aucs)), 4),
        "auc_sd": round(float(np.std(aucs, ddof=1)), 4),
        "aucs": [round(a, 4) for a in aucs],
        "rows": int((part >= 0).sum()),
    }


def direction_check(card: Scorecard) -> dict[str, str]:
    """Say, per feature, whether its points keep the declared direction and sharing policy.

    Post-processing (``dp.shaping``) makes them keep it; ``scoring.card.shape.check`` proves it
    on the integer points, so every line here says so unless something is broken.
    """
    found: dict[str, list[str]] = {}
    for violation in check(card):
        found.setdefault(violation.feature, []).append(violation.text)
    out: dict[str, str] = {}
    for table in card.features:
        feature = table.feature
        if table.feature.name in found:
            out[feature.name] = "does not hold: " + "; ".join(found[feature.name])
        elif order_of(feature) is None:
            out[feature.name] = (
                "no order declared; no category scores below neutral"
                if feature.direction is None
                else "not monotone by declaration; the favourable part scores at least neutral"
            )
        else:
            out[feature.name] = (
                f"follows the declared direction ({order_of(feature)}), and the favourable "
                "part scores at least neutral"
            )
    return out


def _unit(mapping: FileMapping, labelled: LabelledFile) -> dict[str, Any]:
    """What the card says the privacy unit is, and what bounding it left out."""
    if mapping.person is None:
        return {
            "unit": "row",
            "note": "each row is taken for a different person; declare a person column if "
            "one person can have several rows",
            "repeated_rows": labelled.repeated,
        }
    return {
        "unit": "person",
        "column": mapping.person.column,
        "rows_per_person": labelled.rows_per_person,
        "rows_left_out": labelled.left_out,
        "note": f"at most {labelled.rows_per_person} row(s) of each person were read (the "
        "first in file order); the epsilon is each person's, and no person stands on both "
        "sides of the holdout",
    }


def train_from_file(
    session: Session,
    *,
    labelled: LabelledFile,
    mapping: FileMapping,
    epsilon: float,
    audit_epsilon: float | None,
    budget: PrivacyLoss,
    delta: float,
    actor: str,
    lender_id: str | None,
    source: str,
    cut_off: int = DEFAULT_CUT_OFF,
    holdout: float = HOLDOUT,
    folds: int = FOLDS,
    progress: Callable[[str], None] | None = None,
) -> OwnModel:
    """Charge the file's budget, fit the DP scorecard, measure it, store the version.

    The caller owns the one transaction and commits it; nothing is committed here.

    Raises:
        BudgetExhausted: the file's data has too little budget left; nothing charged.
    """
    say = progress or (lambda _message: None)
    run = plan(mapping, epsilon=epsilon, audit_epsilon=audit_epsilon)
    mechanism = {
        "training": run.training.as_dict(),
        "fairness": run.audit.as_dict() if run.audit is not None else None,
    }
    reservation = ledger.reserve_dataset(
        session,
        budget=budget,
        dataset=labelled.digest,
        cost=run.cost,
        actor=actor,
        purpose="training",
        kind=KIND,
        query={
            "dataset": labelled.digest,
            "rows": labelled.rows,
            "mapping": mapping.digest(),
            "epsilon": str(epsilon),
            "audit_epsilon": None if audit_epsilon is None else str(audit_epsilon),
            "lender": lender_id,
        },
        mechanism=mechanism,
    )
    say(
        f"charged rho {run.cost.decimal()} to this file's data (release "
        f"{reservation.release_id}); rho {reservation.remaining.decimal(round_up=False)} left"
    )
    features = mapping.features
    part = split(labelled, holdout=holdout, folds=folds)
    train_rows, held_rows = part >= 0, part == -1
    say(
        f"noise: {run.training.mechanism}, scale {run.training.scale:.4g}, "
        f"{run.training.cells} cells; training on {int(train_rows.sum())} rows, "
        f"holding out {int(held_rows.sum())}"
    )
    points, noisy_size = fit_points(
        features, _subset(labelled.codes, train_rows), labelled.defaulted[train_rows], run.training
    )
    card_points = Scorecard.from_model(version=0, points=points)
    held_scores = score_codes(card_points, _subset(labelled.codes, held_rows))
    held_bad = labelled.defaulted[held_rows]
    say(f"k-fold estimate over {folds} folds (fold models are discarded)")
    estimate = kfold(features, labelled, part, folds=folds, noise=run.training)
    fairness = None
    if run.audit is not None:
        approved = score_codes(card_points, labelled.codes) >= cut_off
        fairness = fairness_report(
            mapping.audit, labelled.audit, labelled.defaulted, approved, run.audit, cut_off=cut_off
        )
    card = {
        "method": "weight of evidence from DP (public bin or category x outcome) count tables "
        "over a lender's own file (ADR 0015)",
        "source": "own-data",
        "data": f"{source}: a lender's own file of {labelled.rows} rows, outside Fairfile's "
        "consent gate; the lender is responsible for its lawful use",
        "privacy_unit": _unit(mapping, labelled),
        "lender": lender_id,
        "features": [f.name for f in features],
        "bins": {f.name: labels_of(f) for f in features},
        "categorical": [f.name for f in features if isinstance(f, CategoricalFeature)],
        "audit_only": [a.name for a in mapping.audit],
        "ignored": list(mapping.ignored),
        "mapping": mapping.as_dict(),
        "epsilon": run.training.epsilon,
        "audit_epsilon": run.audit.epsilon if run.audit is not None else None,
        "cost_rho": run.cost.decimal(),
        "epsilon_at_delta": {"delta": delta, "epsilon": run.cost.epsilon_at(delta)},
        "dataset": {
            "digest": labelled.digest,
            "rows": labelled.rows,
            "budget_rho": budget.decimal(),
            "remaining_rho": reservation.remaining.decimal(round_up=False),
        },
        "noisy_training_size": noisy_size,
        "mechanism": mechanism,
        "holdout": {
            "subjects": int(held_rows.sum()),
            "source": f"the held-out {holdout:.0%} of the lender's file (stratified by "
            "outcome), never trained on; not a DP figure",
            "auc": round(auc(-held_scores, held_bad), 4),
            "calibration": calibration(held_scores, held_bad),
        },
        "kfold": estimate,
        "direction_check": direction_check(card_points),
        "shaping": points["shaping"],
        "fairness": fairness,
        "cut_off": cut_off,
        "metrics_privacy": METRICS_NOTE,
    }
    version = save_own_version(
        session,
        release_id=reservation.release_id,
        points=points,
        card=card,
        lender_id=lender_id,
    )
    return OwnModel(version, version.card, reservation.release_id, run.cost, reservation.remaining)

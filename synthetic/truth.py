"""Ground truth: each person's 12-month default probability, the outcome, and the AUCs.

The truth is a logistic model of the person's contract facts plus an unobserved
component ``u ~ N(0, 1)``::

    p = sigmoid(intercept + f(facts) + SIGMA_UNOBSERVED * u)

No model can see ``u``, so the best any model of the facts can do is rank people by
``f(facts)`` (``P(default | facts)`` rises with it). Two figures follow, both computed
exactly from the probabilities rather than from one draw of outcomes:

* ``bayes_auc``: the expected AUC of ``f(facts)``, the ceiling for a model of the facts;
* ``oracle_auc``: the expected AUC of ``p`` itself, which would need ``u`` too.

Being thin-file (bureau facts missing) carries no risk of its own here: an assumption,
and the one Fairfile's inclusion claims are tested against.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from scoring.card import auc as auc

from .latent import sigmoid

Float = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

#: The spread of the unobserved component on the log-odds scale (an assumption).
SIGMA_UNOBSERVED = 1.0
#: The log-odds intercept, one for every profile: calibrated so that about 6% of the
#: default profile defaults within 12 months (``docs/scripts/plot_synthetic.py
#: --calibrate`` recomputes it). The 6% is an assumption, not a published figure.
INTERCEPT = -3.59


def _or(values: Float, missing: float) -> Float:
    return np.where(np.isnan(values), missing, values)


def log_odds_from_facts(facts: Mapping[str, Float], *, intercept: float = INTERCEPT) -> Float:
    """Return the truth's log-odds of default without the unobserved part.

    ``facts`` maps every contract feature to a float array (NaN: missing).
    """
    recent = np.minimum(facts["history_months"], 12.0)
    rent_late = np.where(
        np.isnan(facts["rent_on_time_12m"]), 0.0, recent - facts["rent_on_time_12m"]
    )
    thick = ~np.isnan(facts["bureau_open_tradelines"])
    # Centred on a typical bureau file, so that an average file adds nothing.
    bureau = (
        0.30 * (_or(facts["bureau_delinquencies_24m"], 0.0) - 0.35)
        + 0.60 * (_or(facts["bureau_utilisation"], 0.0) - 0.35)
        + 0.08 * (_or(facts["bureau_inquiries_6m"], 0.0) - 0.8)
        - 0.015 * (_or(facts["bureau_open_tradelines"], 0.0) - 5.0)
    )
    return (
        intercept
        + 0.20 * rent_late
        + 0.15 * _or(facts["utility_late_months_12m"], 0.0)
        + 0.12 * _or(facts["telecom_late_months_12m"], 0.0)
        + 0.08 * (recent - facts["income_regular_months_12m"])
        - 0.15 * np.arcsinh(facts["median_net_inflow"] / 250.0)
        - 0.20 * np.arcsinh(facts["avg_eom_balance"] / 500.0)
        + 0.08 * facts["negative_balance_months_12m"]
        - 0.10 * np.log1p(facts["savings_balance"] / 100.0)
        + 2.0 * np.maximum(facts["debt_service_ratio"] - 0.3, 0.0)
        + 0.03 * (24.0 - facts["history_months"])
        + np.where(thick, bureau, 0.0)
    )


def default_probability(log_odds: Float, unobserved: Float) -> Float:
    """Return ``sigmoid(log_odds + SIGMA_UNOBSERVED * unobserved)``."""
    return sigmoid(log_odds + SIGMA_UNOBSERVED * unobserved)


def expected_auc(score: Float, probability: Float) -> float:
    """Return the AUC of ``score`` expected when each outcome is drawn with ``probability``.

    It is the ratio of the expected numbers of correctly ordered and of all
    (default, non-default) pairs of distinct people, the same ratio of expectations as
    the AUC's own definition and exact in the limit of a large population. Ties in
    ``score`` count a half.

    >>> round(expected_auc(np.array([0.0, 1.0]), np.array([0.0, 1.0])), 6)
    1.0
    """
    p = probability[np.argsort(score, kind="stable")]
    ordered = np.sort(score, kind="stable")
    q = 1.0 - p
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    group_p = np.add.reduceat(p, starts)
    group_q = np.add.reduceat(q, starts)
    group_pq = np.add.reduceat(p * q, starts)
    below = np.cumsum(group_q) - group_q
    ordered_pairs = (group_p * below).sum() + 0.5 * (group_p * group_q - group_pq).sum()
    all_pairs = p.sum() * q.sum() - (p * q).sum()
    return float(ordered_pairs / all_pairs)

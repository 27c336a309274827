"""Inclusion and fairness: who Fairfile can score and approve, beside a bureau-only scorecard.

For each profile (default and thin-heavy) a fresh population of 200,000 synthetic subjects
is split by position into three disjoint parts:

* **train** (80,000): the Fairfile card is fit from DP count tables at epsilon 1
  (``dp.training.train``); the bureau-only card is fit by the same weight-of-evidence
  method from *exact* tables (no noise: the comparison's benefit of the doubt goes to the
  bureau), on the training part's thick files and the four bureau features only;
* **calibrate** (60,000): each model's cut-off is the most lenient one whose approved
  portfolio has a drawn bad rate of at most ``TARGET_BAD_RATE`` (``cut_off_for``). The
  cut-off is fixed before the evaluated people are looked at, so it is public input to
  the fairness release below, as a lender's configured cut-off would be;
* **evaluate** (60,000): inclusion, approvals, bad rates and the fairness audit.

Every subject counts as a consenting applicant who shares every category. Fairfile scores
whoever has at least 6 months of statements (the insufficient-data rule); the bureau-only
card scores thick files only, whatever their statements. Unscorable means declined.

Fairness: the table protected group x thin file x repaid x approved (at Fairfile's
cut-off, over the evaluated people) is released once through ``dp``'s count mechanism at
``AUDIT_EPSILON``; approval-rate ratios and true-positive-rate gaps with intervals are
post-processing (``bench._inclusion``). The exact values are shown beside them. The
protected attribute is read here only and is never a model input.

``measure()`` returns everything ``docs/scripts/plot_inclusion.py`` draws.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import polars as pl

from bench import _inclusion as inc
from bench.report import Row
from consent import DataCategory
from dp.intervals import Estimate, gap, ratio
from dp.training import train
from scoring import BUREAU_FEATURES, FEATURE_NAMES
from scoring.card import score_frame
from scoring.card.scorecard import MIN_HISTORY_MONTHS, Scorecard, insufficient_data
from synthetic import auc, generate

SUBJECTS = 200_000
TRAIN, CALIBRATE = 80_000, 60_000  # the rest (60,000) is evaluated
#: Fresh seeds: no other bench or doc uses them.
SEEDS = {"default": 4101, "thin-heavy": 4102}
TRAIN_EPSILON = 1.0
AUDIT_EPSILON = 1.0
#: The portfolio bad rate both models' cut-offs are chosen for (half the default
#: profile's 6% population default rate).
TARGET_BAD_RATE = 0.03
#: Cut-offs swept for the trade-off curves in the plot.
SWEEP = np.arange(300, 800, 1)


@dataclass(frozen=True)
class Model:
    """One model's scores on the evaluated part and its operating point."""

    name: str
    scores: np.ndarray
    scorable: np.ndarray
    cut_off: int | None
    portfolio: inc.Portfolio
    auc: float
    curve: dict[str, np.ndarray]  # cut_off, approval, bad_rate, thin_good_approval


@dataclass(frozen=True)
class Measured:
    """The figures of one profile."""

    profile: str
    seed: int
    evaluated: int
    thin: np.ndarray
    defaulted: np.ndarray
    probability: np.ndarray
    history: np.ndarray
    fairfile: Model
    bureau: Model
    not_scorable: Counter[str]
    rule_agrees: bool
    fairness_dp: inc.Table
    fairness_exact: inc.Table
    bureau_fairness_exact: inc.Table


def _columns(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    return {
        c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy()
        for c in frame.columns
        if c != "subject_id"
    }


def _bureau_card(columns: dict[str, np.ndarray], outcomes: np.ndarray) -> Scorecard:
    """A non-DP weight-of-evidence card on the bureau features, fit on thick files.

    In a weight-of-evidence (naive Bayes) card each feature's weights are fit on their own,
    so zeroing the other features' weights is exactly the bureau-only model.
    """
    trained = train(columns, outcomes, epsilon=None)
    points = trained.scorecard.as_dict()
    for name in FEATURE_NAMES:
        if name not in BUREAU_FEATURES:
            points["features"][name] = dict.fromkeys(points["features"][name], 0.0)
    return Scorecard.from_model(version=0, points=points)


def _curve(scores, scorable, defaulted, thin_good) -> dict[str, np.ndarray]:
    approval, bad, thin_approval = [], [], []
    for c in SWEEP:
        approved = scorable & (scores >= c)
        approval.append(approved.mean())
        bad.append(defaulted[approved].mean() if approved.any() else np.nan)
        thin_approval.append(approved[thin_good].mean() if thin_good.any() else np.nan)
    return {
        "cut_off": SWEEP,
        "approval": np.array(approval),
        "bad_rate": np.array(bad),
        "thin_good_approval": np.array(thin_approval),
    }


def _model(name, card, calibrate, evaluate, *, bureau: bool) -> Model:
    scored = {}
    for part, (cols, thin, defaulted) in {"calibrate": calibrate, "evaluate": evaluate}.items():
        if bureau:
            # The bureau needs no statements: score every thick file (its card gives the
            # months of history no points, so the value put in is irrelevant).
            cols = {**cols, "history_months": np.full(thin.size, 24.0)}
        result = score_frame(card, cols)
        scorable = ~thin if bureau else result.scorable
        scored[part] = (result.scores, scorable, defaulted)
    cut_off = inc.cut_off_for(*scored["calibrate"], TARGET_BAD_RATE)
    scores, scorable, defaulted = scored["evaluate"]
    thin = evaluate[1]
    held = auc(-scores[scorable].astype(float), defaulted[scorable])
    return Model(
        name,
        scores,
        scorable,
        cut_off,
        inc.portfolio(scores, scorable, cut_off),
        held,
        _curve(scores, scorable, defaulted, thin & ~defaulted),
    )


def _not_scorable(features: pl.DataFrame, scorable: np.ndarray, thin: np.ndarray):
    """Tally why thin-file people are not scorable, by the per-person rule itself.

    Every synthetic applicant shares every category and disputes nothing, so the rule
    only looks at the months of history. Also checks that the batch scorer and the
    per-person rule agree on every thin-file person.
    """
    allowed = set(DataCategory)
    reasons: Counter[str] = Counter()
    agrees = True
    rows = features.filter(pl.Series(thin)).drop("subject_id").to_dicts()
    for facts, ok in zip(rows, scorable[thin], strict=True):
        said = insufficient_data(facts, allowed=allowed)
        agrees &= bool(ok) == (not said)
        if said:
            reasons[
                f"{facts['history_months']:g} months of statements (< {MIN_HISTORY_MONTHS})"
            ] += 1
    return reasons, agrees


def measure(profile: str) -> Measured:
    """Train, calibrate and evaluate both models on a fresh population of ``profile``."""
    seed = SEEDS[profile]
    population = generate(SUBJECTS, seed=seed, profile_name=profile)
    columns = _columns(population.features)
    defaulted = population.truth["defaulted"].to_numpy()
    probability = population.truth["default_probability"].to_numpy()
    thin = population.subjects["thin_file"].to_numpy()
    group_b = (population.protected["protected_group"].cast(pl.String) == "group_b").to_numpy()
    index = np.arange(SUBJECTS)
    parts = {
        "train": index < TRAIN,
        "calibrate": (index >= TRAIN) & (index < TRAIN + CALIBRATE),
        "evaluate": index >= TRAIN + CALIBRATE,
    }

    def take(part: str):
        mask = parts[part]
        return {k: v[mask] for k, v in columns.items()}, thin[mask], defaulted[mask]

    fit_cols, _, fit_y = take("train")
    fairfile_card = Scorecard.from_model(
        version=1, points=train(fit_cols, fit_y, epsilon=TRAIN_EPSILON).scorecard.as_dict()
    )
    thick_fit = parts["train"] & ~thin
    bureau_card = _bureau_card({k: v[thick_fit] for k, v in columns.items()}, defaulted[thick_fit])
    calibrate, evaluate = take("calibrate"), take("evaluate")
    fairfile = _model("Fairfile", fairfile_card, calibrate, evaluate, bureau=False)
    bureau = _model("bureau-only", bureau_card, calibrate, evaluate, bureau=True)

    ev = parts["evaluate"]
    ev_thin, ev_y, ev_b = thin[ev], defaulted[ev], group_b[ev]
    reasons, agrees = _not_scorable(
        population.features.filter(pl.Series(ev)), fairfile.scorable, ev_thin
    )
    exact = inc.fairness_table(ev_b, ev_thin, ~ev_y, fairfile.portfolio.approved)
    bureau_exact = inc.fairness_table(ev_b, ev_thin, ~ev_y, bureau.portfolio.approved)
    return Measured(
        profile=profile,
        seed=seed,
        evaluated=int(ev.sum()),
        thin=ev_thin,
        defaulted=ev_y,
        probability=probability[ev],
        history=columns["history_months"][ev],
        fairfile=fairfile,
        bureau=bureau,
        not_scorable=reasons,
        rule_agrees=agrees,
        fairness_dp=inc.release_fairness(exact, epsilon=AUDIT_EPSILON),
        fairness_exact=inc.Table.exact(exact),
        bureau_fairness_exact=inc.Table.exact(bureau_exact),
    )


def fairness(table: inc.Table, **where: str) -> tuple[Estimate, Estimate]:
    """Approval-rate ratio (group_b / group_a) and TPR gap (group_b - group_a)."""
    approval_ratio = ratio(
        inc.approval_rate(table, "group_b", **where), inc.approval_rate(table, "group_a", **where)
    )
    tpr_gap = gap(
        inc.true_positive_rate(table, "group_b", **where),
        inc.true_positive_rate(table, "group_a", **where),
    )
    return approval_ratio, tpr_gap


def _pct(x: float) -> str:
    return f"{x:.1%}"


def rows_for(m: Measured) -> list[Row]:
    p = m.profile
    thin, y = m.thin, m.defaulted
    good_thin = thin & ~y
    ff, bu = m.fairfile, m.bureau
    thin_ok = ff.scorable[thin]
    six = m.history[thin] >= MIN_HISTORY_MONTHS
    not_scored = ", ".join(f"{n:,} with {why}" for why, n in sorted(m.not_scorable.items()))
    rows = [
        Row(
            f"[{p}] evaluated subjects (seed {m.seed}; 80k train / 60k calibrate / 60k evaluate)",
            f"{m.evaluated:,}, {thin.sum():,} thin-file ({thin.mean():.1%}), "
            f"drawn default rate {y.mean():.2%} (thin {y[thin].mean():.2%})",
        ),
        Row(
            f"[{p}] holdout AUC (scorable people)",
            f"Fairfile {ff.auc:.3f} (epsilon {TRAIN_EPSILON:g})",
            compare=f"bureau-only {bu.auc:.3f} (thick files, exact counts)",
        ),
        Row(
            f"[{p}] thin-file subjects Fairfile can score",
            f"{thin_ok.mean():.1%} ({thin_ok.sum():,} of {thin.sum():,}); "
            f"of those with >= {MIN_HISTORY_MONTHS} months: {thin_ok[six].mean():.1%}",
            f"every thin file with >= {MIN_HISTORY_MONTHS} months scored",
            bool(thin_ok[six].all()) and m.rule_agrees,
            "bureau-only: 0.0% (no bureau file)",
        ),
        Row(f"[{p}] thin files not scorable, and why", not_scored or "none"),
        Row(
            f"[{p}] cut-offs for a portfolio bad rate <= {TARGET_BAD_RATE:.0%} (calibration part)",
            f"Fairfile {ff.cut_off}",
            compare=f"bureau-only {bu.cut_off}",
        ),
        Row(
            f"[{p}] portfolio bad rate at the cut-off: drawn (expected from true p)",
            f"Fairfile {ff.portfolio.bad_rate(y):.2%} "
            f"({ff.portfolio.expected_bad_rate(m.probability):.2%})",
            "no worse than bureau-only's",
            ff.portfolio.bad_rate(y) <= bu.portfolio.bad_rate(y),
            f"bureau-only {bu.portfolio.bad_rate(y):.2%} "
            f"({bu.portfolio.expected_bad_rate(m.probability):.2%})",
        ),
    ]
    everyone = np.ones_like(thin)
    for label, among in (("all", everyone), ("thin", thin), ("thick", ~thin)):
        rows.append(
            Row(
                f"[{p}] approval rate, {label} applicants",
                f"Fairfile {_pct(ff.portfolio.approval_rate(among))}",
                compare=f"bureau-only {_pct(bu.portfolio.approval_rate(among))}",
            )
        )
    rows.append(
        Row(
            f"[{p}] approval rate among thin-file subjects who in truth repay",
            f"Fairfile {_pct(ff.portfolio.approval_rate(good_thin))} "
            f"({ff.portfolio.approved[good_thin].sum():,} of {good_thin.sum():,})",
            "above bureau-only's",
            ff.portfolio.approval_rate(good_thin) > bu.portfolio.approval_rate(good_thin),
            f"bureau-only {_pct(bu.portfolio.approval_rate(good_thin))}",
        )
    )
    rows.append(_matched(m))
    rows += _fairness_rows(m)
    return rows


def _matched(m: Measured) -> Row:
    """Fairfile at the most lenient cut-off matching bureau-only's bad rate on the same people.

    In-sample for Fairfile (a frontier comparison, free of the calibration part's noise);
    the calibrated cut-off above is the one a lender would use.
    """
    y, thin = m.defaulted, m.thin
    bad = m.bureau.portfolio.bad_rate(y)
    cut = inc.cut_off_for(m.fairfile.scores, m.fairfile.scorable, y, bad)
    matched = inc.portfolio(m.fairfile.scores, m.fairfile.scorable, cut)
    return Row(
        f"[{m.profile}] matched on the evaluated people: Fairfile at bureau-only's bad rate "
        f"({bad:.2%})",
        f"cut-off {cut}, bad rate {matched.bad_rate(y):.2%}, approves "
        f"{_pct(matched.approval_rate(np.ones_like(thin)))} of all, "
        f"{_pct(matched.approval_rate(thin & ~y))} of thin-file repayers",
        compare=f"bureau-only {_pct(m.bureau.portfolio.approval_rate(np.ones_like(thin)))} "
        "of all, 0.0% of thin-file repayers",
    )


def _exact(value: float, spread: Estimate, fmt: str) -> str:
    if value != value:  # nan: no one approved in either group
        return "exact n/a (approves no one)"
    return f"exact {value:{fmt}}, sampling 95% [{spread.low:{fmt}}, {spread.high:{fmt}}]"


def _fairness_rows(m: Measured) -> list[Row]:
    p, dp_table = m.profile, m.fairness_dp
    rows = []
    for label, where in (("all applicants", {}), ("thin files", {"thin_file": "true"})):
        dp_ratio, dp_gap = fairness(dp_table, **where)
        ex_ratio, ex_gap = fairness(m.fairness_exact, **where)
        bu_ratio, bu_gap = fairness(m.bureau_fairness_exact, **where)
        s_ratio, _ = inc.sampling(m.fairness_exact, repaid_only=False, **where)
        _, s_gap = inc.sampling(m.fairness_exact, repaid_only=True, **where)
        bureau_none = bu_ratio.value != bu_ratio.value
        rows += [
            Row(
                f"[{p}] approval-rate ratio group_b / group_a, {label}: DP [95% interval]",
                f"{dp_ratio} ({_exact(ex_ratio.value, s_ratio, '.3f')})",
                compare=(
                    "bureau-only: approves no one here"
                    if bureau_none
                    else f"bureau-only exact {bu_ratio.value:.3f}"
                )
                + "; four-fifths rule of thumb 0.80",
            ),
            Row(
                f"[{p}] TPR gap group_b - group_a (approval among repayers), {label}: DP",
                f"{dp_gap} ({_exact(ex_gap.value, s_gap, '+.3f')})",
                compare=(
                    "bureau-only: 0 (approves no one here)"
                    if bureau_none
                    else f"bureau-only exact {bu_gap.value:+.3f}"
                ),
            ),
        ]
    rows.append(
        Row(
            f"[{p}] privacy cost of the fairness release",
            f"epsilon {AUDIT_EPSILON:g} ({dp_table.cost}) for each evaluated subject: "
            f"{dp_table.mechanism}, scale {dp_table.scale:g}, {inc.CELLS} cells, "
            f"cell half-width {dp_table.half_width:.2f} (all cells at once, 95%)",
            compare=f"training: epsilon {TRAIN_EPSILON:g}, on disjoint subjects",
        )
    )
    return rows


def run() -> list[Row]:
    rows: list[Row] = []
    for profile in SEEDS:
        rows += rows_for(measure(profile))
    return rows

"""Training on a lender's own file: mapping, refusals, dirty files, DP accounting, scoring."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from dp import BudgetExhausted
from dp.loss import PrivacyLoss
from dp.models import ModelVersion, Release
from dp.own_data.fairness import fairness_report
from dp.own_data.training import (
    KIND,
    count_tables,
    direction_check,
    fit_points,
    plan,
    train_from_file,
)
from dp.versions import activate, active_version, own_version
from scoring import ContractViolation
from scoring.card.batch import score_codes
from scoring.card.categorical import CategoricalFeature
from scoring.card.reasons import principal_reasons
from scoring.card.recourse import allowed, find_recourse
from scoring.card.scorecard import Scorecard, rescore
from scoring.card.shape import check
from scoring.errors import DirtyFile
from scoring.own_data.history_file import check_file, check_records, record_frame
from scoring.own_data.mapping import parse_mapping
from scoring.own_data.record_explain import explain_record, score_record
from store import utcnow
from store.signing import verify_envelope
from synthetic.credit_file import MAPPING, dirty_copy, generate_credit_file

ONE_RUN = PrivacyLoss.pure(1) + PrivacyLoss.pure("0.5")  # training 1, fairness 0.5


def _text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.all().cast(pl.String))


@pytest.fixture(scope="module")
def credit() -> pl.DataFrame:
    return _text(generate_credit_file(3_000, seed=11))


@pytest.fixture(scope="module")
def mapping():
    return parse_mapping(MAPPING)


TWO = PrivacyLoss.zcdp(2)


def _train(session, labelled, mapping, *, budget=TWO, lender_id=None):
    return train_from_file(
        session,
        labelled=labelled,
        mapping=mapping,
        epsilon=1.0,
        audit_epsilon=0.5,
        budget=budget,
        delta=1e-6,
        actor="test",
        lender_id=lender_id,
        source="credit.csv",
    )


# --- the mapping ---------------------------------------------------------------------------


def _as_feature(text: str, column: str, block: str) -> str:
    start = text.index(f"[columns.{column}]")
    end = text.find("\n[", start + 1)
    return text[:start] + block + (text[end:] if end != -1 else "")


@pytest.mark.parametrize(
    ("column", "family"),
    [("personal_status", "protected"), ("age", "protected"), ("foreign_worker", "protected")],
)
def test_a_prohibited_column_declared_as_a_feature_is_refused_by_name(column, family):
    block = (
        f'[columns.{column}]\nuse = "feature"\ntype = "categorical"\ncategories = ["a", "b"]\n'
        'category = "income"\n'
    )
    with pytest.raises(ContractViolation) as refused:
        parse_mapping(_as_feature(MAPPING, column, block))
    [problem] = refused.value.problems
    assert problem.field == column
    assert (problem.offence.value, problem.category) == ("prohibited", family)
    assert "audit_only" in problem.reason
    assert column in str(refused.value)


def test_every_prohibited_feature_is_named_in_one_refusal():
    text = MAPPING
    for column in ("personal_status", "age", "foreign_worker"):
        text = _as_feature(
            text,
            column,
            f'[columns.{column}]\nuse = "feature"\ntype = "categorical"\n'
            'categories = ["a", "b"]\ncategory = "income"\n',
        )
    with pytest.raises(ContractViolation) as refused:
        parse_mapping(text)
    assert sorted(p.field for p in refused.value.problems) == [
        "age",
        "foreign_worker",
        "personal_status",
    ]


@pytest.mark.parametrize(
    "description", ["Applicant's gender", "Number of dependants", "Nationality of the borrower"]
)
def test_a_feature_whose_declared_meaning_is_prohibited_is_refused(description):
    block = (
        f'[columns.attribute_9]\nuse = "feature"\ntype = "categorical"\n'
        f'description = "{description}"\ncategories = ["a", "b"]\ncategory = "income"\n'
    )
    with pytest.raises(ContractViolation) as refused:
        parse_mapping(MAPPING + "\n" + block)
    [problem] = refused.value.problems
    assert problem.field == "attribute_9"
    assert "declared meaning" in problem.reason


def test_the_generated_mapping_keeps_protected_columns_out_of_the_model(mapping):
    assert [a.name for a in mapping.audit] == ["personal_status", "age", "foreign_worker"]
    names = {f.name for f in mapping.features}
    assert not names & {"personal_status", "age", "foreign_worker", "purpose", "telephone"}
    assert mapping.ignored == ("purpose", "telephone")


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ('category = "social"', "financial data categories"),
        ("bins = []", "bin edges"),
        ('direction = "sideways"', "direction"),
        ("colour = 1", "unknown key"),
    ],
)
def test_a_malformed_feature_declaration_is_refused_with_its_reason(change, needle):
    block = (
        '[columns.duration_months]\nuse = "feature"\ntype = "numeric"\nrange = [4, 72]\n'
        'bins = [12, 24]\ncategory = "bureau"\ndirection = "raises_risk"\n'
    )
    key = change.split(" = ")[0]
    lines = [ln for ln in block.splitlines() if not ln.startswith(key + " ")] + [change]
    with pytest.raises(ContractViolation) as refused:
        parse_mapping(_as_feature(MAPPING, "duration_months", "\n".join(lines) + "\n"))
    assert needle in refused.value.problems[0].reason


def test_a_mapping_needs_exactly_one_outcome():
    text = MAPPING.replace('use = "outcome"', 'use = "ignore"').replace(
        'bad = "bad"\ngood = "good"\n', ""
    )
    with pytest.raises(ContractViolation, match="mapping"):
        parse_mapping(text)


# --- dirty files ---------------------------------------------------------------------------


def test_a_dirty_file_is_refused_with_a_row_level_report_and_no_values(credit, mapping):
    with pytest.raises(DirtyFile) as refused:
        check_file(dirty_copy(credit), mapping)
    report = [(p.row, p.column, p.problem) for p in refused.value.problems]
    assert report == [
        (3, "duration_months", "missing value"),
        (5, "credit_amount", "not a number"),
        (8, "savings", "not one of the declared categories"),
        (13, "credit_risk", "not one of the declared outcome values (bad, good)"),
    ]
    shown = str(refused.value) + repr(refused.value.problem_extensions)
    for value in ("about 2000", "offshore", "unknown"):
        assert value not in shown


def test_out_of_range_and_fractional_values_are_reported(credit, mapping):
    broken = credit.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("99"))
        .otherwise(pl.col("installment_rate"))
        .alias("installment_rate"),
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("12.5"))
        .otherwise(pl.col("duration_months"))
        .alias("duration_months"),
    )
    with pytest.raises(DirtyFile) as refused:
        check_file(broken, mapping)
    assert [(p.row, p.column) for p in refused.value.problems] == [
        (1, "installment_rate"),
        (2, "duration_months"),
    ]
    assert refused.value.problems[0].problem == "outside the declared range [1, 4]"
    assert refused.value.problems[1].problem == "not a whole number"


def test_undeclared_and_absent_columns_are_refused_before_any_row(credit, mapping):
    frame = credit.drop("savings").with_columns(pl.lit("x").alias("shoe_size"))
    with pytest.raises(DirtyFile) as refused:
        check_file(frame, mapping)
    assert {(p.row, p.column) for p in refused.value.problems} == {
        (None, "shoe_size"),
        (None, "savings"),
    }


def test_too_few_of_one_outcome_is_refused(credit, mapping):
    with pytest.raises(DirtyFile, match="problem"):
        check_file(credit.with_columns(pl.lit("good").alias("credit_risk")), mapping)


# --- DP accounting -------------------------------------------------------------------------


def test_the_run_costs_exactly_its_two_measurements_composed(mapping):
    run = plan(mapping, epsilon=1.0, audit_epsilon=0.5)
    assert run.training.sensitivity == len(mapping.features) == 8
    assert run.training.measurement().map(8) == 1.0
    assert run.audit is not None
    assert run.audit.sensitivity == len(mapping.audit) == 3
    assert run.audit.measurement().map(3) == 0.5
    assert run.cost == ONE_RUN
    assert run.cost.rho == Fraction(5, 8)
    without = plan(mapping, epsilon=1.0, audit_epsilon=None)
    assert without.audit is None
    assert without.cost == PrivacyLoss.pure(1)


def test_count_tables_cover_every_declared_bin_and_category(credit, mapping):
    labelled = check_file(credit, mapping)
    exact = count_tables(mapping.features, labelled.codes, labelled.defaulted)
    start = 0
    for feature in mapping.features:
        size = 2 * (
            len(feature.categories)
            if isinstance(feature, CategoricalFeature)
            else len(feature.bins) + 1
        )
        table = exact[start : start + size]
        start += size
        assert sum(table) == labelled.rows  # one cell per row and feature, empty cells kept
        assert sum(table[1::2]) == int(labelled.defaulted.sum())
    assert start == len(exact)


def _woe_gap(points, exact_points):
    return max(
        abs(points["features"][name][label] - exact_points["features"][name][label])
        for name in exact_points["features"]
        for label in exact_points["features"][name]
    )


class _Broken:
    """A 'mechanism' that adds far too much noise: the tolerance check must catch it."""

    def __init__(self, noise):
        self.noise, self.scale = noise, noise.scale

    def release(self, exact):
        rng = np.random.default_rng(0)
        return [int(v + rng.integers(-400, 400)) for v in exact]


def test_dp_weights_of_evidence_approach_the_exact_ones_and_a_broken_mechanism_does_not(mapping):
    frame = _text(generate_credit_file(40_000, seed=3))
    labelled = check_file(frame, mapping)
    exact, _ = fit_points(mapping.features, labelled.codes, labelled.defaulted, None)
    noise = plan(mapping, epsilon=4.0, audit_epsilon=None).training
    noisy, size = fit_points(mapping.features, labelled.codes, labelled.defaulted, noise)
    assert _woe_gap(noisy, exact) < 0.25
    assert abs(size - labelled.rows) < 200
    broken, _ = fit_points(mapping.features, labelled.codes, labelled.defaulted, _Broken(noise))
    assert _woe_gap(broken, exact) >= 0.25


# --- training, storing, the ledger ---------------------------------------------------------


def test_training_stores_a_never_active_version_with_its_card(session, credit, mapping):
    labelled = check_file(credit, mapping)
    own = _train(session, labelled, mapping)
    card = own.card
    assert card["features"] == [f.name for f in mapping.features]
    assert card["audit_only"] == ["personal_status", "age", "foreign_worker"]
    assert card["epsilon"] == 1.0
    assert card["cost_rho"] == "0.625"
    assert card["holdout"]["subjects"] == pytest.approx(0.2 * labelled.rows, abs=2)
    assert 0.6 < card["holdout"]["auc"] < 0.9
    assert card["kfold"]["folds"] == 5
    assert len(card["kfold"]["aucs"]) == 5
    assert 0.6 < card["kfold"]["auc_mean"] < 0.9
    assert set(card["fairness"]["columns"]) == {"personal_status", "age", "foreign_worker"}
    release = session.get(Release, own.release_id)
    assert (release.kind, release.status, release.members) == (KIND, "released", 0)
    assert release.fingerprint == labelled.digest
    assert PrivacyLoss.from_units(release.cost_units) == ONE_RUN
    assert own.version.active is False
    assert own.version.source == "own-data"
    assert active_version(session) is None or active_version(session).source == "contract"
    with pytest.raises(LookupError, match="never becomes the active model"):
        activate(session, version=own.version.version)


def test_the_database_refuses_an_active_own_data_model(session, credit, mapping):
    own = _train(session, check_file(credit, mapping), mapping)
    nested = session.begin_nested()
    with pytest.raises(IntegrityError):
        session.execute(
            update(ModelVersion).where(ModelVersion.id == own.version.id).values(active=True)
        )
    nested.rollback()


@pytest.mark.parametrize(
    ("budget", "second_run_allowed"),
    [
        (ONE_RUN + ONE_RUN, True),  # exactly two runs
        (ONE_RUN + ONE_RUN + PrivacyLoss.zcdp("0.000001"), True),
        (ONE_RUN + PrivacyLoss.zcdp("0.624999"), False),  # a hair short of the second
        (ONE_RUN, False),
    ],
)
def test_the_same_data_draws_on_one_budget(session, credit, mapping, budget, second_run_allowed):
    labelled = check_file(credit, mapping)
    _train(session, labelled, mapping, budget=budget)
    # the same rows in another order are the same data
    shuffled = check_file(credit.sample(fraction=1.0, shuffle=True, seed=1), mapping)
    assert shuffled.digest == labelled.digest
    before = session.scalar(select(func.count()).select_from(Release))
    if second_run_allowed:
        _train(session, shuffled, mapping, budget=budget)
        return
    with pytest.raises(BudgetExhausted) as refused:
        _train(session, shuffled, mapping, budget=budget)
    assert refused.value.problem_extensions["requested"] == {"rho": "0.625"}
    assert session.scalar(select(func.count()).select_from(Release)) == before


def test_a_failure_after_the_charge_leaves_nothing(sessions, credit, mapping, monkeypatch):
    import dp.own_data.training

    labelled = check_file(credit, mapping)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(dp.own_data.training, "save_own_version", broken)
    with sessions() as s:
        before = (
            s.scalar(select(func.count()).select_from(Release)),
            s.scalar(select(func.count()).select_from(ModelVersion)),
        )
    with pytest.raises(RuntimeError), sessions() as s, s.begin():
        _train(s, labelled, mapping)
    with sessions() as s:
        after = (
            s.scalar(select(func.count()).select_from(Release)),
            s.scalar(select(func.count()).select_from(ModelVersion)),
        )
        assert after == before
        assert (
            s.scalar(
                select(func.count())
                .select_from(Release)
                .where(Release.fingerprint == labelled.digest)
            )
            == 0
        )


def test_a_lender_reads_only_its_own_models(session, credit, mapping):
    from consent.lenders import ensure_lender
    from dp.errors import ModelNotFound

    ensure_lender(session, name="Acme", lender_id="acme")
    ensure_lender(session, name="Other", lender_id="other")
    own = _train(session, check_file(credit, mapping), mapping, lender_id="acme")
    number = own.version.version
    assert own_version(session, version=number, lender_id="acme").id == own.version.id
    with pytest.raises(ModelNotFound):
        own_version(session, version=number, lender_id="other")
    with pytest.raises(ModelNotFound):
        own_version(session, version=number + 1000, lender_id="acme")


# --- scoring and explaining ----------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_card(credit, mapping):
    labelled = check_file(credit, mapping)
    noise = plan(mapping, epsilon=1.0, audit_epsilon=None).training
    points, _ = fit_points(mapping.features, labelled.codes, labelled.defaulted, noise)
    return Scorecard.from_model(version=7, points=points), labelled


def test_vectorised_scores_equal_the_per_record_scorecard(trained_card, mapping):
    card, labelled = trained_card
    fast = score_codes(card, labelled.codes)
    for i in range(0, labelled.rows, 37):
        facts = {name: float(column[i]) for name, column in labelled.values.items()}
        scored = score_record(card, facts)
        assert scored.score == fast[i]
        assert scored.base + sum(line.points for line in scored.lines) == scored.score


def test_reasons_rank_points_lost_and_recourse_is_proven_on_actionable_features(trained_card):
    card, labelled = trained_card
    assert check(card) == []  # the own-data card keeps its declared directions
    checked = 0
    for i in range(labelled.rows):
        facts = {name: float(column[i]) for name, column in labelled.values.items()}
        scored = score_record(card, facts)
        reasons = principal_reasons(card, scored)
        below = [-r.points for r in reasons]
        assert below == sorted(below, reverse=True)
        assert all(b > 0 for b in below)
        cut_off = scored.score + 15
        recourse = find_recourse(card, scored, cut_off=cut_off)
        if recourse.exists and recourse.changes:
            after, _ = rescore(card, scored, {c.feature: c.target for c in recourse.changes})
            assert after.score == recourse.rescored
            assert after.score >= cut_off
            assert all(card.feature(c.feature).actionable for c in recourse.changes)
            for c in recourse.changes:
                feature, line = card.feature(c.feature), scored.line(c.feature)
                assert allowed(feature, line.bin, feature.bin_of(c.target)), c
            checked += 1
        if checked >= 25:
            break
    assert checked >= 25


def test_a_record_explanation_is_signed_and_names_categories(trained_card, keys):
    card, labelled = trained_card
    facts = {name: float(column[0]) for name, column in labelled.values.items()}
    document = explain_record(
        card=card,
        model_card={"holdout": {"auc": 0.7}, "epsilon": 1.0, "audit_only": ["age"]},
        facts=facts,
        cut_off=2_000,
        issued_at=utcnow(),
        lender="acme",
        record="row 1",
    )
    envelope = keys.keyring.sign(document)
    assert verify_envelope(envelope, keys.keyring.public_keys())["score"] == document["score"]
    lines = {line["feature"]: line for line in document["points"]["features"]}
    assert lines["savings"]["value"] in card.feature("savings").categories  # type: ignore[union-attr]
    assert (
        sum(line["points"] for line in lines.values()) + document["points"]["base"]
        == (document["score"])
    )
    assert document["decision"] == "decline"
    assert len(document["reasons"]) <= 4
    assert document["not_used"]["audit_only"] == ["age"]
    assert "age" not in lines


def test_an_unknown_category_at_scoring_time_is_a_clear_error(trained_card):
    card, _ = trained_card
    features = [t.feature for t in card.features]
    record = {
        f.name: (f.categories[0] if isinstance(f, CategoricalFeature) else f.lower)
        for f in features
    }
    assert check_records(record_frame(record), features).rows == 1
    record["savings"] = "offshore"
    with pytest.raises(DirtyFile) as refused:
        check_records(record_frame(record), features)
    [problem] = refused.value.problems
    assert (problem.row, problem.column, problem.problem) == (
        1,
        "savings",
        "not one of the declared categories",
    )
    del record["savings"]
    with pytest.raises(DirtyFile, match="problem"):
        check_records(record_frame(record), features)


def test_the_built_in_card_still_reads_the_contract():
    from tests.decision_fixtures import card

    built_in = card()
    assert len(built_in.features) == 14
    assert not any(isinstance(t.feature, CategoricalFeature) for t in built_in.features)
    assert math.isfinite(built_in.score_range[0])


def test_audit_only_columns_are_never_model_inputs(credit, mapping):
    """Shuffling the protected columns changes nothing the model is fit from."""
    labelled = check_file(credit, mapping)
    shuffled = credit.with_columns(
        pl.col("personal_status").shuffle(seed=1),
        pl.col("age").shuffle(seed=2),
        pl.col("foreign_worker").shuffle(seed=3),
    )
    other = check_file(shuffled, mapping)
    assert set(labelled.codes) == {f.name for f in mapping.features}
    assert not set(labelled.codes) & set(labelled.audit)
    exact, _ = fit_points(mapping.features, labelled.codes, labelled.defaulted, None)
    again, _ = fit_points(mapping.features, other.codes, other.defaulted, None)
    assert exact == again
    assert any((labelled.audit[a] != other.audit[a]).any() for a in labelled.audit)


@pytest.mark.parametrize("epsilon", [5e-324, 1e-9, 0.0009])
def test_an_epsilon_too_small_to_mean_anything_is_refused(mapping, epsilon):
    from dp import InvalidQuery

    with pytest.raises(InvalidQuery, match=r"at least 0\.001"):
        plan(mapping, epsilon=epsilon, audit_epsilon=None)
    with pytest.raises(InvalidQuery, match="audit_epsilon"):
        plan(mapping, epsilon=1.0, audit_epsilon=epsilon)


def _fairness_error(credit, mapping, noise):
    labelled = check_file(credit, mapping)
    approved = np.zeros(labelled.rows, dtype=bool)
    approved[::3] = True
    report = fairness_report(
        mapping.audit, labelled.audit, labelled.defaulted, approved, noise, cut_off=500
    )
    worst = 0
    for column in mapping.audit:
        exact = np.bincount(labelled.audit[column.name], minlength=len(column.labels()))
        noisy = [g["rows"] for g in report["columns"][column.name]["groups"]]
        worst = max(worst, int(np.abs(exact - np.asarray(noisy)).max()))
    return worst, report


def test_the_fairness_report_counts_each_group_within_its_noise_and_a_broken_one_does_not(
    credit, mapping
):
    noise = plan(mapping, epsilon=1.0, audit_epsilon=2.0).audit
    worst, report = _fairness_error(credit, mapping, noise)
    # a group's rows are four noisy cells: within four times the 95% bound of one cell
    # (the bound holds per cell with probability 0.95; four cells rarely all go one way)
    assert worst <= 4 * report["noise_95"] + 4
    assert report["epsilon"] == noise.epsilon
    broken = _Broken(noise)
    broken.epsilon, broken.mechanism = noise.epsilon, noise.mechanism
    broken.accuracy = noise.accuracy
    worst_broken, _ = _fairness_error(credit, mapping, broken)
    assert worst_broken > 4 * report["noise_95"] + 4


@pytest.mark.parametrize("epsilon", [0.3, 1.0, 3.0, None])
def test_every_own_data_card_keeps_its_directions_and_the_sharing_policy(credit, mapping, epsilon):
    labelled = check_file(credit, mapping)
    noise = None if epsilon is None else plan(mapping, epsilon=epsilon, audit_epsilon=None).training
    for _ in range(3):
        points, _ = fit_points(mapping.features, labelled.codes, labelled.defaulted, noise)
        card = Scorecard.from_model(version=7, points=points)
        assert check(card) == []
        assert all(
            text.startswith(("follows", "no order")) for text in direction_check(card).values()
        )

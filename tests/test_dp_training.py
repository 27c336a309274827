"""DP training: exact cost, the fast path against OpenDP's default path, versions, the CLI."""

from __future__ import annotations

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from dp._opendp import prelude
from dp.models import ModelVersion, Release
from dp.training import tables, train, training_cost
from scoring.contract import FEATURE_NAMES
from service.cli import main
from synthetic import auc, generate, write_population
from tests.conftest import make_test_app


def _columns(population):
    frame = population.features.drop("subject_id")
    return {c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy() for c in frame.columns}


@pytest.fixture(scope="module")
def population():
    return generate(30_000, seed=21)


def test_training_costs_epsilon_exactly_as_its_tables_and_calibration_composed(population):
    columns, outcomes = _columns(population), population.truth["defaulted"].to_numpy()
    trained = train(columns, outcomes, epsilon=1.0)
    assert trained.epsilon == 1.0
    # Four fifths of epsilon for the tables, one fifth for the calibration: in zCDP
    # 0.8**2 / 2 + 0.2**2 / 2.
    assert float(trained.cost.rho) == pytest.approx(0.34)
    assert trained.cost == training_cost(1.0)
    # One measurement over the concatenated tables (L1 sensitivity = one cell per table)
    # charges what the tables released one by one at epsilon / F each would, composed.
    dp = prelude()
    f = len(FEATURE_NAMES)
    per_table = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T="i64"), size=10), dp.l1_distance(T="i64"), scale=17.5
    )
    composed = dp.c.make_composition([per_table] * f)
    tables_epsilon = trained.mechanism["sensitivity"] / trained.mechanism["scale"]
    assert composed.map(1) == pytest.approx(tables_epsilon) == pytest.approx(0.8)
    calibration = trained.mechanism["calibration"]
    assert calibration["sensitivity"] / calibration["scale"] == pytest.approx(0.2)
    assert sum(tables(columns, outcomes)) == f * len(outcomes)


def test_the_dp_model_ranks_nearly_as_well_as_the_exact_one(population):
    columns, outcomes = _columns(population), population.truth["defaulted"].to_numpy()
    fit = {k: v[:25_000] for k, v in columns.items()}
    held = {k: v[25_000:] for k, v in columns.items()}
    exact = auc(
        train(fit, outcomes[:25_000], epsilon=None).scorecard.score(held), outcomes[25_000:]
    )
    private = auc(
        train(fit, outcomes[:25_000], epsilon=2.0).scorecard.score(held), outcomes[25_000:]
    )
    assert exact > 0.72
    assert private > 0.97 * exact


def test_the_fast_path_charges_what_opendps_default_polars_path_charges():
    # The default path searches the scale for a count by public keys; the fast path
    # computes it in closed form. Both measurements, on the same unit, cost the same.
    from dp import LossRequest, make_vector_noise

    dp = prelude()
    frame = pl.LazyFrame({"cell": pl.Series([0, 1, 1, 0, 1], dtype=pl.Int64)})
    context = dp.Context.compositor(
        data=frame,
        privacy_unit=dp.unit_of(contributions=1),
        privacy_loss=dp.loss_of(epsilon=1.0),
        split_evenly_over=1,
        margins=[dp.polars.Margin(by=["cell"], invariant="keys")],
    )
    query = (
        context.query()
        .group_by("cell")
        .agg(dp.len(scale=None, signed=True))
        .with_keys(pl.LazyFrame({"cell": pl.Series([0, 1], dtype=pl.Int64)}))
    )
    searched = query.resolve()
    fast = make_vector_noise(cells=2, sensitivity=1, request=LossRequest.parse(epsilon=1))
    assert searched.check(1, 1.0)
    assert fast.measurement().map(1) == 1.0 == fast.epsilon
    assert searched.map(1) == pytest.approx(fast.measurement().map(1), rel=1e-6)


def test_model_train_stores_an_active_version_with_its_card(tmp_path, engine, population):
    folder = tmp_path / "pop"
    write_population(generate(3_000, seed=5), folder)
    app = make_test_app(tmp_path, engine=engine)
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(
            main, ["model", "train", "--epsilon", "1", "--data", str(folder)], obj=_script(app)
        )
        assert result.exit_code == 0, result.output
    assert "noise: discrete_laplace" in result.output
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        versions = session.scalars(select(ModelVersion).order_by(ModelVersion.version)).all()
        assert [v.active for v in versions][-2:] == [False, True]
        card = versions[-1].card
        assert card["cost_rho"] == "0.34"  # 0.8**2 / 2 + 0.2**2 / 2
        assert card["features"] == list(FEATURE_NAMES)
        assert 0.5 < card["holdout"]["auc"] < 1
        assert card["checks"] == {
            "monotone_in_declared_direction": True,
            "sharing_never_hurts": True,
            "violations": [],
        }
        # A stored card whose rent runs backwards is refused by name, and stays inactive.
        backwards = dict(versions[-1].points)
        rent = dict(backwards["features"]["rent_on_time_12m"])
        rent["[12, 12]"] = 0.9
        backwards["features"] = {**backwards["features"], "rent_on_time_12m": rent}
        versions[-2].points = backwards
        session.commit()
        refused = runner.invoke(
            main, ["model", "activate", str(versions[-2].version)], obj=_script(app)
        )
        assert refused.exit_code == 1
        assert "rent_on_time_12m" in refused.output
        assert "[12, 12]" in refused.output
        session.refresh(versions[-2])
        assert not versions[-2].active
        release = session.get(Release, versions[-1].release_id)
        assert (release.purpose, release.status, release.members) == ("training", "released", 0)
        for v in versions:
            session.delete(v)
        session.flush()
        for r in session.scalars(select(Release).where(Release.actor == "cli")):
            session.delete(r)
        session.commit()


def _script(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)

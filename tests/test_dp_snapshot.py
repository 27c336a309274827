"""Outcomes and regions sealed, simulated choices, training from the snapshot, rates by region."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from consent.models import Consent, Enrolment, Receipt
from consent.transparency import LogEntry, ReleaseMember
from dp import LossRequest, PrivacyLoss
from dp.allocations import Allocation
from dp.answers import release
from dp.models import ModelVersion, PrivacyAccount, Release
from dp.statistics import StatQuery, plan, tabulate
from dp.training import training_cost
from dp.training_data import MODEL_CATEGORIES, read_training_data, reserve_training_snapshot
from scoring.workflow.outcomes import (
    REGIONS,
    SubjectOutcome,
    SubjectRegion,
    get_outcome,
    get_region,
    seal_region,
)
from service.cli import main
from service.web.keys import consent_keys, vault
from synthetic import generate, seed_population, simulate_choices
from synthetic.choices import DEFAULT_SHARE
from tests.analyst_fixtures import analyst_client
from tests.conftest import make_test_app

PEOPLE = 120


@pytest.fixture
def seeded(tmp_path, sessions, session):
    """An app over a database seeded with PEOPLE synthetic people, all of whom enrolled."""
    app = make_test_app(tmp_path, engine=sessions, privacy_budget_rho="20")
    population = generate(PEOPLE, seed=3)
    ids = seed_population(
        session=session,
        vault=vault(app),
        features=population.features,
        protected=population.protected,
        outcomes=population.outcomes(),
    )
    choices = simulate_choices(session, keys=consent_keys(app), subject_ids=ids, share=1.0, seed=3)
    session.commit()
    app.fairfile_ids = ids
    app.fairfile_population = population
    app.fairfile_choices = choices
    return app


def test_outcomes_and_regions_are_sealed_and_open_to_the_truth(seeded, session):
    ids, population = seeded.fairfile_ids, seeded.fairfile_population
    truth = population.outcomes()
    for subject_id, row in zip(ids[:20], truth.head(20).iter_rows(named=True), strict=True):
        assert get_outcome(session, vault=vault(seeded), subject_id=subject_id) is row["defaulted"]
        assert get_region(session, vault=vault(seeded), subject_id=subject_id) == row["region"]
    stored = session.scalars(select(SubjectRegion.sealed_region)).all()
    assert len(stored) == PEOPLE
    assert not any(region.encode() in blob for blob in stored for region in REGIONS)
    assert session.scalar(select(func.count()).select_from(SubjectOutcome)) == PEOPLE
    with pytest.raises(ValueError, match="unknown region"):
        seal_region(session, vault=vault(seeded), subject_id=ids[0], region="atlantis")


def test_simulated_choices_go_through_the_lifecycle_and_repeat_per_seed(seeded, session):
    choices = seeded.fairfile_choices
    assert choices.enrolled == PEOPLE
    granted = sum(choices.grants.values())
    assert set(choices.grants) == {"training", "statistics"}
    assert session.scalar(select(func.count()).select_from(Consent)) == granted
    assert session.scalar(select(func.count()).select_from(Receipt)) == granted
    consents = session.scalars(select(Consent)).all()
    assert {c.channel for c in consents} == {"api"}
    assert any(len(c.categories) < len(MODEL_CATEGORIES) for c in consents)  # partial grants
    # No enrolment means no grant: a share of zero touches nobody; the draw repeats per seed.
    rng_a = np.random.default_rng([0xC075E7, 3]).random(PEOPLE)
    rng_b = np.random.default_rng([0xC075E7, 3]).random(PEOPLE)
    assert (rng_a == rng_b).all()
    assert 0 < DEFAULT_SHARE < 1


def test_a_zero_share_enrols_nobody_and_a_bad_share_is_refused(tmp_path, sessions, session):
    from consent.lifecycle import ConsentKeys
    from store.keys import Pseudonyms
    from store.signing import Keyring

    keys = ConsentKeys(Keyring.from_directory(tmp_path / "k"), Pseudonyms(bytes(32)))
    before = session.scalar(select(func.count()).select_from(Enrolment))
    assert simulate_choices(session, keys=keys, subject_ids=[], share=0.0).enrolled == 0
    assert session.scalar(select(func.count()).select_from(Enrolment)) == before
    with pytest.raises(ValueError, match="between 0 and 1"):
        simulate_choices(session, keys=keys, subject_ids=[], share=1.5)


def test_training_reads_the_snapshot_through_the_gate_and_charges_it(seeded, sessions):
    with sessions() as charging, charging.begin():
        snapshot = reserve_training_snapshot(
            charging,
            epsilon=1.0,
            budget=PrivacyLoss.zcdp("20"),
            allocation=Allocation("training", PrivacyLoss.zcdp("20")),
            actor="test",
            query={},
        )
    assert 0 < len(snapshot.members) <= seeded.fairfile_choices.grants["training"]
    assert snapshot.reservation.cost == training_cost(1.0)
    assert snapshot.reservation.cost.decimal() == "0.34"
    with sessions() as reading, reading.begin():
        spent = reading.scalars(select(PrivacyAccount.spent_units)).all()
        assert len(spent) == len(snapshot.members)
        logged = reading.scalar(select(func.count()).select_from(LogEntry))
        data = read_training_data(
            reading,
            members=snapshot.members,
            keys=consent_keys(seeded),
            vault=vault(seeded),
            actor="test",
            release_id=snapshot.reservation.release_id,
        )
        after = reading.scalar(select(func.count()).select_from(LogEntry))
        members = reading.scalar(select(func.count()).select_from(ReleaseMember))
    assert after - logged == 1  # one log entry for the run, whatever its size (ADR 0020)
    assert data.read == len(snapshot.members) == members  # and a leaf for each person read
    assert data.outcomes.shape == (data.read,)
    assert len(data.columns["history_months"]) == data.read


def test_model_train_from_the_database_and_if_none(seeded, session):
    runner = CliRunner()
    script = ScriptInfo(create_app=lambda: seeded)
    args = ["model", "train", "--epsilon", "1", "--holdout-subjects", "2000"]
    result = runner.invoke(main, args, obj=script)
    assert result.exit_code == 0, result.output
    assert "training snapshot:" in result.output
    version = session.scalars(select(ModelVersion).where(ModelVersion.active)).one()
    card = version.card
    assert card["holdout"]["source"].startswith("measured on a synthetic holdout")
    assert "snapshot_members" not in card  # an exact count: in the operator's output only
    assert card["cost_rho"] == "0.34"
    assert set(card["bins"]) == set(card["features"])
    assert 0 <= card["holdout"]["auc"] <= 1
    # Under a hundred people cannot tell bins apart at 50 noisy people per bin: the card
    # says which features it scores as one bin (AUC near 0.5, learning is benchmarked in
    # bench/), and the CLI says so too; the card still passes its shape checks.
    assert card["checks"]["violations"] == []
    flat = card["shaping"]["one_bin"]
    assert len(flat) >= len(card["features"]) // 2
    assert f"{len(flat)} of {len(card['features'])} features score every shared value alike" in (
        result.output
    )
    charged = session.get(Release, version.release_id)
    assert (charged.purpose, charged.status) == ("training", "released")
    assert f"training snapshot: {charged.members} subjects" in result.output
    again = runner.invoke(main, [*args, "--if-none"], obj=script)
    assert again.exit_code == 0
    assert "nothing trained (--if-none)" in again.output
    assert session.scalar(select(func.count()).select_from(ModelVersion)) == 1


def test_a_default_rate_by_region_answers_every_declared_region(seeded):
    client = analyst_client(seeded)
    body = {"statistic": "default_rate", "group_by": ["region"], "epsilon": "2"}
    response = client.post("/v1/statistics", json=body)
    assert response.status_code == 201, response.json
    cells = response.json["cells"]
    assert [c["key"]["region"] for c in cells] == list(REGIONS)
    for cell in cells:
        low, high = cell["interval"]
        assert 0.0 <= low <= cell["value"] <= high <= 1.0
    assert response.json["cost"]["rho"] == "1"  # two halves at epsilon 1: rho 1/2 each


def test_a_default_rate_is_exact_without_noise_and_its_interval_can_fail():
    query = StatQuery(
        statistic="default_rate", request=LossRequest.parse(epsilon="1"), group_by=("region",)
    )
    stat_plan = plan(query)
    assert stat_plan.cost == PrivacyLoss.zcdp("1/4")  # two halves at epsilon 1/2 each
    columns = {
        "region": np.array([0, 0, 1, 3, 3, 3], dtype=np.float64),
        "defaulted": np.array([1, 0, 1, 0, 0, np.nan]),
    }
    exact = tabulate(query, columns)
    assert exact == {"defaults": [1, 1, 0, 0], "count": [2, 1, 0, 2]}
    answer = release(stat_plan, exact)
    assert len(answer.cells) == len(REGIONS)
    # The interval covers the truth on large counts; a broken (noise-free, narrow) check fails.
    big = {"defaults": [500, 100, 50, 0], "count": [1000, 1000, 1000, 1000]}
    covered = 0
    for _ in range(40):
        for cell, truth in zip(release(stat_plan, big).cells, [0.5, 0.1, 0.05, 0.0], strict=True):
            covered += cell.low <= truth <= cell.high
    assert covered >= 0.9 * 160

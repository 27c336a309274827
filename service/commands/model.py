"""``fairfile model``: train the scoring model under DP, list versions, activate one.

``fairfile model train --epsilon E`` trains from the database: the current ``training``
snapshot is charged first (``dp.training_data``), then each member's sealed facts and
observed outcome are read through the consent gate (one access-log entry per person per
run). Its holdout metrics are **measured on a synthetic holdout**: a fresh population
drawn from the same generator (``HOLDOUT_SEED``), never in the database and never
consenting to anything, scored against its synthetic truth. A holdout of real consenting
people would have to be either charged (a DP evaluation) or kept out of training; the
sandbox has a generator, so it uses it, and the card says so.

``fairfile model train --epsilon E --data DIR`` trains from a synthetic population folder
written by ``fairfile synth generate`` (facts and outcomes): those synthetic people are
not in the database and never consented to anything, so the run is recorded in the ledger
with an empty snapshot and the model card says where the data came from.

``fairfile model train --epsilon E --data FILE --mapping MAPPING.toml`` trains on a
lender's own CSV or Parquet file, whose columns the mapping declares (``own_data``,
``docs/own-data.md``); ``fairfile model score`` scores and explains records against such a
model. An own-data model is never active.

``--if-none`` does nothing when a version is active (``make run`` trains a first model).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np
import polars as pl
from flask.cli import with_appcontext
from sqlalchemy import select

from dp import TRAINING, CardRefused, LedgerBug, bin_labels
from scoring.card import Scorecard as DeployedCard
from scoring.card import check, deployed_metrics, favourable_bins
from scoring.contract import FEATURE_NAMES, FEATURES
from store import WRITE

from ..web.config import allocations, budget
from ..web.keys import consent_keys, vault
from ..web.sessions import session_factory
from .own_data import card_command, score_command, train_own_file

if TYPE_CHECKING:
    from dp import ModelVersion, Trained

ACTOR = "system:model-train"
#: The fresh synthetic holdout population: its size and its generator seed.
HOLDOUT_SUBJECTS = 20_000
HOLDOUT_SEED = 9_001
HOLDOUT_SOURCE = (
    f"measured on a synthetic holdout: a fresh population from the same generator (seed "
    f"{HOLDOUT_SEED}), not in the database, scored against its synthetic truth; no budget spent"
)


@click.group("model")
def model() -> None:
    """Train the DP scoring model and manage its versions."""


model.add_command(score_command)
model.add_command(card_command)


@model.command("train")
@click.option("--epsilon", type=click.FloatRange(min=0, min_open=True), required=True)
@click.option(
    "--data",
    type=click.Path(exists=True, path_type=Path),
    help="A population folder written by `fairfile synth generate` (default: the database's "
    "training snapshot), or with --mapping a lender's own CSV or Parquet file.",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --data FILE: the TOML mapping declaring every column of the file.",
)
@click.option(
    "--audit-epsilon",
    type=click.FloatRange(min=0, min_open=True),
    default=0.5,
    show_default=True,
    help="With --mapping: the epsilon of the DP fairness report over audit-only columns.",
)
@click.option("--lender", "lender_id", help="With --mapping: the lender that owns the model.")
@click.option(
    "--cut-off",
    type=click.IntRange(0, 2_000),
    default=500,
    show_default=True,
    help="With --mapping: the cut-off the fairness report counts approvals at.",
)
@click.option(
    "--holdout",
    type=click.FloatRange(0.05, 0.5),
    default=0.2,
    show_default=True,
    help="With --data: the share of the folder held out.",
)
@click.option(
    "--holdout-subjects",
    type=click.IntRange(100, 1_000_000),
    default=HOLDOUT_SUBJECTS,
    show_default=True,
    help="Without --data: the size of the fresh synthetic holdout population.",
)
@click.option("--activate/--no-activate", default=True, show_default=True)
@click.option("--if-none", is_flag=True, help="Do nothing if a model version is active.")
@with_appcontext
def train_command(
    epsilon: float,
    data: Path | None,
    mapping: Path | None,
    audit_epsilon: float,
    lender_id: str | None,
    cut_off: int,
    holdout: float,
    holdout_subjects: int,
    activate: bool,
    if_none: bool,
) -> None:
    """Fit the scorecard from DP (bin x outcome) count tables at pure EPSILON.

    Without --data: from the current training snapshot (everyone whose training consent
    covers every model category), read through the consent gate and charged to them.
    """
    from dp import active_version

    if mapping is not None:
        if data is None or not data.is_file():
            raise click.UsageError("--mapping goes with --data FILE (a CSV or Parquet file)")
        train_own_file(
            data=data,
            mapping_path=mapping,
            epsilon=epsilon,
            audit_epsilon=audit_epsilon,
            lender_id=lender_id,
            cut_off=cut_off,
        )
        return
    if data is not None and not data.is_dir():
        raise click.UsageError("--data FILE needs --mapping; without it --data is a folder")
    if if_none:
        with session_factory()() as session:
            found = active_version(session)
        if found is not None:
            click.echo(f"model version {found.version} is active; nothing trained (--if-none)")
            return
    if data is None:
        _train_from_snapshot(epsilon, holdout_subjects, activate)
    else:
        _train_from_folder(epsilon, data, holdout, activate)


def _train_from_snapshot(epsilon: float, holdout_subjects: int, activate: bool) -> None:
    from dp import read_training_data, reserve_training_snapshot, save_version, train

    started = time.perf_counter()
    limit, delta = budget()
    query = {"epsilon": str(epsilon), "holdout_subjects": holdout_subjects}
    with session_factory()() as session, session.begin():
        session.connection(execution_options=WRITE)
        snapshot = reserve_training_snapshot(
            session,
            epsilon=epsilon,
            budget=limit,
            allocation=allocations().named(TRAINING),
            actor=ACTOR,
            query=query,
        )
    release_id = snapshot.reservation.release_id
    click.echo(
        f"training snapshot: {len(snapshot.members)} subjects charged rho "
        f"{snapshot.reservation.cost.decimal()} (release {release_id})"
    )
    with session_factory()() as session, session.begin():
        session.connection(execution_options=WRITE)
        read = read_training_data(
            session,
            members=snapshot.members,
            keys=consent_keys(),
            vault=vault(),
            actor=ACTOR,
            release_id=release_id,
        )
        click.echo(
            f"read {read.read} subjects through the gate ({read.skipped_withdrawn} withdrew "
            f"since the snapshot, {read.skipped_no_outcome} without an outcome)"
        )
        trained = train(read.columns, read.outcomes, epsilon=epsilon, progress=click.echo)
        if trained.cost != snapshot.reservation.cost:
            raise LedgerBug("the training run's cost differs from what was charged")
        measured = _synthetic_holdout(trained, holdout_subjects)
        holdout_auc = measured["auc"]
        card = {
            **_card(trained, delta),
            "data": "the training snapshot: synthetic subjects whose training consent "
            "covered every model category, read through the consent gate",
            "holdout": {"subjects": holdout_subjects, "source": HOLDOUT_SOURCE, **measured},
        }
        version = save_version(
            session, release_id=release_id, trained=trained, card=card, activate=activate
        )
    _say_version(version.version, _activated(version, activate), holdout_auc, trained, started)


def _train_from_folder(epsilon: float, data: Path, holdout: float, activate: bool) -> None:
    from dp import reserve_training, save_version, train
    from synthetic import read_features, read_truth

    started = time.perf_counter()
    click.echo(f"reading {data}")
    features, truth = read_features(data), read_truth(data)
    frame = features.join(truth, on="subject_id")
    cut = int(frame.height * (1 - holdout))
    columns = {
        c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy()
        for c in features.columns
        if c != "subject_id"
    }
    outcomes = frame["defaulted"].to_numpy()
    fit = {k: v[:cut] for k, v in columns.items()}
    held = {k: v[cut:] for k, v in columns.items()}
    click.echo(f"training on {cut} subjects, holding out {frame.height - cut}")
    trained = train(fit, outcomes[:cut], epsilon=epsilon, progress=click.echo)
    limit, delta = budget()
    query = {"epsilon": str(epsilon), "data": str(data), "holdout": holdout}
    with session_factory()() as session, session.begin():
        session.connection(execution_options=WRITE)
        reservation = reserve_training(
            session,
            budget=limit,
            allocation=allocations().named(TRAINING),
            members=[],
            cost=trained.cost,
            actor="cli",
            query=query,
            mechanism=trained.mechanism,
        )
    measured = deployed_metrics(_deployed(trained), held, np.asarray(outcomes[cut:], dtype=bool))
    holdout_auc = measured["auc"]
    card = {
        **_card(trained, delta),
        "data": f"synthetic population file {data} (outside the consent gate: no real people)",
        "holdout": {"subjects": frame.height - cut, **measured},
    }
    with session_factory()() as session, session.begin():
        session.connection(execution_options=WRITE)
        version = save_version(
            session,
            release_id=reservation.release_id,
            trained=trained,
            card=card,
            activate=activate,
        )
    _say_version(version.version, _activated(version, activate), holdout_auc, trained, started)


def _activated(version: ModelVersion, asked: bool) -> bool | None:
    """Whether the version is active; ``None`` when activation was asked and refused."""
    return None if asked and not version.active else version.active


def _card(trained: Trained, delta: float) -> dict[str, Any]:
    return {
        "method": "weight of evidence from DP (public bin x outcome) count tables, odds "
        "calibrated from a DP (band of log-odds x outcome) table (ADR 0010)",
        "odds_calibration": trained.mechanism.get("calibration_fit"),
        "features": list(trained.scorecard.points),
        "bins": {name: bin_labels(FEATURES[name]) for name in trained.scorecard.points},
        "epsilon": trained.epsilon,
        "cost_rho": trained.cost.decimal(),
        "epsilon_at_delta": {"delta": delta, "epsilon": trained.cost.epsilon_at(delta)},
        "noisy_training_size": trained.noisy_size,
        "mechanism": trained.mechanism,
        "shaping": {
            "method": "post-processing of the noisy tables (dp.shaping, ADR 0017): bins "
            "below the minimum merged, adjacent violators of the declared direction pooled, "
            "the neutral 0 moved so that no favourable value scores below it",
            "minimum_people": trained.mechanism.get("minimum_people"),
            "one_bin": trained.scorecard.flat(),
            "features": trained.scorecard.shaping,
        },
        "favourable": {
            name: [bin_labels(FEATURES[name])[i] for i in sorted(favourable_bins(FEATURES[name]))]
            for name in trained.scorecard.points
        },
        "checks": _checks(trained),
    }


def _checks(trained: Trained) -> dict[str, Any]:
    """The shape and sharing-policy checks of the deployed points (``scoring.card.shape``)."""
    found = check(_deployed(trained))
    return {
        "monotone_in_declared_direction": not any(v.kind == "direction" for v in found),
        "sharing_never_hurts": not any(v.kind == "sharing" for v in found),
        "violations": [v.text for v in found],
    }


def _deployed(trained: Trained) -> DeployedCard:
    return DeployedCard.from_model(version=0, points=trained.scorecard.as_dict())


def _synthetic_holdout(trained: Trained, subjects: int) -> dict[str, Any]:
    """AUC and calibration of the points as deployed, on a fresh synthetic population.

    Synthetic truth, so no budget is spent and nobody real is read.
    """
    from synthetic import generate

    population = generate(subjects, seed=HOLDOUT_SEED)
    frame = population.features.join(
        population.truth.select("subject_id", "defaulted"), on="subject_id"
    )
    columns = {
        c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy() for c in FEATURE_NAMES
    }
    return deployed_metrics(_deployed(trained), columns, frame["defaulted"].to_numpy())


def _say_version(
    version: int, activate: bool | None, holdout_auc: float, trained: Trained, started: float
) -> None:
    if activate is None:
        raise click.ClickException(
            f"model version {version} was stored but not activated: its points break the "
            "contract's directions or the sharing policy (see activation_refused on its card)"
        )
    click.echo(
        f"model version {version}{' (active)' if activate else ''}: holdout AUC "
        f"{holdout_auc:.4f}, cost rho {trained.cost.decimal()} "
        f"in {time.perf_counter() - started:.1f} s"
    )


@model.command("list")
@with_appcontext
def list_command() -> None:
    """List the model versions with their cards' headline figures."""
    from dp import ModelVersion

    with session_factory()() as session:
        for v in session.scalars(select(ModelVersion).order_by(ModelVersion.version)):
            mark = "*" if v.active else " "
            auc = v.card.get("holdout", {}).get("auc", float("nan"))
            owner = f"  own data{f' of {v.lender_id}' if v.lender_id else ''}"
            click.echo(
                f"{mark} v{v.version}  epsilon {v.card.get('epsilon')}  AUC {auc:.4f}  "
                f"{v.created_at:%Y-%m-%d %H:%M}{owner if v.source != 'contract' else ''}"
            )


@model.command("activate")
@click.argument("version", type=int)
@with_appcontext
def activate_command(version: int) -> None:
    """Make VERSION the active model."""
    from dp import activate

    with session_factory()() as session, session.begin():
        try:
            activate(session, version=version)
        except (LookupError, CardRefused) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"model version {version} is active")

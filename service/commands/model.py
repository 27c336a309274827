"""``fairfile model``: train the scoring model under DP, list versions, activate one.

``fairfile model train --epsilon E --data DIR`` trains from a synthetic population folder
written by ``fairfile synth generate`` (facts and outcomes): those synthetic people are
not in the database and never consented to anything, so the run is recorded in the ledger
with an empty snapshot and the model card says where the data came from. Training from the
database's consenting subjects needs their outcomes, which the sandbox does not store yet.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import numpy as np
import polars as pl
from flask.cli import with_appcontext
from sqlalchemy import select

from store.db import WRITE

from ..sessions import session_factory
from ..stats import budget


@click.group("model")
def model() -> None:
    """Train the DP scoring model and manage its versions."""


@model.command("train")
@click.option("--epsilon", type=click.FloatRange(min=0, min_open=True), required=True)
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="A population folder written by `fairfile synth generate`.",
)
@click.option("--holdout", type=click.FloatRange(0.05, 0.5), default=0.2, show_default=True)
@click.option("--activate/--no-activate", default=True, show_default=True)
@with_appcontext
def train_command(epsilon: float, data: Path, holdout: float, activate: bool) -> None:
    """Fit the scorecard from DP (bin x outcome) count tables at pure EPSILON."""
    from dp.training import train
    from dp.versions import reserve_training, save_version
    from synthetic import auc, read_features

    started = time.perf_counter()
    click.echo(f"reading {data}")
    features = read_features(data)
    truth = pl.read_parquet(data / "truth.parquet").select("subject_id", "defaulted")
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
            members=[],
            cost=trained.cost,
            actor="cli",
            query=query,
            mechanism=trained.mechanism,
        )
    holdout_auc = auc(trained.scorecard.score(held), np.asarray(outcomes[cut:], dtype=bool))
    card = {
        "method": "weight of evidence from DP (public bin x outcome) count tables (ADR 0010)",
        "data": f"synthetic population file {data} (outside the consent gate: no real people)",
        "features": list(trained.scorecard.points),
        "epsilon": trained.epsilon,
        "cost_rho": trained.cost.decimal(),
        "epsilon_at_delta": {"delta": delta, "epsilon": trained.cost.epsilon_at(delta)},
        "noisy_training_size": trained.noisy_size,
        "holdout": {"subjects": frame.height - cut, "auc": holdout_auc},
        "mechanism": trained.mechanism,
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
    click.echo(
        f"model version {version.version}{' (active)' if activate else ''}: holdout AUC "
        f"{holdout_auc:.4f}, cost rho {trained.cost.decimal()} "
        f"in {time.perf_counter() - started:.1f} s"
    )


@model.command("list")
@with_appcontext
def list_command() -> None:
    """List the model versions with their cards' headline figures."""
    from dp.models import ModelVersion

    with session_factory()() as session:
        for v in session.scalars(select(ModelVersion).order_by(ModelVersion.version)):
            mark = "*" if v.active else " "
            auc = v.card.get("holdout", {}).get("auc", float("nan"))
            click.echo(
                f"{mark} v{v.version}  epsilon {v.card.get('epsilon')}  AUC {auc:.4f}  "
                f"{v.created_at:%Y-%m-%d %H:%M}"
            )


@model.command("activate")
@click.argument("version", type=int)
@with_appcontext
def activate_command(version: int) -> None:
    """Make VERSION the active model."""
    from dp.versions import activate

    with session_factory()() as session, session.begin():
        try:
            activate(session, version=version)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"model version {version} is active")

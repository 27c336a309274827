"""``fairfile synth``: generate synthetic populations and seed the sandbox database.

``fairfile synth generate`` writes a population folder of Parquet files (see
``synthetic.files``); ``fairfile synth seed`` loads one, freshly generated or from such a
folder, into the database in one transaction: facts, the audit-only protected attribute,
the drawn outcomes and regions (sealed), and the simulated consent choices of a
``--consenting-share`` of the synthetic people (``synthetic.choices``); ``fairfile synth
personas`` writes the sandbox personas' bank feeds (``synthetic.personas``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

import click
from flask.cli import with_appcontext

from scoring import ContractViolation
from synthetic import (
    DEFAULT_SHARE,
    PROFILES,
    generate,
    has_subjects,
    personas,
    read_features,
    read_manifest,
    read_outcomes,
    read_protected,
    seed_population,
    simulate_choices,
    write_personas,
    write_population,
)

from ..web.keys import consent_keys, vault
from ..web.sessions import session_factory

_PROFILE = click.Choice(sorted(PROFILES))


@click.group("synth")
def synth() -> None:
    """Generate synthetic populations and seed the sandbox with them."""


@synth.command("generate")
@click.option("--subjects", "-n", type=click.IntRange(1, 10_000_000), required=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same data.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The population folder to write.",
)
@click.option("--profile", type=_PROFILE, default="default", show_default=True)
@click.option(
    "--level",
    type=click.Choice(["features", "statements"]),
    default="features",
    show_default=True,
    help="statements: also render 24 months of transactions and extract the facts from them.",
)
def generate_command(
    subjects: int, seed: int, out: Path, profile: str, level: Literal["features", "statements"]
) -> None:
    """Generate synthetic people and write them as Parquet files into a folder."""
    started = time.perf_counter()
    with click.progressbar(length=subjects, label=f"generating {level}") as bar:
        population = generate(
            subjects, seed=seed, profile_name=profile, level=level, progress=bar.update
        )
    files = write_population(population, out)
    summary = population.summary
    click.echo(
        f"{subjects} subjects ({profile}, seed {seed}, {level}) in "
        f"{time.perf_counter() - started:.1f} s -> {out}\n"
        f"  thin-file share {summary['thin_file_share']:.3f}, "
        f"default rate {summary['default_rate']:.3f}\n"
        f"  Bayes AUC (best possible from the facts) {summary['bayes_auc']:.4f}, "
        f"oracle AUC (knowing the unobserved part too) {summary['oracle_auc']:.4f}\n"
        f"  {len(files)} files written"
    )


@synth.command("seed")
@click.option(
    "--subjects", "-n", type=click.IntRange(1, 1_000_000), default=3000, show_default=True
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--profile", type=_PROFILE, default="default", show_default=True)
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A population folder written by `synth generate` (instead of generating one).",
)
@click.option("--if-empty", is_flag=True, help="Do nothing if the database has subjects.")
@click.option(
    "--consenting-share",
    type=click.FloatRange(0, 1),
    default=DEFAULT_SHARE,
    show_default=True,
    help="The share of synthetic people simulated to enrol and grant purposes.",
)
@with_appcontext
def seed_command(
    subjects: int,
    seed: int,
    profile: str,
    source: Path | None,
    if_empty: bool,
    consenting_share: float,
) -> None:
    """Load a synthetic population into the database (one transaction).

    A --consenting-share of the synthetic people is then simulated to enrol and grant
    training, statistics and scoring (synthetic.choices): simulated choices of synthetic
    people, recorded through the real consent lifecycle, the same for the same --seed.
    """
    started = time.perf_counter()
    with session_factory()() as session, session.begin():
        if if_empty and has_subjects(session=session):
            click.echo("database already has subjects; nothing seeded (--if-empty)")
            return
        try:
            if source is not None:
                read_manifest(source)
                features, protected = read_features(source), read_protected(source)
                outcomes = read_outcomes(source)
                origin = str(source)
            else:
                population = generate(subjects, seed=seed, profile_name=profile)
                features, protected = population.features, population.protected
                outcomes = population.outcomes()
                origin = f"generated ({profile}, seed {seed})"
            ids = seed_population(
                session=session,
                vault=vault(),
                features=features,
                protected=protected,
                outcomes=outcomes,
            )
        except ContractViolation as exc:
            lines = [f"  {p.field}: {p.offence.value} - {p.reason}" for p in exc.problems]
            raise click.ClickException("\n".join([str(exc), *lines])) from None
        choices = simulate_choices(
            session, keys=consent_keys(), subject_ids=ids, share=consenting_share, seed=seed
        )
    granted = ", ".join(f"{n} {purpose}" for purpose, n in choices.grants.items())
    click.echo(
        f"seeded {len(ids)} synthetic subjects from {origin} "
        f"in {time.perf_counter() - started:.1f} s\n"
        f"  simulated choices (synthetic people, share {consenting_share:g}): "
        f"{choices.enrolled} enrolled; grants: {granted or 'none'}"
    )


@synth.command("credit-file")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder to write credit.csv, mapping.toml, credit-dirty.csv, applicants.csv.",
)
@click.option("--rows", type=click.IntRange(100, 2_000_000), default=1_000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same file.")
def credit_file_command(out: Path, rows: int, seed: int) -> None:
    """Write a German-credit-style historical file of synthetic rows and its mapping."""
    from synthetic import write_credit_file

    for path in write_credit_file(out, rows=rows, seed=seed):
        click.echo(f"wrote {path}")


@synth.command("personas")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder to write each persona's .fdx.json, .open_banking.json and .ofx into.",
)
def personas_command(out: Path) -> None:
    """Write the sandbox personas' bank feeds (synthetic/persona_feeds/ ships the same files)."""
    written = write_personas(out)
    click.echo(f"wrote {len(written)} files for {len(personas())} personas -> {out}")

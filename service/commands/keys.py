"""``fairfile keys``: rotate the master key that wraps every person's data key."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from store.keys import MasterKeyFolder
from store.vault import master_kid

from ..keys import vault
from ..sessions import session_factory


@click.group()
def keys() -> None:
    """Manage the master keys that wrap the per-person data keys."""


@keys.command("status")
@with_appcontext
def status() -> None:
    """Say which master key is active and how many data keys each master key wraps."""
    active = vault()
    with session_factory()() as session:
        counts = active.keys_per_master(session)
    click.echo(f"active master key: {active.active_kid}")
    for kid, n in sorted(counts.items()):
        note = " (active)" if kid == active.active_kid else " (retired: still needed)"
        click.echo(f"  {kid}: {n} data keys{note}")


@keys.command("rotate")
@click.option(
    "--rewrap-only",
    is_flag=True,
    help="Do not make a new key; re-wrap under the configured active key (production: set "
    "FAIRFILE_MASTER_KEY to the new key and list the old one in "
    "FAIRFILE_MASTER_KEYS_RETIRED first).",
)
@with_appcontext
def rotate(rewrap_only: bool) -> None:
    """Make a new master key (development) and re-wrap every data key under it.

    Safe while the service runs: each data key is re-wrapped in place, and a running
    process that meets a key under a master it does not know re-reads the keys.
    """
    settings = current_app.config["FAIRFILE_SETTINGS"]
    if not rewrap_only:
        if settings.master_key:
            raise click.ClickException(
                "the master key comes from the environment: set FAIRFILE_MASTER_KEY to a new "
                "key, add the old one to FAIRFILE_MASTER_KEYS_RETIRED, restart, then run "
                "`fairfile keys rotate --rewrap-only`"
            )
        old, new = MasterKeyFolder(Path(current_app.instance_path)).rotate(master_kid)
        click.echo(f"new master key {new}; {old} retired (kept until no data key uses it)")
    active = vault()
    active.reload()
    moved = 0
    while True:
        with session_factory()() as session, session.begin():
            batch = active.rewrap(session, batch=1_000, limit=1_000)
        moved += batch
        if batch == 0:
            break
    click.echo(f"re-wrapped {moved} data keys under {active.active_kid}")

"""``fairfile keys``: rotate and destroy the key-encryption keys that wrap every data key.

Run ``fairfile keys rotate`` on a schedule (docs/operations.md): it makes a new KEK,
re-wraps every live data key under it, and destroys each KEK retired for at least
``FAIRFILE_KEK_RETENTION_DAYS`` that wraps no live data key. After that, no copy of the
database older than the retention period opens anyone's data, an erased person's included.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from store import Kek, KekError, KekFolder, MasterKeyFolder, Vault, master_kid, retired_at, utcnow

from ..web.config import Settings
from ..web.keys import kek_folder, vault
from ..web.sessions import session_factory


@click.group()
def keys() -> None:
    """Manage the key-encryption keys that wrap the per-person data keys."""


def _folder() -> tuple[Settings, KekFolder]:
    settings: Settings = current_app.config["FAIRFILE_SETTINGS"]
    return settings, kek_folder(settings, Path(current_app.instance_path))


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@keys.command("status")
@with_appcontext
def status() -> None:
    """Say which KEKs exist, how many data keys each wraps, and when each will be destroyed."""
    settings, folder = _folder()
    retention = dt.timedelta(days=settings.kek_retention_days)
    try:
        keks = folder.keks()
    except KekError as error:
        raise click.ClickException(str(error)) from None
    with session_factory()() as session:
        counts = vault().keys_per_kek(session)
    click.echo(
        f"key-encryption keys in {folder.directory} (retention {settings.kek_retention_days} "
        "days: database backups older than that must expire)"
    )
    for kek in keks:
        retired = retired_at(keks, kek)
        when = (
            "active"
            if retired is None
            else f"retired {_day(retired)}, destroyed from {_day(retired + retention)}"
        )
        click.echo(
            f"  {kek.kid}: created {_day(kek.created_at)}, {when}: {counts.pop(kek.kid, 0)} "
            "data keys"
        )
    for kid, n in sorted(counts.items()):
        click.echo(
            f"  {kid}: {n} data keys wrapped directly under a master key (before KEKs; "
            "`fairfile keys rotate` re-wraps them)"
        )
    for tomb in folder.destroyed():
        click.echo(f"  {tomb.kid}: destroyed {_day(tomb.destroyed_at)}")


@keys.command("rotate")
@click.option(
    "--master",
    is_flag=True,
    help="Development only: also make a new master key (the old one moves to "
    "instance/master_keys_retired/). Production: set FAIRFILE_MASTER_KEY to a new key and "
    "list the old one in FAIRFILE_MASTER_KEYS_RETIRED, then rotate.",
)
@with_appcontext
def rotate(master: bool) -> None:
    """Make a new KEK, re-wrap every data key under it, destroy the expired KEKs.

    Safe while the service runs: each data key is re-wrapped in place, a process that
    meets a KEK it does not know reads the keys again, and a KEK still wrapping a data key
    is never destroyed.
    """
    settings, folder = _folder()
    if master:
        if settings.master_key:
            raise click.ClickException(
                "the master key comes from the environment: set FAIRFILE_MASTER_KEY to a new "
                "key, add the old one to FAIRFILE_MASTER_KEYS_RETIRED, restart, then run "
                "`fairfile keys rotate`"
            )
        old, new = MasterKeyFolder(Path(current_app.instance_path)).rotate(master_kid)
        click.echo(f"new master key {new}; {old} retired (kept until no key file uses it)")
    try:
        moved_files = folder.rewrap_files()
        kek = folder.create()
    except KekError as error:
        raise click.ClickException(str(error)) from None
    if moved_files:
        click.echo(f"re-wrapped {moved_files} key files under the active master key")
    click.echo(f"new key-encryption key {kek.kid}")
    active = vault()
    active.reload()
    started = time.perf_counter()
    moved = _rewrap_all(active)
    took = time.perf_counter() - started
    click.echo(f"re-wrapped {moved} data keys under {active.active_kid} in {took:.2f} s")
    _destroy_expired(folder, active, dt.timedelta(days=settings.kek_retention_days))


def _rewrap_all(active: Vault) -> int:
    moved = 0
    while True:
        with session_factory()() as session, session.begin():
            batch = active.rewrap(session, batch=1_000, limit=1_000)
        moved += batch
        if batch == 0:
            return moved


def _destroy_expired(folder: KekFolder, active: Vault, retention: dt.timedelta) -> None:
    now = utcnow()
    keks = folder.keks()
    for kek in folder.expired(retention=retention, now=now):
        left = _wrapping(active, kek)
        if left:
            # A process still wrapping under it (started before the last rotation and not
            # yet refreshed): the next rotation re-wraps those keys and destroys it then.
            click.echo(f"kept {kek.kid}: it still wraps {left} data keys")
            continue
        tomb = folder.destroy(kek, now=now)
        click.echo(
            f"destroyed key-encryption key {kek.kid} (retired {_day(tomb.retired_at)}): a "
            f"database copy taken before then opens nobody's data"
        )
    for kek in keks:
        retired = retired_at(keks, kek)
        if retired is not None and now - retired < retention:
            click.echo(f"kept {kek.kid} until {_day(retired + retention)} (retention)")


def _wrapping(active: Vault, kek: Kek) -> int:
    with session_factory()() as session:
        return active.keys_per_kek(session).get(kek.kid, 0)

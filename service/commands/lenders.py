"""``fairfile lenders``: lenders and their API keys.

``fairfile lenders create NAME [--id SLUG] [--scope S ...]`` adds the lender if it is new
and prints a new API key once (it is stored only as a digest); ``list`` shows every key
with its prefix, scopes and state; ``revoke KEY`` (its id or prefix) stops it at once.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consent import (
    ConsentError,
    Lender,
    LenderKey,
    LenderScope,
    ensure_lender,
    issue_lender_key,
    lender_keys,
    revoke_lender_key,
)

from ..web.sessions import session_factory

SCOPES = [s.value for s in LenderScope]


@click.group("lenders")
def lenders() -> None:
    """Lenders and their API keys."""


@lenders.command("create")
@click.argument("name")
@click.option("--id", "lender_id", help="The lender's identifier (default: from NAME).")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    help="A scope of the key (repeat it; default: every scope).",
)
@with_appcontext
def create(name: str, lender_id: str | None, scopes: tuple[str, ...]) -> None:
    """Add lender NAME (if new) and print a new API key for it, once."""
    try:
        with session_factory()() as session, session.begin():
            lender = ensure_lender(session, name=name, lender_id=lender_id)
            key, text = issue_lender_key(session, lender_id=lender.id, scopes=scopes or SCOPES)
            click.echo(f"lender {lender.id} ({lender.name}), key {key.prefix}: {_scopes(key)}")
    except ConsentError as error:
        raise click.ClickException(str(error)) from None
    click.echo("API key (shown once; only its digest is stored):")
    click.echo(text)


def _scopes(key: LenderKey) -> str:
    return " ".join(sorted(key.scopes))


@lenders.command("list")
@with_appcontext
def list_keys() -> None:
    """List every lender's keys: prefix, scopes, created, state."""
    with session_factory()() as session, session.begin():
        for key in lender_keys(session):
            lender = session.get(Lender, key.lender_id)
            state = "active" if key.active else f"revoked {key.revoked_at:%Y-%m-%d %H:%M}"
            click.echo(
                f"{key.lender_id:<24} {key.prefix}  {_scopes(key):<60} "
                f"{key.created_at:%Y-%m-%d %H:%M}  {state}  ({lender.name if lender else '?'})"
            )


@lenders.command("revoke")
@click.argument("key")
@with_appcontext
def revoke(key: str) -> None:
    """Revoke KEY (its id or its prefix); it authenticates nothing from now on."""
    try:
        with session_factory()() as session, session.begin():
            row = revoke_lender_key(session, key=key)
            said = f"key {row.prefix} of {row.lender_id} revoked at {row.revoked_at}"
    except ConsentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(said)

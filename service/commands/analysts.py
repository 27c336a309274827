"""``fairfile analysts``: regulators, auditors and researchers, and their API keys.

``fairfile analysts create NAME --role ROLE [--id SLUG] [--scope S ...]`` adds the analyst
if it is new and prints a new API key once (stored only as a digest); ``list`` shows every
key with its prefix, scopes and state; ``revoke KEY`` (its id or prefix) stops it at once.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consent import (
    Analyst,
    AnalystKey,
    AnalystScope,
    ConsentError,
    Role,
    analyst_keys,
    ensure_analyst,
    issue_analyst_key,
    revoke_analyst_key,
)

from ..web.sessions import session_factory

SCOPES = [s.value for s in AnalystScope]


@click.group("analysts")
def analysts() -> None:
    """Analysts (regulators, auditors, researchers) and their API keys."""


@analysts.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--id", "analyst_id", help="The analyst's identifier (default: from NAME).")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    help="A scope of the key (repeat it; default: every scope).",
)
@with_appcontext
def create(name: str, role: str, analyst_id: str | None, scopes: tuple[str, ...]) -> None:
    """Add analyst NAME (if new) and print a new API key for it, once."""
    try:
        with session_factory()() as session, session.begin():
            found = ensure_analyst(session, name=name, role=role, analyst_id=analyst_id)
            key, text = issue_analyst_key(session, analyst_id=found.id, scopes=scopes or SCOPES)
            click.echo(
                f"analyst {found.id} ({found.name}, {found.role}), key {key.prefix}: {_scopes(key)}"
            )
    except ConsentError as error:
        raise click.ClickException(str(error)) from None
    click.echo("API key (shown once; only its digest is stored):")
    click.echo(text)


def _scopes(key: AnalystKey) -> str:
    return " ".join(sorted(key.scopes))


@analysts.command("list")
@with_appcontext
def list_keys() -> None:
    """List every analyst's keys: prefix, scopes, created, state."""
    with session_factory()() as session, session.begin():
        for key in analyst_keys(session):
            found = session.get(Analyst, key.analyst_id)
            state = "active" if key.active else f"revoked {key.revoked_at:%Y-%m-%d %H:%M}"
            who = f"{found.name}, {found.role}" if found else "?"
            click.echo(
                f"{key.analyst_id:<24} {key.prefix}  {_scopes(key):<52} "
                f"{key.created_at:%Y-%m-%d %H:%M}  {state}  ({who})"
            )


@analysts.command("revoke")
@click.argument("key")
@with_appcontext
def revoke_command(key: str) -> None:
    """Revoke KEY (its id or its prefix); it authenticates nothing from now on."""
    try:
        with session_factory()() as session, session.begin():
            row = revoke_analyst_key(session, key=key)
            said = f"key {row.prefix} of {row.analyst_id} revoked at {row.revoked_at}"
    except ConsentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(said)

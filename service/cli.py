"""The ``fairfile`` command line.

Commands are grouped by capability (``db``, later ``synth``, ``consent``, ``model``...);
each builds the app or only what it needs, and runs its work in one transaction.
"""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from store import current_revision, head_revision
from store import upgrade as upgrade_schema

from .app import create_app
from .commands.audit import audit
from .commands.demo import demo
from .commands.disputes import disputes
from .commands.keys import keys
from .commands.lenders import lenders
from .commands.model import model
from .commands.receipts import receipts
from .commands.reviews import reviews
from .commands.synth import synth
from .sessions import session_factory


def _app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False, add_version_option=False)
@click.version_option(package_name="fairfile")
def main() -> None:
    """Fairfile: opt-in, consent-gated, differentially private credit scoring."""


main.add_command(receipts)
main.add_command(audit)
main.add_command(keys)
main.add_command(synth)
main.add_command(model)
main.add_command(disputes)
main.add_command(reviews)
main.add_command(lenders)
main.add_command(demo)


@main.group()
def db() -> None:
    """Create and upgrade the database schema."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create the database or bring it to the newest schema."""
    engine = session_factory().kw["bind"]
    before = current_revision(engine)
    upgrade_schema(engine)
    after = current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"database {url} already at {after}")
    else:
        click.echo(f"database {url} upgraded {before or 'empty'} -> {after}")


@db.command("status")
@with_appcontext
def db_status() -> None:
    """Say which revision the database is at and which this code expects."""
    engine = session_factory().kw["bind"]
    click.echo(f"database: {current_revision(engine) or 'empty'}; code: {head_revision()}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Processes (default: one per CPU core; writers of all of them queue together).",
)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=int,
    help="Threads per process; 1 runs gunicorn's sync worker (ADR 0016).",
)
@with_appcontext
def serve_command(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the API and UI with gunicorn."""
    from .serve import serve

    if workers is None:
        workers = os.cpu_count() or 1
    base = f"http://{host}:{port}"
    click.echo(
        f"Fairfile is starting on {base}\n"
        f"  UI:        {base}/\n"
        f"  API docs:  {base}/docs/swagger\n"
        f"  OpenAPI:   {base}/openapi.json\n"
        f"  health:    {base}/healthz  ready: {base}/readyz"
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    serve(app, host=host, port=port, workers=workers, threads=threads)


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes.")
@with_appcontext
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from store.migrate import autogenerate

    from .schema import metadata

    autogenerate(session_factory().kw["bind"], metadata(), message)

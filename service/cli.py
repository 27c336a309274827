"""The ``fairfile`` command line.

Commands are grouped by capability (``db``, ``synth``, ``model``, ``lenders``...); each
builds the app or only what it needs, and runs its work in one transaction. A refusal (a
missing or weak setting, an exhausted budget, a consent or contract refusal, a database
that cannot be reached) is one line on stderr and exit status 1, never a traceback
(``Refusing``); a bug still shows its traceback.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.exc import OperationalError

from store import current_revision, head_revision
from store import upgrade as upgrade_schema
from synthetic import NotAPopulation

from .app import create_app
from .commands.analysts import analysts
from .commands.audit import audit
from .commands.demo import demo
from .commands.disputes import disputes
from .commands.keys import keys
from .commands.lenders import lenders
from .commands.model import model
from .commands.receipts import receipts
from .commands.reviews import reviews
from .commands.synth import synth
from .web.config import ConfigurationError
from .web.errors import DOMAIN_PROBLEMS
from .web.sessions import session_factory


def _app() -> Flask:
    return create_app()


#: What a command may be refused with: the settings, and every domain refusal the API
#: answers with a 4xx problem (a 5xx one is a bug, and keeps its traceback).
REFUSALS: tuple[type[Exception], ...] = (
    ConfigurationError,
    NotAPopulation,
    *(kind for kind, problem in DOMAIN_PROBLEMS.items() if problem.status < 500),
)


class Refusing(FlaskGroup):
    """The ``fairfile`` group: a refusal from any command is one clear line, exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn a refusal into a ``ClickException``."""
        try:
            return super().invoke(ctx)
        except REFUSALS as error:
            raise click.ClickException(f"{type(error).__name__}: {error}") from None
        except OperationalError as error:
            # The driver's own words (never the statement or its parameters).
            said = str(error.orig).strip().splitlines()[0] if error.orig else "unknown"
            raise click.ClickException(f"the database cannot be used: {said}") from None


@click.group(cls=Refusing, create_app=_app, add_default_commands=False, add_version_option=False)
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
main.add_command(analysts)
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
    from store import autogenerate

    from .web.tables import metadata

    autogenerate(session_factory().kw["bind"], metadata(), message)

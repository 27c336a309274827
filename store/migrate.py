"""Apply the Alembic migrations that ship inside this package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection, metadata: MetaData | None = None) -> Config:
    """Build an Alembic configuration that runs on an open connection.

    ``metadata`` (every table of every package) is needed only to autogenerate a revision.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    if metadata is not None:
        config.attributes["target_metadata"] = metadata
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` (default: the newest)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current_revision(bind: Engine | Connection) -> str | None:
    """Return the schema's Alembic revision, or None for an empty database."""
    if isinstance(bind, Connection):
        return MigrationContext.configure(bind).get_current_revision()
    with bind.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def autogenerate(engine: Engine, metadata: MetaData, message: str) -> None:
    """Write a new revision file with the difference between ``metadata`` and the database."""
    with engine.begin() as connection:
        command.revision(alembic_config(connection, metadata), message=message, autogenerate=True)


def head_revision() -> str | None:
    """Return the newest revision among the migrations that ship with this code."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()

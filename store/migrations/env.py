"""Alembic environment: runs on the connection handed over by ``store.migrate``."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from store.db import Base


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> Literal[False]:
    """Import ``store.db`` in a revision that uses one of its column types."""
    if type_ == "type" and type(obj).__module__ == "store.db":
        autogen_context.imports.add("import store.db")
    return False


def run() -> None:
    """Run the migrations on the connection given in the config attributes."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("store.migrate passes an open connection; use `fairfile db upgrade`")
    context.configure(
        connection=connection,
        # Autogenerate compares against every domain table: the caller (service.web.tables)
        # imports them all and hands over the metadata. A plain upgrade needs none of it.
        target_metadata=context.config.attributes.get("target_metadata", Base.metadata),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run()

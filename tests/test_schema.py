"""The migrations build exactly the schema the models declare, on every engine."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.web.tables import metadata
from store import current_revision, head_revision


def test_migrated_schema_equals_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata())
    assert differences == []


def test_database_is_at_the_newest_revision(engine):
    assert current_revision(engine) == head_revision()
    assert head_revision() is not None

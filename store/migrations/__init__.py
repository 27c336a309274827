"""Alembic migrations of the Fairfile schema (applied by ``store.migrate.upgrade``)."""

"""Every table of every package, gathered for migrations and the schema test."""

from __future__ import annotations

from sqlalchemy import MetaData

import store.models  # noqa: F401  (registers the tables on Base.metadata)
from store import Base


def metadata() -> MetaData:
    """Return the metadata holding every Fairfile table."""
    return Base.metadata

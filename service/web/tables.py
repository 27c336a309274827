"""Every table of every package, gathered for migrations and the schema test."""

from __future__ import annotations

from sqlalchemy import MetaData

# Each import registers its package's tables on Base.metadata.
import consent.analysts
import consent.lenders
import consent.models
import consent.signin
import consent.transparency  # noqa: F401
import dp.models  # noqa: F401
import scoring.contract.models
import scoring.ingest.stored
import scoring.workflow.decisions
import scoring.workflow.disputes
import scoring.workflow.lending
import scoring.workflow.outcomes
import scoring.workflow.reviews  # noqa: F401
import store.models
import store.vault  # noqa: F401
import synthetic.models  # noqa: F401
from store import Base


def metadata() -> MetaData:
    """Return the metadata holding every Fairfile table."""
    return Base.metadata

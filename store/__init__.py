"""Persistence and keys: the bottom layer every domain package builds on.

What lives here: the SQLAlchemy declarative ``Base`` and its shared column shapes, engine
and session factories for SQLite (the embedded default) and PostgreSQL, and the Alembic
migrations that create the schema; the per-subject key material: sealing and data keys
(``vault``), key-encryption keys (``keks``) and master key files (``keys``); and
``errors``: every refusal of this layer (base ``StoreError``) and ``InternalBug``, the base
of every internal-invariant failure in any package.

What it may import: the standard library, SQLAlchemy, Alembic and ``cryptography``. Never
Flask, never ``service`` and never another Fairfile domain package: everything else
imports ``store``, ``store`` imports nothing of Fairfile's.
"""

from .db import Base as Base
from .db import UtcDateTime as UtcDateTime
from .db import make_engine as make_engine
from .db import make_session_factory as make_session_factory
from .db import utcnow as utcnow
from .errors import InternalBug as InternalBug
from .errors import StoreError as StoreError
from .migrate import current_revision as current_revision
from .migrate import head_revision as head_revision
from .migrate import upgrade as upgrade
from .models import CreatedAt as CreatedAt
from .models import Subject as Subject
from .models import UuidPk as UuidPk
from .models import new_id as new_id

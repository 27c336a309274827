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

from .db import WRITE as WRITE
from .db import Base as Base
from .db import UtcDateTime as UtcDateTime
from .db import make_engine as make_engine
from .db import make_session_factory as make_session_factory
from .db import utcnow as utcnow
from .errors import InternalBug as InternalBug
from .errors import KekError as KekError
from .errors import KeyringError as KeyringError
from .errors import KeyShredded as KeyShredded
from .errors import Refusal as Refusal
from .errors import SealError as SealError
from .errors import SignatureInvalid as SignatureInvalid
from .errors import StoreError as StoreError
from .keks import Kek as Kek
from .keks import KekFolder as KekFolder
from .keks import MasterKeys as MasterKeys
from .keks import retired_at as retired_at
from .keys import MasterKeyFolder as MasterKeyFolder
from .keys import Pseudonyms as Pseudonyms
from .keys import decode_master_key as decode_master_key
from .keys import derive_key as derive_key
from .keys import load_or_create_dev_key as load_or_create_dev_key
from .keys import master_kid as master_kid
from .migrate import autogenerate as autogenerate
from .migrate import current_revision as current_revision
from .migrate import head_revision as head_revision
from .migrate import upgrade as upgrade
from .models import CreatedAt as CreatedAt
from .models import Subject as Subject
from .models import UuidPk as UuidPk
from .models import new_id as new_id
from .signing import Keyring as Keyring
from .signing import canonical_json as canonical_json
from .signing import public_keys_from_jwks as public_keys_from_jwks
from .signing import verify_envelope as verify_envelope
from .vault import Vault as Vault
from .vault import put_sealed as put_sealed
from .vault import reclaim_erased as reclaim_erased

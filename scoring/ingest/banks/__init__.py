"""Bank data in the shapes banks send, made purely financial at the door.

What lives here: one adapter per shape, each typing its standard's fields and reading
one bank's payload into a ``Read`` (``fdx``: FDX v6 deposit accounts and transactions;
``open_banking``: UK Open Banking Account and Transaction API v3.1/v4; ``ofx``: OFX 1.x
and 2.x statement files, parsed by ``ofxtools``); the reviewed code lists that give each
transaction its one counterparty kind (``codes``); and ``minimise``, which turns a
``Read`` into the closed statement of ``scoring.ingest.statements`` and a report of what
was dropped, counts only; and ``frames``, the same FDX rules over a dataset of many people
at once, in Polars, for bulk reads the per-person models are too slow for. Merchant names
and codes of other spending, descriptions, memos, payees, counterparty accounts, card
details, addresses and times of day are read in memory only and never leave an adapter.
docs/connecting-bank-data.md tells the story.

What it may import: the standard library, pydantic (the standards' typed models), Polars
(in ``frames``), ``ofxtools`` (lazily, in ``ofx``), ``consent`` (data categories) and the
rest of ``scoring.ingest``.
"""

from .fdx import FdxData as FdxData
from .fdx import read_fdx as read_fdx
from .frames import ACCOUNT_COLUMNS as ACCOUNT_COLUMNS
from .frames import TRANSACTION_COLUMNS as TRANSACTION_COLUMNS
from .frames import minimise_fdx_frames as minimise_fdx_frames
from .frames import names_benefit_payer as names_benefit_payer
from .minimise import BANK_CATEGORIES as BANK_CATEGORIES
from .minimise import CATEGORY_OF as CATEGORY_OF
from .minimise import REQUIRED_CATEGORIES as REQUIRED_CATEGORIES
from .minimise import Counted as Counted
from .minimise import Minimised as Minimised
from .minimise import Read as Read
from .minimise import Shape as Shape
from .minimise import minimise as minimise
from .ofx import MAX_OFX_CHARS as MAX_OFX_CHARS
from .ofx import read_ofx as read_ofx
from .open_banking import OpenBankingData as OpenBankingData
from .open_banking import read_open_banking as read_open_banking

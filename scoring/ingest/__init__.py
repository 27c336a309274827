"""Ingestion: bank statements in, the contract's cash-flow facts out.

What lives here: the statement format and its strict validation (``statements``), the
monthly panel every person's transactions reduce to (``panel``), and the extractor that
turns statements into facts (``extract``); ``banks/``, the door for bank data in the
shapes banks send (FDX, UK Open Banking, OFX), which makes it the closed statement; and
the sealed table of each subject's minimised statement (``stored``).

What it may import: the standard library, NumPy, Polars, pydantic and ``ofxtools`` (in
``banks``), SQLAlchemy and ``store`` (in ``stored``), ``consent`` (data categories),
``scoring.contract`` and ``scoring.errors``.
"""

from .extract import extract_frame as extract_frame
from .extract import extract_parsed as extract_parsed
from .extract import extract_statement as extract_statement
from .panel import BUREAU_FEATURES as BUREAU_FEATURES
from .panel import CASHFLOW_FEATURES as CASHFLOW_FEATURES
from .panel import WINDOW_MONTHS as WINDOW_MONTHS
from .panel import MonthlyPanel as MonthlyPanel
from .panel import cashflow_arrays as cashflow_arrays
from .panel import facts_frame as facts_frame
from .statements import ACCOUNT_SCHEMA as ACCOUNT_SCHEMA
from .statements import DIRECTIONS as DIRECTIONS
from .statements import KINDS as KINDS
from .statements import TRANSACTION_SCHEMA as TRANSACTION_SCHEMA
from .statements import CounterpartyKind as CounterpartyKind
from .statements import Statement as Statement
from .statements import parse_statement as parse_statement
from .statements import window_start as window_start
from .stored import SubjectStatement as SubjectStatement
from .stored import get_statement as get_statement
from .stored import put_statement as put_statement

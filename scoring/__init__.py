"""Scoring: the financial-only feature contract, the scorecard and its explanations.

What lives here: the declaration of every model input (and the list of what is
prohibited, with reasons), the feature extractor that turns bank statements into the
contract's facts at the ingestion boundary, the table of each subject's facts, the
additive points scorecard (``scorecard``, vectorised in ``batch``), principal reasons,
recourse, the explanation document, and the sealed decisions and their human reviews.

What it may import: the standard library, NumPy, Polars, SQLAlchemy, ``consent`` and
``store``. Never Flask and never ``service``.
"""

from .contract import CONTRACT as CONTRACT
from .contract import FEATURE_NAMES as FEATURE_NAMES
from .contract import FEATURES as FEATURES
from .contract import Direction as Direction
from .contract import Feature as Feature
from .contract import feature as feature
from .errors import ContractViolation as ContractViolation
from .errors import FieldProblem as FieldProblem
from .errors import Offence as Offence
from .extract import extract_frame as extract_frame
from .extract import extract_statement as extract_statement
from .facts import check_facts as check_facts
from .facts import check_facts_frame as check_facts_frame
from .panel import BUREAU_FEATURES as BUREAU_FEATURES
from .panel import CASHFLOW_FEATURES as CASHFLOW_FEATURES
from .panel import MonthlyPanel as MonthlyPanel
from .panel import cashflow_arrays as cashflow_arrays
from .panel import facts_frame as facts_frame
from .prohibited import PROHIBITED as PROHIBITED
from .prohibited import Prohibition as Prohibition
from .prohibited import check_columns as check_columns
from .prohibited import check_fields as check_fields
from .prohibited import prohibition_for as prohibition_for
from .statements import CounterpartyKind as CounterpartyKind

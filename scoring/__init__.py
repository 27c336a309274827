"""Scoring: the financial-only feature contract, the card and the decisions made with it.

What lives here, one room per capability:

- ``contract/``: every model input declared once, the prohibited list with reasons,
  the validation of facts, and the sealed table of each subject's facts.
- ``ingest/``: the statement format, the monthly panel and the feature extractor that
  turns bank statements into the contract's facts at the ingestion boundary.
- ``card/``: the additive points scorecard (vectorised in ``batch``), its shape and
  sharing policy, principal reasons, recourse, the explanation document and metrics.
- ``workflow/``: sealed decisions, their human reviews, disputes of a fact, decisions a
  lender asks for, and each subject's observed outcome and region.
- ``own_data/``: a lender's mapping, its historical file and the explanation of a record
  scored by a model trained on it (the DP training is ``dp.own_data``).
- ``errors``: every refusal (base ``ScoringError``) and ``RecourseBug``.

The rooms stand in that order: ``contract`` builds on nothing else of ``scoring``;
``ingest`` and ``card`` on ``contract``; ``workflow`` and ``own_data`` on both.

What it may import: the standard library, NumPy, Polars, SQLAlchemy, ``consent`` and
``store``. Never ``dp``, never Flask and never ``service``.
"""

from .contract import CONTRACT as CONTRACT
from .contract import FEATURE_NAMES as FEATURE_NAMES
from .contract import FEATURES as FEATURES
from .contract import PROHIBITED as PROHIBITED
from .contract import Direction as Direction
from .contract import Feature as Feature
from .contract import Prohibition as Prohibition
from .contract import check_columns as check_columns
from .contract import check_facts as check_facts
from .contract import check_facts_frame as check_facts_frame
from .contract import check_fields as check_fields
from .contract import feature as feature
from .contract import prohibition_for as prohibition_for
from .errors import ContractViolation as ContractViolation
from .errors import DecisionError as DecisionError
from .errors import DecisionNotFound as DecisionNotFound
from .errors import DirtyFile as DirtyFile
from .errors import DisputeError as DisputeError
from .errors import FieldProblem as FieldProblem
from .errors import IdempotencyConflict as IdempotencyConflict
from .errors import NoActiveModel as NoActiveModel
from .errors import Offence as Offence
from .errors import RecourseBug as RecourseBug
from .errors import ReviewError as ReviewError
from .errors import RowProblem as RowProblem
from .errors import ScoringError as ScoringError
from .errors import StatementNotFound as StatementNotFound
from .ingest import BUREAU_FEATURES as BUREAU_FEATURES
from .ingest import CASHFLOW_FEATURES as CASHFLOW_FEATURES
from .ingest import CounterpartyKind as CounterpartyKind
from .ingest import MonthlyPanel as MonthlyPanel
from .ingest import cashflow_arrays as cashflow_arrays
from .ingest import extract_frame as extract_frame
from .ingest import extract_parsed as extract_parsed
from .ingest import extract_statement as extract_statement
from .ingest import facts_frame as facts_frame

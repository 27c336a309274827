"""Differential privacy: every noisy release and every privacy cost, through OpenDP.

What lives here: the persisted privacy-budget ledger, the typed wrappers around OpenDP
measurements for statistics and model training, and the one place that enables OpenDP's
``contrib`` features. OpenDP objects never leave this package: callers get Fairfile's own
result types.

What it may import: the standard library, OpenDP (only through ``dp._opendp``, lazily),
Polars, NumPy, SQLAlchemy, ``store``, ``consent`` (the gate and the snapshot) and
``scoring`` (the feature contract, the facts table, and the scorecard that scores a
snapshot for score bands and approval rates). Never Flask and never ``service``.
"""

from .errors import BudgetExhausted as BudgetExhausted
from .errors import InvalidQuery as InvalidQuery
from .errors import LedgerBug as LedgerBug
from .errors import PrivacyError as PrivacyError
from .loss import PrivacyLoss as PrivacyLoss
from .mechanisms import LossRequest as LossRequest
from .mechanisms import VectorNoise as VectorNoise
from .mechanisms import make_vector_noise as make_vector_noise

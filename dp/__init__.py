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

from .allocations import TRAINING as TRAINING
from .allocations import Allocations as Allocations
from .errors import AllocationError as AllocationError
from .errors import BudgetExhausted as BudgetExhausted
from .errors import CardRefused as CardRefused
from .errors import InvalidQuery as InvalidQuery
from .errors import LedgerBug as LedgerBug
from .errors import ModelNotFound as ModelNotFound
from .errors import PrivacyError as PrivacyError
from .loss import PrivacyLoss as PrivacyLoss
from .mechanisms import LossRequest as LossRequest
from .mechanisms import VectorNoise as VectorNoise
from .mechanisms import make_vector_noise as make_vector_noise
from .models import ModelVersion as ModelVersion
from .models import Release as Release
from .releases import reserve_statistic as reserve_statistic
from .releases import run_statistic as run_statistic
from .statistics import StatQuery as StatQuery
from .statistics import bin_labels as bin_labels
from .statistics import needs_model as needs_model
from .training import Trained as Trained
from .training import train as train
from .training_data import read_training_data as read_training_data
from .training_data import reserve_training_snapshot as reserve_training_snapshot
from .versions import activate as activate
from .versions import active_card as active_card
from .versions import active_version as active_version
from .versions import own_version as own_version
from .versions import own_versions as own_versions
from .versions import reserve_training as reserve_training
from .versions import save_version as save_version

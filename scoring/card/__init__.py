"""The card: integer points per public bin, and everything said about a score.

What lives here: the additive points scorecard (``scorecard``, vectorised in ``batch``),
model inputs declared by a mapping (``categorical``), the card's shape and sharing policy
(``shape``), principal reasons (``reasons``), recourse (``recourse``), the explanation
document (``explain``), the words a person reads (``wording``) and how well a deployed
card ranks and is calibrated (``metrics``).

What it may import: the standard library, NumPy, ``consent`` (data categories),
``scoring.contract`` and ``scoring.errors``. Never the decision workflow, never own data.
"""

from .batch import score_codes as score_codes
from .batch import score_frame as score_frame
from .categorical import CategoricalFeature as CategoricalFeature
from .categorical import MappedFeature as MappedFeature
from .categorical import spec_of as spec_of
from .explain import build_explanation as build_explanation
from .metrics import auc as auc
from .metrics import calibration as calibration
from .metrics import deployed_metrics as deployed_metrics
from .reasons import principal_reasons as principal_reasons
from .recourse import find_recourse as find_recourse
from .scorecard import REQUIRED_CATEGORY as REQUIRED_CATEGORY
from .scorecard import Scorecard as Scorecard
from .scorecard import Scored as Scored
from .scorecard import Status as Status
from .scorecard import insufficient_data as insufficient_data
from .scorecard import labels_of as labels_of
from .scorecard import score as score
from .shape import check as check
from .shape import favourable_bins as favourable_bins
from .shape import is_ordered as is_ordered
from .shape import order_of as order_of

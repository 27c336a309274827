"""Own data, the privacy side: train a card on a lender's own file, and its fairness report.

What lives here: DP training on a file checked by ``scoring.own_data`` (``training``:
plan, charge, release, measure, store) and the DP fairness report over the file's
audit-only columns (``fairness``). The flow end to end is in docs/own-data.md.

What it may import: what ``dp`` may import, and the rest of ``dp``.
"""

from .fairness import fairness_report as fairness_report
from .training import DEFAULT_CUT_OFF as DEFAULT_CUT_OFF
from .training import MIN_EPSILON as MIN_EPSILON
from .training import OwnModel as OwnModel
from .training import fit_points as fit_points
from .training import plan as plan
from .training import train_from_file as train_from_file

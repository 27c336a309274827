"""The decision workflow: a sealed decision, and what a person or lender does with it.

What lives here: decisions against a cut-off, stored sealed and never changed
(``decisions``); human review of a decision (``reviews``); disputes of a fact
(``disputes``); decisions a lender asks for under an idempotency key (``lending``); and
each subject's observed outcome and coarse region, never model inputs (``outcomes``).

What it may import: the standard library, SQLAlchemy, ``consent``, ``store`` and the
other rooms of ``scoring`` (``contract``, ``card``, ``errors``).
"""

from .decisions import DEFAULT_CUT_OFF as DEFAULT_CUT_OFF
from .decisions import Decision as Decision
from .decisions import Policy as Policy
from .decisions import decide as decide
from .decisions import decision_of as decision_of
from .decisions import decisions_of as decisions_of
from .decisions import open_decision as open_decision
from .disputes import FactDispute as FactDispute
from .disputes import disputed_features as disputed_features
from .disputes import disputes_of as disputes_of
from .disputes import open_dispute as open_dispute
from .disputes import resolve_dispute as resolve_dispute
from .lending import decision_for as decision_for
from .lending import decisions_for as decisions_for
from .lending import request_decision as request_decision
from .lending import shared_part as shared_part
from .outcomes import REGIONS as REGIONS
from .outcomes import SubjectOutcome as SubjectOutcome
from .outcomes import SubjectRegion as SubjectRegion
from .outcomes import get_outcome as get_outcome
from .outcomes import get_region as get_region
from .reviews import effective_decision as effective_decision
from .reviews import open_review as open_review
from .reviews import resolve_review as resolve_review
from .reviews import reviews_of as reviews_of

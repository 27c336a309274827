"""The decision workflow: a sealed decision, and what a person or lender does with it.

What lives here: decisions against a cut-off, stored sealed and never changed
(``decisions``); human review of a decision (``reviews``); disputes of a fact
(``disputes``); decisions a lender asks for under an idempotency key (``lending``); and
each subject's observed outcome and coarse region, never model inputs (``outcomes``).

What it may import: the standard library, SQLAlchemy, ``consent``, ``store`` and the
other rooms of ``scoring`` (``contract``, ``card``, ``errors``).
"""

from .decisions import DEFAULT_CUT_OFF as DEFAULT_CUT_OFF
from .decisions import Authorized as Authorized
from .decisions import Decided as Decided
from .decisions import Decision as Decision
from .decisions import Policy as Policy
from .decisions import authorize_decision as authorize_decision
from .decisions import decide as decide
from .decisions import decided_in_one as decided_in_one
from .decisions import decision_categories as decision_categories
from .decisions import decision_of as decision_of
from .decisions import decisions_of as decisions_of
from .decisions import make_decision as make_decision
from .decisions import open_decision as open_decision
from .decisions import store_decision as store_decision
from .disputes import FactDispute as FactDispute
from .disputes import disputed_features as disputed_features
from .disputes import disputes_of as disputes_of
from .disputes import open_dispute as open_dispute
from .disputes import resolution_of as resolution_of
from .disputes import resolve_dispute as resolve_dispute
from .disputes import statement_of as statement_of
from .lending import decision_for as decision_for
from .lending import decisions_for as decisions_for
from .lending import earlier_decision as earlier_decision
from .lending import request_decision as request_decision
from .lending import shared_part as shared_part
from .lending import store_lender_decision as store_lender_decision
from .outcomes import REGIONS as REGIONS
from .outcomes import SubjectOutcome as SubjectOutcome
from .outcomes import SubjectRegion as SubjectRegion
from .outcomes import get_outcome as get_outcome
from .outcomes import get_region as get_region
from .outcomes import seal_outcome as seal_outcome
from .outcomes import seal_region as seal_region
from .reviews import OVERRIDES as OVERRIDES
from .reviews import effective_decision as effective_decision
from .reviews import open_review as open_review
from .reviews import resolve_review as resolve_review
from .reviews import review_out as review_out
from .reviews import reviews_of as reviews_of

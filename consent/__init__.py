"""Consent: who allowed what, for which purpose and data category, until when.

What lives here: the consent model (purposes, data categories, grants, renewals,
withdrawals), the one gate every read of subject data passes, signed receipts and the
tamper-evident transparency log.

What it may import: the standard library, SQLAlchemy, ``cryptography`` and ``store``.
Never Flask and never ``service``.
"""

from .analysts import Analyst as Analyst
from .analysts import AnalystKey as AnalystKey
from .analysts import AnalystScope as AnalystScope
from .analysts import Role as Role
from .analysts import actor_of as actor_of
from .analysts import analyst_keys as analyst_keys
from .analysts import authenticate_analyst as authenticate_analyst
from .analysts import ensure_analyst as ensure_analyst
from .analysts import issue_analyst_key as issue_analyst_key
from .analysts import require_analyst_scope as require_analyst_scope
from .analysts import revoke_analyst_key as revoke_analyst_key
from .categories import DataCategory as DataCategory
from .erasure import erase as erase
from .errors import ConsentError as ConsentError
from .errors import ConsentMissing as ConsentMissing
from .errors import ConsentNotFound as ConsentNotFound
from .lenders import LenderKey as LenderKey
from .lenders import LenderScope as LenderScope
from .lenders import authenticate_lender as authenticate_lender
from .lenders import ensure_lender as ensure_lender
from .lenders import issue_lender_key as issue_lender_key
from .lenders import lender_keys as lender_keys
from .lenders import require_lender_scope as require_lender_scope
from .lenders import revoke_lender_key as revoke_lender_key
from .lifecycle import ConsentKeys as ConsentKeys
from .models import Consent as Consent
from .models import ConsentEvent as ConsentEvent
from .models import Enrolment as Enrolment
from .models import Lender as Lender
from .purposes import ENROLMENT_NOTICE as ENROLMENT_NOTICE
from .purposes import NOTICES as NOTICES
from .purposes import Purpose as Purpose
from .purposes import PurposeKind as PurposeKind
from .purposes import notice_for as notice_for
from .receipts import verify_receipt as verify_receipt

"""The feature contract: what may reach a model, what never may, and each person's facts.

What lives here: the declaration of every model input (``features``), the prohibited
list with a reason for each entry (``prohibited``), the validation of facts against both
(``facts``), and the sealed table of each subject's facts (``models``).

What it may import: the standard library, Polars, SQLAlchemy, ``consent`` (data
categories), ``store`` and ``scoring.errors``; nothing else of ``scoring``: every other
room builds on this one.
"""

from .facts import FactValue as FactValue
from .facts import check_facts as check_facts
from .facts import check_facts_frame as check_facts_frame
from .features import CONTRACT as CONTRACT
from .features import FEATURE_NAMES as FEATURE_NAMES
from .features import FEATURES as FEATURES
from .features import Direction as Direction
from .features import Feature as Feature
from .features import feature as feature
from .models import SubjectFacts as SubjectFacts
from .models import get_facts as get_facts
from .models import put_facts as put_facts
from .models import recorded_at as recorded_at
from .models import seal_facts as seal_facts
from .prohibited import PROHIBITED as PROHIBITED
from .prohibited import Prohibition as Prohibition
from .prohibited import age_like as age_like
from .prohibited import check_columns as check_columns
from .prohibited import check_fields as check_fields
from .prohibited import prohibition_for as prohibition_for
from .prohibited import prohibition_in_labels as prohibition_in_labels
from .prohibited import refuse_prohibited as refuse_prohibited

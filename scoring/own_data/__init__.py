"""Own data, scoring's side: a lender's historical file, its mapping, and record explanations.

What lives here: the mapping that declares every column of the file (``mapping``), the
file read against it and refused whole if anything is wrong (``history_file``), and the
explanation of one record scored by a model trained on the file (``record_explain``). The
training itself, its privacy cost and its fairness report are ``dp.own_data``; the flow
end to end is in docs/own-data.md.

What it may import: the standard library, NumPy, Polars, ``consent`` (data categories)
and the other rooms of ``scoring`` (``contract``, ``card``, ``errors``).
"""

from .history_file import Codes as Codes
from .history_file import LabelledFile as LabelledFile
from .history_file import check_file as check_file
from .history_file import check_records as check_records
from .history_file import frame_from_bytes as frame_from_bytes
from .history_file import read_frame as read_frame
from .history_file import record_frame as record_frame
from .mapping import AuditColumn as AuditColumn
from .mapping import FileMapping as FileMapping
from .mapping import parse_mapping as parse_mapping
from .record_explain import decision_of as decision_of
from .record_explain import explain_record as explain_record
from .record_explain import reason_features as reason_features
from .record_explain import score_record as score_record

"""The one place OpenDP is imported and its ``contrib`` features are enabled.

``import opendp.prelude`` costs seconds and about 150 MB, so it happens on first use, never
at import time: the web app and CLI commands that need no noise start without it. Only
``contrib`` is ever enabled (ADR 0004); never ``idealized-numerics`` or
``honest-but-curious``.
"""

from __future__ import annotations

import threading
from types import ModuleType

_lock = threading.Lock()
_prelude: ModuleType | None = None


def prelude() -> ModuleType:
    """Return ``opendp.prelude`` with ``contrib`` enabled (imported once, thread-safely)."""
    global _prelude
    if _prelude is None:
        with _lock:
            if _prelude is None:
                import opendp.prelude as dp

                dp.enable_features("contrib")
                _prelude = dp
    return _prelude

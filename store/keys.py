"""Key material for a local sandbox: generated once into the instance folder.

Production keys come from the environment (see ``service.config``); this module only
creates development keys, and says loudly that it did.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)


def load_or_create_dev_key(path: Path, *, nbytes: int = 32) -> str:
    """Return the key stored at ``path``, creating a random one (mode 0600) if absent.

    The key is ``nbytes`` random bytes from the operating system, URL-safe base64 encoded.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> key = load_or_create_dev_key(folder / "k")
    >>> key == load_or_create_dev_key(folder / "k") and len(base64.urlsafe_b64decode(key))
    32
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    log.warning(
        "DEVELOPMENT KEY GENERATED at %s: fine for a local sandbox, never for real use; "
        "set FAIRFILE_SECRET_KEY and FAIRFILE_MASTER_KEY in production",
        path,
    )
    return key

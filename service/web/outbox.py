"""The sandbox outbox: sign-in links written as files instead of being emailed.

A letter names its recipient only by an outbox tag: a keyed hash of their id
(``HMAC-SHA256(pseudonym key, "fairfile/outbox/v1|" + id)``, 32 hex digits), different
from their log pseudonym so a letter cannot be matched to log entries. The tag is in the
file name, so erasing a person removes their letters (``clear``) without reading any.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import current_app, url_for

from store import utcnow

from .keys import consent_keys

log = logging.getLogger(__name__)

_SUFFIX = "-sign-in.txt"


def _folder() -> Path:
    return Path(current_app.instance_path) / "outbox"


def _recipient_tag(subject_id: str) -> str:
    """The outbox tag of ``subject_id`` (32 hex digits; names nobody without the key)."""
    return consent_keys().pseudonyms.of(f"fairfile/outbox/v1|{subject_id}")[:32]


def deliver_link(subject_id: str, secret: str) -> None:
    """Deliver a sign-in link: a file in the local outbox, and (outside production) the log."""
    outbox = _folder()
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    tag = _recipient_tag(subject_id)
    link = url_for("signin.exchange_link", _external=True)
    message = (
        f"To: the sandbox person with outbox tag {tag}\n"
        "Subject: your Fairfile sign-in link\n\n"
        f'POST {link} with {{"link_secret": "{secret}"}} within 15 minutes.\n'
        f"Web: {url_for('ops.front_page', _external=True)}sign-in?secret={secret}\n"
    )
    path = outbox / f"{stamp}-{tag}{_SUFFIX}"
    path.write_text(message)
    if not current_app.config["FAIRFILE_SETTINGS"].is_production:
        log.warning("sandbox sign-in link written to %s (link secret %s)", path.name, secret)


def letters_for(subject_id: str) -> list[Path]:
    """The person's letters, newest first."""
    return sorted(_folder().glob(f"*-{_recipient_tag(subject_id)}{_SUFFIX}"), reverse=True)


def link_secret_for(subject_id: str) -> str | None:
    """The link secret in the person's newest letter, if there is one (the demo's walk)."""
    for letter in letters_for(subject_id):
        found = re.search(r'"link_secret": "([^"]+)"', letter.read_text())
        if found:
            return found.group(1)
    return None


def clear(subject_id: str) -> int:
    """Delete every letter to ``subject_id`` (at erasure); return how many."""
    letters = letters_for(subject_id)
    for letter in letters:
        letter.unlink(missing_ok=True)
    return len(letters)

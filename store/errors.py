"""The ``store`` package's own errors (no HTTP in them; ``service.web.errors`` maps them).

``Refusal`` is the root every domain package's own base derives from, so each carries
``problem_extensions`` the same way. ``StoreError`` is the base of every refusal of the
bottom layer: a sealed value that does not open, a key file or keyring that cannot be
used, a signature or a document that is not what it claims. ``InternalBug`` is something
else: the base of every error, in any package, that says an internal invariant failed (a
bug on our side, never the caller's fault). Both live here because every domain package
builds on ``store``.
"""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """Root of each domain package's base: ``ConsentError``, ``PrivacyError`` and so on.

    ``problem_extensions`` is the structured detail a client needs (what is missing, what
    to do next), never a person's values; ``service.web.errors`` adds it to the problem.
    """

    problem_extensions: dict[str, Any]

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.problem_extensions = extensions


class StoreError(Refusal):
    """Base of every ``store`` refusal."""


class SealError(StoreError):
    """A value cannot be opened: tampered, moved, or its key was destroyed.

    Never answered with data: a caller that sees this must not guess.
    """


class KeyShredded(SealError):
    """The person's data key no longer exists (they were erased)."""


class KekDestroyed(SealError):
    """The data key is wrapped under a KEK that was destroyed: this copy is too old."""


class KekError(StoreError):
    """The key directory cannot be used as it is; the message says what is wrong."""


class SignatureInvalid(StoreError):
    """An envelope does not verify: malformed, unknown key, or a signature mismatch."""


class KeyringError(StoreError):
    """Key material is missing or is not an Ed25519 key; the message says which."""


class NotCanonical(StoreError, ValueError):
    """A value cannot be encoded as canonical JSON; the message names where and why."""


class InternalBug(RuntimeError):
    """Base of every internal invariant failure, in any package: a bug, never a refusal."""

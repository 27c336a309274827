"""The app's keys: the signing keyring and the pseudonym key, built once at start-up."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from consent.lifecycle import ConsentKeys
from store.keys import Pseudonyms, decode_master_key, derive_key
from store.signing import Keyring

from .config import Settings

_EXTENSION = "fairfile.keys"


def init_app(app: Flask, settings: Settings, instance: Path) -> None:
    """Load the keyring (environment in production, instance folder otherwise)."""
    if settings.signing_key:
        retired = _pem_blocks(settings.signing_retired_keys or "")
        keyring = Keyring.from_pem(settings.signing_key.encode(), retired)
    else:
        keyring = Keyring.from_directory(instance / "signing")
    master = decode_master_key(app.config["FAIRFILE_MASTER_KEY"])
    app.extensions[_EXTENSION] = ConsentKeys(
        keyring=keyring, pseudonyms=Pseudonyms(derive_key(master, "pseudonyms/v1"))
    )


def consent_keys(app: Flask | None = None) -> ConsentKeys:
    """Return the keys of ``app`` (default: the current app)."""
    keys: ConsentKeys = (app or current_app).extensions[_EXTENSION]
    return keys


def _pem_blocks(text: str) -> list[bytes]:
    """Split concatenated PEM public keys into one block each."""
    end = "-----END PUBLIC KEY-----"
    return [(block + end).strip().encode() for block in text.split(end) if block.strip()]

"""The app's keys, built once at start-up.

- the signing keyring (receipts, tree heads, explanations);
- the pseudonym key (who a log entry or receipt is about, without naming them): its own
  key, so rotating the master key never changes anybody's pseudonym;
- the vault: the key-encryption keys (files in ``kek_directory``) that wrap every person's
  data key, themselves wrapped under the master key.

Production takes the master, signing and pseudonym keys from the environment; development
generates them once into the instance folder. Key-encryption keys are always files, made
and destroyed by ``fairfile keys rotate``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from consent import ConsentKeys
from store import (
    KekError,
    KekFolder,
    Keyring,
    MasterKeyFolder,
    MasterKeys,
    Pseudonyms,
    Vault,
    decode_master_key,
    derive_key,
    load_or_create_dev_key,
)

from .config import ConfigurationError, Settings

_EXTENSION = "fairfile.keys"
_VAULT = "fairfile.vault"


def init_app(app: Flask, settings: Settings, instance: Path) -> None:
    """Load the keyring (environment in production, instance folder otherwise)."""
    if settings.signing_key:
        retired = _pem_blocks(settings.signing_retired_keys or "")
        keyring = Keyring.from_pem(settings.signing_key.encode(), retired)
    else:
        keyring = Keyring.from_directory(instance / "signing")
    pseudonym_key = decode_master_key(
        settings.pseudonym_key or load_or_create_dev_key(instance / "pseudonym_key")
    )
    app.extensions[_EXTENSION] = ConsentKeys(
        keyring=keyring, pseudonyms=Pseudonyms(derive_key(pseudonym_key, "pseudonyms/v1"))
    )
    folder = kek_folder(settings, instance)
    try:
        app.extensions[_VAULT] = Vault(folder.load)
    except KekError as error:
        raise ConfigurationError(f"FAIRFILE_KEK_DIRECTORY: {error}") from None
    except OSError as error:
        raise ConfigurationError(
            f"FAIRFILE_KEK_DIRECTORY: {folder.directory} cannot be used ({error.strerror})"
        ) from None


def kek_folder(settings: Settings, instance: Path) -> KekFolder:
    """The key-encryption keys of this installation, under its master keys."""
    masters: MasterKeys = MasterKeyFolder(instance).load
    if settings.master_key:
        active = decode_master_key(settings.master_key)
        retired = [
            decode_master_key(k) for k in (settings.master_keys_retired or "").split(",") if k
        ]

        def masters() -> tuple[bytes, list[bytes]]:
            return active, retired

    return KekFolder(settings.kek_directory or instance / "keks", masters)


def vault(app: Flask | None = None) -> Vault:
    """Return the vault of ``app`` (default: the current app)."""
    found: Vault = (app or current_app).extensions[_VAULT]
    return found


def consent_keys(app: Flask | None = None) -> ConsentKeys:
    """Return the keys of ``app`` (default: the current app)."""
    keys: ConsentKeys = (app or current_app).extensions[_EXTENSION]
    return keys


def _pem_blocks(text: str) -> list[bytes]:
    """Split concatenated PEM public keys into one block each."""
    end = "-----END PUBLIC KEY-----"
    return [(block + end).strip().encode() for block in text.split(end) if block.strip()]

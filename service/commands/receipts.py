"""``fairfile receipts``: check signed consent receipts from the command line.

``fairfile receipts verify FILE`` checks a receipt against this instance's keyring (the
one the app signs with, retired keys included);
``--keys JWKS_FILE`` checks it against a published JWKS instead, and then needs no
instance, database or configuration at all.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import IO, Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask.cli import ScriptInfo

from consent import verify_receipt
from store import KeyringError, SignatureInvalid, public_keys_from_jwks

from ..web.config import ConfigurationError
from ..web.keys import consent_keys


@click.group("receipts")
def receipts() -> None:
    """Check signed consent receipts."""


@receipts.command("verify")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--keys",
    "keys_file",
    type=click.File("rb"),
    help="A JWKS file to trust (as the well-known keys endpoint serves it); "
    "default: this instance's signing keys.",
)
@click.pass_context
def verify_command(ctx: click.Context, file: IO[bytes], keys_file: IO[bytes] | None) -> None:
    """Check that FILE is a consent receipt signed by a trusted Fairfile key.

    Prints "valid: signed by KID at TIME", or "INVALID: REASON" and exits with status 1.
    """
    public_keys = _jwks_keys(keys_file) if keys_file is not None else _instance_keys(ctx)
    try:
        envelope = _parse(file.read())
        receipt = verify_receipt(envelope, public_keys)
    except SignatureInvalid as exc:
        click.echo(f"INVALID: {exc}")
        ctx.exit(1)
    kid = envelope["signature"]["kid"]  # well-formed: it verified
    click.echo(f"valid: signed by {kid} at {_time(receipt['consentTimestamp'])}")


def _time(unix_seconds: int) -> str:
    try:
        moment = dt.datetime.fromtimestamp(unix_seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return f"Unix time {unix_seconds}"
    return moment.isoformat().replace("+00:00", "Z")


def _parse(data: bytes) -> Any:
    try:
        return json.loads(data, object_pairs_hook=_refuse_duplicates)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, duplicate keys
        raise SignatureInvalid(f"the file is not a JSON receipt: {exc}") from exc


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _jwks_keys(keys_file: IO[bytes]) -> dict[str, Ed25519PublicKey]:
    try:
        jwks = json.loads(keys_file.read())
        if not isinstance(jwks, dict):
            raise KeyringError("a JWKS is a JSON object")
        return public_keys_from_jwks(jwks)
    except (ValueError, KeyringError) as exc:
        raise click.ClickException(f"cannot use {keys_file.name} as a JWKS: {exc}") from exc


def _instance_keys(ctx: click.Context) -> dict[str, Ed25519PublicKey]:
    try:
        app = ctx.ensure_object(ScriptInfo).load_app()
    except ConfigurationError as exc:
        raise click.ClickException(
            f"{exc}; or pass --keys JWKS_FILE to check against published keys"
        ) from exc
    return consent_keys(app).keyring.public_keys()

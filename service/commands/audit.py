"""``fairfile audit``: check the transparency log as an outside auditor would."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consent import transparency

from ..web.keys import consent_keys
from ..web.sessions import session_factory


@click.group()
def audit() -> None:
    """Audit the tamper-evident transparency log."""


@audit.command("verify")
@with_appcontext
def verify() -> None:
    """Sequence waiting entries, then recompute the tree and check every signed head."""
    keys = consent_keys()
    with session_factory()() as session, session.begin():
        head = transparency.sequence(session, keyring=keys.keyring)
    with session_factory()() as session:
        report = transparency.verify_log(session, keys.keyring.public_keys())
    click.echo(
        f"checked {report.entries} entries and {report.heads} signed tree heads "
        f"(newest: size {head['document']['treeSize']}, root {head['document']['rootHash']})"
    )
    if report.problems:
        for problem in report.problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        raise SystemExit(1)
    click.echo("the log is consistent: every leaf, root and signature checks out")

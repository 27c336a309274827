"""``fairfile disputes``: review the facts people dispute (rectification).

``fairfile disputes list [--open]`` shows each dispute with the person's statement and the
fact's current value; ``fairfile disputes resolve DISPUTE_ID --outcome upheld|rejected
--reason TEXT [--value V]`` resolves one (an upheld dispute rewrites the fact with ``V``;
without ``--value`` the fact becomes missing, which only a nullable fact allows).

A reviewer reads a person's data: every dispute shown or resolved is written to the
transparency log under the person's pseudonym (purpose ``rectification``). Until the
lender and reviewer roles exist, reviewing is an operator's job on this command line.
"""

from __future__ import annotations

import getpass

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from consent import gate
from scoring import ContractViolation, DisputeError
from scoring.contract import FEATURES, get_facts
from scoring.workflow import FactDispute, resolve_dispute, statement_of

from ..web.keys import consent_keys, vault
from ..web.sessions import session_factory


def _default_reviewer() -> str:
    return f"operator:{getpass.getuser()}"


@click.group("disputes")
def disputes() -> None:
    """Review and resolve the facts people dispute."""


@disputes.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only disputes not yet resolved.")
@click.option("--reviewer", default=_default_reviewer, help="Who reads (for the log).")
@with_appcontext
def list_command(only_open: bool, reviewer: str) -> None:
    """List disputes, oldest first, with each statement and the fact's current value."""
    query = select(FactDispute).order_by(FactDispute.opened_at, FactDispute.id)
    if only_open:
        query = query.where(FactDispute.resolved_at.is_(None))
    with session_factory()() as session, session.begin():
        found = session.scalars(query).all()
        for dispute in found:
            facts = get_facts(session, vault=vault(), subject_id=dispute.subject_id) or {}
            statement = statement_of(session, vault=vault(), dispute=dispute)
            gate.log_read(
                session,
                keys=consent_keys(),
                subject_id=dispute.subject_id,
                actor=f"reviewer:{reviewer}",
                purpose="rectification",
                categories=[FEATURES[dispute.feature].category.value],
                consent_ids=[],
                what="dispute",
            )
            click.echo(
                f"{dispute.id}  {dispute.state:<8}  opened {dispute.opened_at:%Y-%m-%d %H:%M}  "
                f"subject {dispute.subject_id}\n"
                f"    {dispute.feature} = {facts.get(dispute.feature)!r}\n"
                f"    statement: {statement}"
            )
    if not found:
        click.echo("no disputes" + (" open" if only_open else ""))


@disputes.command("resolve")
@click.argument("dispute_id")
@click.option("--outcome", type=click.Choice(["upheld", "rejected"]), required=True)
@click.option("--reason", required=True, help="Why; the person reads it in their export.")
@click.option("--value", type=float, help="The corrected value of an upheld fact.")
@click.option("--reviewer", default=_default_reviewer, help="Who resolves (recorded).")
@with_appcontext
def resolve_command(
    dispute_id: str, outcome: str, reason: str, value: float | None, reviewer: str
) -> None:
    """Resolve one dispute: upheld (the fact is rewritten) or rejected (it stays)."""
    if outcome == "rejected" and value is not None:
        raise click.UsageError("--value corrects an upheld fact; a rejected one keeps its value")
    if not reason.strip():
        raise click.UsageError("--reason must say why")
    try:
        with session_factory()() as session, session.begin():
            dispute = resolve_dispute(
                session,
                vault=vault(),
                dispute_id=dispute_id,
                reviewer=reviewer,
                outcome="upheld" if outcome == "upheld" else "rejected",
                reason=reason,
                corrected_value=value,
            )
            gate.log_read(
                session,
                keys=consent_keys(),
                subject_id=dispute.subject_id,
                actor=f"reviewer:{reviewer}",
                purpose="rectification",
                categories=[FEATURES[dispute.feature].category.value],
                consent_ids=[],
                what="dispute-resolution",
            )
    except DisputeError as exc:
        raise click.ClickException(str(exc)) from None
    except ContractViolation as exc:
        lines = [f"  {p.field}: {p.offence.value} - {p.reason}" for p in exc.problems]
        raise click.ClickException("\n".join([str(exc), *lines])) from None
    click.echo(f"dispute {dispute.id} {outcome}: {dispute.feature} of {dispute.subject_id}")

"""``fairfile reviews``: the reviewer's side of a human review of a decision.

``fairfile reviews list [--open]`` shows each review with the person's statement, the
decision, its score and principal reasons; ``fairfile reviews resolve REVIEW_ID --outcome
upheld|overridden [--decision approve|refer|decline] --reason TEXT`` records the outcome (an
override names the decision that replaces the automated one; the decision row itself never
changes). Every review shown or resolved is written to the transparency log under the
person's pseudonym (actor ``reviewer:<who>``, purpose ``human-review``). Until the reviewer
role exists in the API, reviewing is an operator's job on this command line.
"""

from __future__ import annotations

import getpass

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from consent import gate
from scoring import ReviewError
from scoring.contract import CONTRACT
from scoring.workflow import (
    OVERRIDES,
    Decision,
    open_decision,
    resolve_review,
    review_out,
    reviews_of,
)

from ..web.keys import consent_keys, vault
from ..web.sessions import session_factory


def _default_reviewer() -> str:
    return f"operator:{getpass.getuser()}"


def _log(session: Session, subject_id: str, reviewer: str, what: str) -> None:
    gate.log_read(
        session,
        keys=consent_keys(),
        subject_id=subject_id,
        actor=f"reviewer:{reviewer}",
        purpose="human-review",
        categories=sorted({f.category.value for f in CONTRACT}),
        consent_ids=[],
        what=what,
    )


@click.group("reviews")
def reviews() -> None:
    """Review decisions people asked a person to look at."""


@reviews.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only reviews not yet resolved.")
@click.option("--reviewer", default=_default_reviewer, help="Who reads (for the log).")
@with_appcontext
def list_command(only_open: bool, reviewer: str) -> None:
    """List reviews, oldest first, with the statement, decision, score and reasons."""
    shown = 0
    with session_factory()() as session, session.begin():
        for review in reviews_of(session):
            if only_open and review.resolved_at is not None:
                continue
            decision = session.get(Decision, review.decision_id)
            if decision is None:
                raise click.ClickException(f"bug: review {review.id} has no decision")
            payload = open_decision(session, vault=vault(), decision=decision)
            out = review_out(session, vault=vault(), review=review)
            _log(session, review.subject_id, reviewer, "review")
            reasons = payload["explanation"]["document"].get("reasons", [])
            click.echo(
                f"{review.id}  {review.state:<8}  decision {decision.id}: "
                f"{payload['decision']} (score {payload['score']}, cut-off {payload['cut_off']})"
                f"\n    statement: {out['statement']}"
            )
            for reason in reasons:
                click.echo(f"    reason {reason['rank']}: {reason['text']}")
            if out["resolution"]:
                click.echo(f"    resolution: {out['resolution']}")
            shown += 1
    if not shown:
        click.echo("no reviews" + (" open" if only_open else ""))


@reviews.command("resolve")
@click.argument("review_id")
@click.option("--outcome", type=click.Choice(["upheld", "overridden"]), required=True)
@click.option("--decision", type=click.Choice(OVERRIDES), help="The decision an override sets.")
@click.option("--reason", required=True, help="Why; the person reads it with their decision.")
@click.option("--reviewer", default=_default_reviewer, help="Who resolves (recorded).")
@with_appcontext
def resolve_command(
    review_id: str, outcome: str, decision: str | None, reason: str, reviewer: str
) -> None:
    """Resolve one review: the decision is upheld, or overridden by DECISION."""
    try:
        with session_factory()() as session, session.begin():
            review = resolve_review(
                session,
                vault=vault(),
                review_id=review_id,
                reviewer=reviewer,
                outcome="overridden" if outcome == "overridden" else "upheld",
                reason=reason,
                decision=decision,
            )
            _log(session, review.subject_id, reviewer, f"review-{outcome}")
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"review {review_id} {outcome}" + (f": {decision}" if decision else ""))

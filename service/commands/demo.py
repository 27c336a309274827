"""``fairfile demo``: a narrated walkthrough of the sandbox over real HTTP.

Run it against a running server that shares this instance (``make run`` in one shell,
``make demo`` in another). Two steps are the operator's and run here, not over HTTP: a
lender key and a regulator's key are made (as ``fairfile lenders create`` and ``fairfile
analysts create`` do) and a synthetic thin-file person is added (as ``fairfile synth
seed`` does). Everything else is an HTTP call, printed as the request and a summary of
the answer: the person signs in (the sandbox delivers the link to ``instance/outbox/``),
enrols, grants scoring and a share, and connects their bank (an Open Banking feed rendered
by the synthetic bank, minimised at the door); the lender asks for a decision (and retries
with the same Idempotency-Key); the person reads the explanation and the recourse, then
withdraws the share; the lender is refused; a regulator queries DP statistics until the
privacy budget refuses. The demo spends sandbox privacy budget.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from consent import (
    AnalystScope,
    LenderScope,
    Role,
    ensure_analyst,
    ensure_lender,
    issue_analyst_key,
    issue_lender_key,
)
from scoring.contract import put_facts
from scoring.ingest.banks import Shape
from store import Subject
from synthetic import bank_statement, render_feed

from ..web.keys import vault
from ..web.outbox import link_secret_for
from ..web.sessions import session_factory

#: A thin file: cash-flow, income, rent and bills, no credit bureau record.
THIN_FILE = {
    "rent_on_time_12m": 10,
    "utility_late_months_12m": 2,
    "telecom_late_months_12m": 1,
    "income_regular_months_12m": 9,
    "median_net_inflow": 120.0,
    "avg_eom_balance": 450.0,
    "negative_balance_months_12m": 2,
    "savings_balance": 300.0,
    "debt_service_ratio": 0.35,
    "history_months": 14,
    "bureau_open_tradelines": None,
    "bureau_utilisation": None,
    "bureau_delinquencies_24m": None,
    "bureau_inquiries_6m": None,
}
CATEGORIES = ["rent", "utilities", "telecom", "bank_cashflow", "income"]


class Walk:
    """Sends requests to the server and narrates each one."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def step(self, text: str) -> None:
        """Say what happens next."""
        click.secho(f"\n== {text}", bold=True)

    def call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Send one request; print it and the answer's status; return status and JSON."""
        sent = {"Accept": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token[:12]}..."
        shown = " ".join(f"-H '{k}: {v}'" for k, v in sent.items() if k != "Accept")
        click.echo(f"-> {method} {path} {shown} {json.dumps(body) if body else ''}".rstrip())
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 - the operator names the server
            self.base + path, data=data, method=method, headers=sent
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        payload: dict[str, Any] = json.loads(raw) if raw else {}
        title = payload.get("title") if status >= 400 else ""
        click.echo(f"<- {status} {title or ''}".rstrip())
        return status, payload

    def say(self, text: str) -> None:
        """Summarise an answer."""
        click.echo(f"   {text}")


def _operator_setup() -> tuple[str, str, str]:
    with session_factory()() as session, session.begin():
        lender = ensure_lender(session, name="Demo Bank", lender_id="demo-bank")
        _row, key = issue_lender_key(session, lender_id=lender.id, scopes=list(LenderScope))
        ensure_analyst(
            session, name="Demo Regulator", role=Role.REGULATOR, analyst_id="demo-regulator"
        )
        _row2, regulator = issue_analyst_key(
            session, analyst_id="demo-regulator", scopes=list(AnalystScope)
        )
        person = Subject(origin="synthetic")
        session.add(person)
        session.flush()
        put_facts(session, vault=vault(), subject_id=person.id, facts=THIN_FILE)
    return key, regulator, person.id


def _link_secret(subject_id: str) -> str:
    secret = link_secret_for(subject_id)
    if secret is None:
        raise click.ClickException(
            f"no sign-in link for {subject_id} in {Path(current_app.instance_path) / 'outbox'}: "
            "is the server using this instance?"
        )
    return secret


@click.command("demo")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@click.option("--max-queries", default=30, show_default=True, help="Statistics to try.")
@with_appcontext
def demo(base_url: str, max_queries: int) -> None:
    """Walk through the sandbox over HTTP against a running server, narrating each step."""
    walk = Walk(base_url)
    walk.step("Operator: keys for Demo Bank and a regulator, and a synthetic thin-file person")
    key, regulator, person = _operator_setup()
    walk.say(f"lender demo-bank, key {key[:12]}... ; person {person} (no bureau file)")

    walk.step("The person signs in (the sandbox delivers the link to the outbox)")
    walk.call("POST", "/v1/sign-in-links", body={"subject_id": person})
    _status, token_out = walk.call("POST", "/v1/tokens", body={"link_secret": _link_secret(person)})
    token = str(token_out["token"])

    walk.step("The person reads the notices, enrols, and grants scoring and a share")
    _status, notices = walk.call("GET", "/v1/notices")
    version = notices["enrolment"]["version"]
    base = f"/v1/subjects/{person}"
    walk.call("POST", f"{base}/enrolment", body={"notice_version": version}, token=token)
    for purpose, categories in (("scoring", CATEGORIES), ("share:demo-bank", CATEGORIES)):
        grant = {"purpose": purpose, "categories": categories, "notice_version": version}
        status, change = walk.call("POST", f"{base}/consents", body=grant, token=token)
        if status == 201:
            walk.say(f"{purpose}: active until {change['consent']['expires_at'][:10]}")
    share_id = change["consent"]["id"]

    walk.step("The person connects their bank: an Open Banking feed full of merchant detail")
    feed = render_feed(bank_statement(person), Shape.OPEN_BANKING, seed=1)
    status, connected = walk.call(
        "POST", f"{base}/bank-data", body={"openBanking": feed}, token=token
    )
    if status == 201:
        report = connected["report"]
        kept = sum(report["kept"].values())
        dropped = sum(report["dropped_fields"].values())
        walk.say(
            f"kept {kept} transactions as day, amount, direction and kind; threw away "
            f"{dropped} values of {len(report['dropped_fields'])} fields (merchants, "
            "descriptions, card details, times of day...)"
        )

    walk.step("Demo Bank asks for a decision, then retries with the same Idempotency-Key")
    ask = f"/v1/lender/subjects/{person}/decisions"
    once = {"Idempotency-Key": f"demo-{person[:8]}"}
    status, decision = walk.call("POST", ask, body={"cut_off": 550}, token=key, headers=once)
    if status != 201:
        raise click.ClickException(f"the decision failed: {decision}")
    walk.say(f"decision {decision['decision']}, score {decision['score']} (cut-off 550)")
    _status, again = walk.call("POST", ask, body={"cut_off": 550}, token=key, headers=once)
    walk.say(f"the same decision, not a second one: {again.get('id') == decision['id']}")

    walk.step("The person reads the explanation and the recourse")
    _status, own = walk.call("GET", f"{base}/decisions/{decision['id']}", token=token)
    document = own["explanation"]["document"]
    for reason in document.get("reasons", [])[:2]:
        walk.say(f"reason {reason['rank']}: {reason['text']}")
    recourse = document.get("recourse") or {}
    walk.say(f"recourse: {recourse.get('statement', 'none (no score)')}")

    walk.step("The person withdraws the share; the lender is refused at once")
    walk.call("DELETE", f"{base}/consents/{share_id}", token=token)
    status, _refused = walk.call("GET", f"{ask}/{decision['id']}", token=key)
    walk.say(f"Demo Bank now gets {status}: it cannot tell whether the person exists")

    walk.step("A regulator queries DP statistics until the privacy budget refuses")
    for i in range(max_queries):
        query = {
            "statistic": "default_rate",
            "group_by": ["thin_file"],
            "rho": f"0.{25 + i}",
        }
        status, answer = walk.call("POST", "/v1/statistics", body=query, token=regulator)
        if status == 409:
            walk.say(
                f"refused: requested {answer.get('requested')}, left {answer.get('remaining')}"
            )
            break
        if status >= 400:
            raise click.ClickException(f"the statistic failed: {answer}")
        rates = ", ".join(
            f"{c['key']['thin_file']}: {c['value']:.3f}" for c in answer.get("cells", [])
        )
        walk.say(f"default rate by thin file ({rates}); remaining rho {answer['remaining']['rho']}")
    click.secho("\nDone.", bold=True)

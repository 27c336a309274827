"""Helpers for the statistics tests: analysts (regulator, auditor, researcher) with keys."""

from __future__ import annotations

from consent.analysts import AnalystScope, ensure_analyst, issue_analyst_key
from scoring.contract.models import put_facts
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from tests.consent_fixtures import add_person, grant

#: Every data category: statistics people share them all.
ALL = ("rent", "utilities", "telecom", "bank_cashflow", "income", "bureau")


def analyst_headers(
    app, analyst_id: str = "lab", *, role: str = "researcher", scopes=tuple(AnalystScope)
) -> dict[str, str]:
    """Make an analyst (if new) and a key for it; return the headers that carry the key."""
    with session_factory(app)() as s, s.begin():
        ensure_analyst(s, name=analyst_id.title(), role=role, analyst_id=analyst_id)
        _row, text = issue_analyst_key(s, analyst_id=analyst_id, scopes=scopes)
    return {"Authorization": f"Bearer {text}"}


def analyst_client(app, analyst_id: str = "lab", **kw):
    """A test client whose every request carries a new key of analyst ``analyst_id``."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = analyst_headers(app, analyst_id, **kw)[
        "Authorization"
    ]
    return client


def statistics_people(app, session, facts) -> list[str]:
    """A person for each of ``facts``, who granted ``statistics`` over every category."""
    people = []
    for fact in facts:
        subject_id = add_person(session)
        put_facts(session, vault=vault(app), subject_id=subject_id, facts=fact)
        grant(session, consent_keys(app), subject_id, purpose="statistics", categories=ALL)
        people.append(subject_id)
    session.commit()
    return people

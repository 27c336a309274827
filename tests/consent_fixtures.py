"""Helpers for consent tests: people, lenders, grants, signed-in clients."""

from __future__ import annotations

import datetime as dt

from consent import lifecycle, signin
from consent.models import Lender
from consent.purposes import ENROLMENT_NOTICE, NOTICES, Purpose
from store import Subject


def add_person(session, *, enrol: bool = True) -> str:
    person = Subject(origin="synthetic")
    session.add(person)
    session.flush()
    if enrol:
        lifecycle.enrol(
            session, subject_id=person.id, notice_version=ENROLMENT_NOTICE.version, channel="api"
        )
    return person.id


def add_lender(session, lender_id: str = "acme-bank", name: str = "Acme Bank") -> str:
    session.add(Lender(id=lender_id, name=name))
    session.flush()
    return lender_id


def grant(session, keys, subject_id, purpose="scoring", categories=("rent", "income"), **kw):
    parsed = Purpose.parse(purpose)
    return lifecycle.grant(
        session,
        keys=keys,
        subject_id=subject_id,
        purpose=parsed,
        categories=categories,
        notice_version=NOTICES[parsed.kind].version,
        channel="api",
        **kw,
    )


def signed_in_headers(app, subject_id: str) -> dict[str, str]:
    from service.web.sessions import session_factory

    with session_factory(app)() as s, s.begin():
        token = signin.issue_token(s, subject_id=subject_id)
    return {"Authorization": f"Bearer {token}"}


def ago(days: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)

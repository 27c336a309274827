"""Give the first N seeded people an enrolment, a scoring consent and a token (bench setup).

Run as ``python -m bench._http_people N`` with the instance's ``FAIRFILE_*`` environment;
prints ``[[subject_id, token], ...]`` as JSON on its last line.
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import select

from consent import lifecycle, signin
from consent.gate import covered
from consent.models import Enrolment
from consent.purposes import ENROLMENT_NOTICE, NOTICES, Purpose, PurposeKind
from scoring.contract import SubjectFacts
from service import create_app
from service.web.keys import consent_keys
from service.web.sessions import session_factory

ALL = ["rent", "utilities", "telecom", "bank_cashflow", "income", "bureau"]


def main(count: int) -> None:
    app = create_app()
    scoring = Purpose.parse("scoring")
    people = []
    with app.app_context(), session_factory(app)() as s, s.begin():
        ids = s.scalars(
            select(SubjectFacts.subject_id).order_by(SubjectFacts.subject_id).limit(count)
        ).all()
        for sid in ids:
            if s.get(Enrolment, sid) is None:
                lifecycle.enrol(
                    s, subject_id=sid, notice_version=ENROLMENT_NOTICE.version, channel="api"
                )
            if not covered(s, subject_id=sid, purpose=scoring):
                lifecycle.grant(
                    s,
                    keys=consent_keys(app),
                    subject_id=sid,
                    purpose=scoring,
                    categories=ALL,
                    notice_version=NOTICES[PurposeKind.SCORING].version,
                    channel="api",
                )
            people.append((sid, signin.issue_token(s, subject_id=sid)))
    print(json.dumps(people))


if __name__ == "__main__":
    main(int(sys.argv[1]))

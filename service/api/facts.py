"""What a purpose may read about a person: their facts, through the consent gate.

``GET /v1/subjects/<id>/facts?purpose=scoring`` answers "what does scoring see about me?":
only the facts whose data category an active consent for that purpose covers, each with
the consent id that allows it; the other categories are listed as withheld. The read is
written to the transparency log like any other. Each fact says whether it is ``disputed``
(an open dispute, ``service/api/rights.py``): new scores leave a disputed fact out.
"""

from __future__ import annotations

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from consent import ConsentMissing, ConsentNotFound, DataCategory, Purpose, gate
from scoring.contract import CONTRACT, SubjectFacts, get_facts
from scoring.workflow import disputed_features

from ..web.auth import gated
from ..web.keys import consent_keys, vault
from ..web.sessions import db
from .schemas.facts import FactOut, FactsOut, FactsPath, FactsQuery

bp = APIBlueprint(
    "facts",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="facts", description="A person's derived financial facts")],
    abp_security=[{"bearer": []}],
)


@bp.get("/subjects/<subject_id>/facts", responses={200: FactsOut})
@gated(example_query={"purpose": "scoring"})
def read_facts(path: FactsPath, query: FactsQuery) -> Response:
    """The facts the purpose may use, each with the consent that allows it."""
    purpose = Purpose.parse(query.purpose)
    session = db()
    if session.get(SubjectFacts, path.subject_id) is None:
        raise ConsentNotFound("no facts are held about this person yet")
    held = {f.category for f in CONTRACT}
    allowed = gate.covered(session, subject_id=path.subject_id, purpose=purpose) & held
    if not allowed:
        raise ConsentMissing(subject_purpose=str(purpose), missing=sorted(c.value for c in held))
    authorization = gate.authorize(
        session,
        keys=consent_keys(),
        actor="subject",
        subject_id=path.subject_id,
        purpose=purpose,
        categories=allowed,
        what="facts",
    )
    consent_id = authorization.consent_ids[0]
    # Opened only after the gate allowed the read.
    values = get_facts(session, vault=vault(), subject_id=path.subject_id) or {}
    disputed = disputed_features(session, path.subject_id)
    facts = [
        FactOut(
            name=f.name,
            value=values.get(f.name),
            unit=f.unit,
            category=f.category,
            consent_id=consent_id,
            disputed=f.name in disputed,
        )
        for f in CONTRACT
        if f.category in allowed
    ]
    withheld = sorted(set(DataCategory) - allowed, key=lambda c: c.value)
    out = FactsOut(purpose=str(purpose), facts=facts, withheld_categories=withheld)
    return jsonify(out.model_dump(mode="json"))

"""A person's rights over their data: access and portability (export), and rectification.

- ``GET /v1/subjects/<id>/export`` downloads everything held about the person as one JSON
  document (``service.api.export``); ``GET /v1/subjects/<id>/export.html`` renders the same
  document as a readable page. Both are the person's right of access, not a processing
  purpose, so they are self-service, not gated. Each export is written to the transparency
  log (actor ``subject``, purpose ``subject-access``) before it is handed out.
- ``POST /v1/subjects/<id>/disputes`` disputes one fact with a statement; the fact is
  flagged and left out of new scores until a reviewer resolves the dispute
  (``fairfile disputes resolve``). ``GET`` lists the person's disputes.

Erasure is in ``service/api/erasure.py``.
"""

from __future__ import annotations

import json

from flask import Response, jsonify, render_template
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from scoring.workflow import disputes_of, open_dispute

from ..web.auth import self_service
from ..web.keys import vault
from ..web.openapi import HTML_PAGE
from ..web.sessions import db
from ..web.types import SubjectPath
from .export import SECTIONS, dispute_out, exported
from .schemas.rights import (
    DisputeCreated,
    DisputeIn,
    DisputeOut,
    DisputesOut,
    ExportOut,
)

bp = APIBlueprint(
    "rights",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="rights", description="Access, portability and rectification")],
    abp_security=[{"bearer": []}],
)


def _private(response: Response, filename: str | None = None) -> Response:
    response.headers["Cache-Control"] = "no-store"
    if filename is not None:
        response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


@bp.get("/subjects/<subject_id>/export", responses={200: ExportOut})
@self_service
def export(path: SubjectPath) -> Response:
    """Everything held about you, as one JSON document (a download).

    The sections are described in the document's own `contents` and in
    docs/data-rights.md; `not_held` lists what Fairfile does not hold. The export itself is
    written to your access log.
    """
    document = exported(path.subject_id, "export")
    body = json.dumps(document, indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    day = document["generated_at"][:10]
    return _private(response, f"fairfile-export-{day}.json")


@bp.get("/subjects/<subject_id>/export.html", responses={200: HTML_PAGE})
@self_service
def export_html(path: SubjectPath) -> Response:
    """The same export as a readable page."""
    document = exported(path.subject_id, "export.html")
    page = render_template("export.html", document=document, sections=SECTIONS)
    return _private(Response(page, mimetype="text/html"))


@bp.post("/subjects/<subject_id>/disputes", responses={201: DisputeCreated})
@self_service
def dispute(path: SubjectPath, body: DisputeIn) -> tuple[Response, int]:
    """Dispute a fact: it is flagged, and left out of new scores until resolved."""
    session = db()
    opened = open_dispute(
        session,
        vault=vault(),
        subject_id=path.subject_id,
        feature=body.feature,
        statement=body.statement,
    )
    out = DisputeCreated(dispute=DisputeOut.model_validate(dispute_out(session, vault(), opened)))
    return jsonify(out.model_dump(mode="json")), 201


@bp.get("/subjects/<subject_id>/disputes", responses={200: DisputesOut})
@self_service
def list_disputes(path: SubjectPath) -> Response:
    """Every dispute you opened, oldest first, with its state and the reviewer's reason."""
    session = db()
    found = disputes_of(session, path.subject_id)
    out = DisputesOut(
        disputes=[DisputeOut.model_validate(dispute_out(session, vault(), d)) for d in found]
    )
    return jsonify(out.model_dump(mode="json"))

"""Erasure of a person's account: one call, a plain statement of what remains."""

from __future__ import annotations

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from consent import erase

from ..web.auth import self_service
from ..web.keys import consent_keys, vault
from ..web.sessions import db
from ..web.types import SubjectPath
from .erased import KEPT_WHY, after_erasure
from .schemas.erasure import DestroyedOut, ErasureOut, KeptOut

bp = APIBlueprint(
    "erasure",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="rights", description="A person's data rights")],
    abp_security=[{"bearer": []}],
)


@bp.delete("/subjects/<subject_id>", responses={200: ErasureOut})
@self_service
def erase_me(path: SubjectPath) -> Response:
    """Erase my account: destroy my data key and every row about me, keep the evidence."""
    statement = erase(db(), keys=consent_keys(), vault=vault(), subject_id=path.subject_id)
    out = ErasureOut(
        erased_at=statement.erased_at.isoformat(),
        destroyed=DestroyedOut(
            data_key="destroyed: every value sealed under it is now unreadable, backups included",
            rows=statement.destroyed,
        ),
        kept=[
            KeptOut(
                what="transparency-log entries about you",
                count=statement.kept_log_entries + 1,
                under_pseudonym=statement.pseudonym,
                why=KEPT_WHY,
            )
        ],
        future_use="You are in no later training run, statistic, score or lender share.",
    )
    return after_erasure(jsonify(out.model_dump(mode="json")), path.subject_id)

"""The public side of the transparency log: signed tree heads, proofs, and the public keys.

Anyone may audit: these endpoints need no sign-in and reveal only hashes and signed heads,
never an entry's content (a person reads the entries about them at
``/v1/subjects/<id>/access-log``).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from consent import transparency

from ..web.keys import consent_keys
from ..web.sessions import db, session_factory
from .schemas.consents import ConsistencyQuery, EntryPath, TreeSizePath, TreeSizeQuery
from .schemas.logs import ConsistencyProofOut, InclusionProofOut, SignedEnvelope

bp = APIBlueprint(
    "transparency",
    __name__,
    url_prefix="/v1/log",
    abp_tags=[Tag(name="transparency", description="The tamper-evident log, for auditors")],
)
well_known = Blueprint("well_known", __name__, url_prefix="/.well-known")


def _sequence() -> dict[str, object]:
    # Sequencing writes (positions, a new head) in a transaction of its own, committed
    # here even though the request is a GET: a head, once signed, is part of history.
    with session_factory()() as session, session.begin():
        return transparency.sequence(session, keyring=consent_keys().keyring)


@bp.get("/tree-head", responses={200: SignedEnvelope})
def tree_head() -> Response:
    """The newest signed tree head (RFC 9162 style), after sequencing waiting entries."""
    return jsonify(SignedEnvelope.model_validate(_sequence()).model_dump(mode="json"))


@bp.get("/tree-heads/<int:tree_size>", responses={200: SignedEnvelope})
def tree_head_at(path: TreeSizePath) -> Response:
    """A signed tree head of an earlier size."""
    head = transparency.head_at(db(), path.tree_size)
    return jsonify(SignedEnvelope.model_validate(head).model_dump(mode="json"))


@bp.get("/entries/<int:entry_id>/inclusion-proof", responses={200: InclusionProofOut})
def inclusion_proof(path: EntryPath, query: TreeSizeQuery) -> Response:
    """The audit path of an entry (a receipt's ``log_entry_id``) in a signed tree."""
    _sequence()
    proof = transparency.inclusion(db(), entry_id=path.entry_id, tree_size=query.tree_size)
    return jsonify(InclusionProofOut.model_validate(proof).model_dump(mode="json"))


@bp.get("/consistency-proof", responses={200: ConsistencyProofOut})
def consistency_proof(query: ConsistencyQuery) -> Response:
    """A proof that the tree of size ``first`` is a prefix of the tree of size ``second``."""
    proof = transparency.consistency(db(), first=query.first, second=query.second)
    return jsonify(ConsistencyProofOut.model_validate(proof).model_dump(mode="json"))


@well_known.get("/jwks.json")
def jwks() -> Response:
    """The public keys that sign receipts, tree heads and explanations (JWKS, RFC 7517)."""
    return jsonify(consent_keys().keyring.jwks())

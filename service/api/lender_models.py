"""A lender's own models, under ``/v1/lender/models``, with a ``models:train`` key.

- ``POST /v1/lender/models``: train a DP scorecard on the lender's own historical file
  (CSV text, or Parquet in base64) with its TOML mapping (``docs/own-data.md``). The
  file is checked whole first; the charge, the training and the stored version are one
  transaction, committed at the request's edge only if everything succeeded (201).
- ``GET /v1/lender/models`` and ``GET /v1/lender/models/<version>``: this lender's own
  models and their cards. Another lender's model answers 404, as does none at all.
- ``POST /v1/lender/models/<version>/explanations``: score one record with the model and
  return its signed explanation (points, reasons, proven recourse).

A lender's model is never the active model: it scores only the records this lender
sends. The body size is bounded by the app's request limit (413 above it).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from consent import LenderScope
from dp import own_version, own_versions
from dp.own_data import train_from_file
from scoring import DirtyFile, RowProblem
from scoring.card import Scorecard
from scoring.contract import refuse_prohibited
from scoring.own_data import (
    check_file,
    check_records,
    explain_record,
    frame_from_bytes,
    parse_mapping,
    record_frame,
)
from store import utcnow

from ..web.auth import calling_lender, lender
from ..web.config import budget
from ..web.keys import consent_keys
from ..web.sessions import db
from .schemas.lender_models import (
    ExplainIn,
    ModelOut,
    ModelsOut,
    TrainIn,
    VersionPath,
)
from .schemas.logs import SignedEnvelope

bp = APIBlueprint(
    "lender_models",
    __name__,
    url_prefix="/v1/lender/models",
    abp_tags=[Tag(name="lender", description="The lender's side: decisions, reviews, statistics")],
    abp_security=[{"lenderKey": []}],
)


def _shown(row: Any) -> dict[str, Any]:
    return ModelOut(
        version=row.version,
        created_at=row.created_at.isoformat(),
        lender_id=row.lender_id,
        card=row.card,
    ).model_dump(mode="json")


def _file_bytes(body: TrainIn) -> bytes:
    if body.format == "csv":
        return body.data.encode()
    try:
        return base64.b64decode(body.data, validate=True)
    except (binascii.Error, ValueError):
        raise DirtyFile((RowProblem(None, "*", "data is not valid base64"),)) from None


@bp.post("", responses={201: ModelOut})
@lender(LenderScope.MODELS_TRAIN)
def train(body: TrainIn) -> tuple[Response, int]:
    """Train a DP scorecard on your own file (201); refused whole if anything is wrong."""
    lender_id = calling_lender().lender_id
    mapping = parse_mapping(body.mapping)
    labelled = check_file(
        frame_from_bytes(_file_bytes(body), "csv" if body.format == "csv" else "parquet"),
        mapping,
    )
    limit, delta = budget()
    own = train_from_file(
        db(),
        labelled=labelled,
        mapping=mapping,
        epsilon=body.epsilon,
        audit_epsilon=body.audit_epsilon if mapping.audit else None,
        budget=limit,
        delta=delta,
        actor=f"lender:{lender_id}",
        lender_id=lender_id,
        source=body.source,
        cut_off=body.cut_off,
    )
    response = jsonify(_shown(own.version))
    response.headers["Location"] = f"{bp.url_prefix}/{own.version.version}"
    return response, 201


@bp.get("", responses={200: ModelsOut})
@lender(LenderScope.MODELS_TRAIN)
def list_models() -> Response:
    """Your own models and their cards."""
    rows = own_versions(db(), lender_id=calling_lender().lender_id)
    return jsonify(models=[_shown(row) for row in rows])


@bp.get("/<version>", responses={200: ModelOut})
@lender(LenderScope.MODELS_TRAIN)
def read_model(path: VersionPath) -> Response:
    """One of your models and its card (404 for any other)."""
    row = own_version(db(), version=path.version, lender_id=calling_lender().lender_id)
    return jsonify(_shown(row))


@bp.post("/<version>/explanations", responses={200: SignedEnvelope})
@lender(LenderScope.MODELS_TRAIN)
def explain(path: VersionPath, body: ExplainIn) -> Response:
    """Score one record with your model and return its signed explanation."""
    lender_id = calling_lender().lender_id
    row = own_version(db(), version=path.version, lender_id=lender_id)
    card = Scorecard.from_model(version=row.version, points=row.points)
    refuse_prohibited(body.record, allowed=[t.feature.name for t in card.features])
    records = check_records(record_frame(body.record), [t.feature for t in card.features])
    facts = {name: float(column[0]) for name, column in records.values.items()}
    document = explain_record(
        card=card,
        model_card=row.card,
        facts=facts,
        cut_off=body.cut_off if body.cut_off is not None else int(row.card["cut_off"]),
        issued_at=utcnow(),
        lender=lender_id,
        record="the record sent",
    )
    envelope = consent_keys().keyring.sign(document)
    return jsonify(SignedEnvelope.model_validate(envelope).model_dump(mode="json"))

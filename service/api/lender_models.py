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
from typing import Any, Literal

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, Field, StrictInt

from consent.lenders import Scope
from dp.own_data import DEFAULT_CUT_OFF, MIN_EPSILON, train_from_file
from dp.versions import own_version, own_versions
from scoring.card.scorecard import Scorecard
from scoring.contract.prohibited import refuse_prohibited
from scoring.errors import DirtyFile, RowProblem
from scoring.own_data.history_file import check_file, check_records, frame_from_bytes, record_frame
from scoring.own_data.mapping import parse_mapping
from scoring.own_data.record_explain import explain_record
from store import utcnow

from ..web.auth import calling_lender, lender
from ..web.config import budget
from ..web.keys import consent_keys
from ..web.sessions import db
from ..web.types import Strict
from .schemas.logs import SignedEnvelope

bp = APIBlueprint(
    "lender_models",
    __name__,
    url_prefix="/v1/lender/models",
    abp_tags=[Tag(name="lender", description="The lender's side: decisions, reviews, statistics")],
    abp_security=[{"lenderKey": []}],
)

#: The largest file and mapping a request may carry (the request limit applies too).
MAX_DATA_CHARS = 4_000_000
MAX_MAPPING_CHARS = 64_000
Cell = str | float | int | bool | None


class TrainIn(Strict):
    """Your historical file, its mapping and the privacy loss to spend on it."""

    data: str = Field(
        min_length=1,
        max_length=MAX_DATA_CHARS,
        description="The file: CSV text with a header row, or Parquet bytes in base64.",
    )
    format: Literal["csv", "parquet-base64"] = "csv"
    mapping: str = Field(
        min_length=1, max_length=MAX_MAPPING_CHARS, description="The TOML mapping (its text)."
    )
    epsilon: float = Field(ge=MIN_EPSILON, le=20, description="pure DP epsilon of the training")
    audit_epsilon: float = Field(
        default=0.5, ge=MIN_EPSILON, le=20, description="epsilon of the DP fairness report"
    )
    cut_off: StrictInt = Field(
        default=DEFAULT_CUT_OFF, ge=0, le=2_000, description="the cut-off the report counts at"
    )
    source: str = Field(
        default="uploaded file", min_length=1, max_length=100, description="a name for the file"
    )


class VersionPath(Strict):
    """One of your models."""

    version: int = Field(ge=1, le=2_147_483_647)


class ExplainIn(Strict):
    """One record to score: a value per feature of the model; other fields are not read."""

    record: dict[str, Cell] = Field(max_length=200)
    cut_off: StrictInt | None = Field(
        default=None, ge=0, le=2_000, description="default: the card's"
    )


class ModelOut(BaseModel):
    """One of your models: its version, when it was made, and its model card."""

    version: int
    created_at: str
    lender_id: str
    card: dict[str, Any]


class ModelsOut(BaseModel):
    """Your models, oldest first."""

    models: list[ModelOut]


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
@lender(Scope.MODELS_TRAIN)
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
@lender(Scope.MODELS_TRAIN)
def list_models() -> Response:
    """Your own models and their cards."""
    rows = own_versions(db(), lender_id=calling_lender().lender_id)
    return jsonify(models=[_shown(row) for row in rows])


@bp.get("/<version>", responses={200: ModelOut})
@lender(Scope.MODELS_TRAIN)
def read_model(path: VersionPath) -> Response:
    """One of your models and its card (404 for any other)."""
    row = own_version(db(), version=path.version, lender_id=calling_lender().lender_id)
    return jsonify(_shown(row))


@bp.post("/<version>/explanations", responses={200: SignedEnvelope})
@lender(Scope.MODELS_TRAIN)
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

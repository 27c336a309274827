"""The platform's model versions and their cards, for analysts (``models:read``).

``GET /v1/models`` lists every version trained on the feature contract (oldest first) and
``GET /v1/models/<version>`` shows one: when it was made, whether it is in force, the
release that paid for its training, and its model card (method, noise, shaping, the
direction and sharing checks, the synthetic holdout's AUC and calibration). A card holds
no exact count of the people it was trained on: only the noisy training size. Lenders'
own-data models are theirs alone (``/v1/lender/models``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from sqlalchemy import select

from consent import AnalystScope
from dp import ModelNotFound, ModelVersion

from ..web.auth import analyst
from ..web.sessions import db
from .schemas.models import ModelVersionPath, PlatformModelOut, PlatformModelsOut

bp = APIBlueprint(
    "models",
    __name__,
    url_prefix="/v1/models",
    abp_tags=[Tag(name="models", description="The platform's model versions, for analysts")],
    abp_security=[{"analystKey": []}],
)


def _contract_versions() -> Any:
    return select(ModelVersion).where(ModelVersion.source == "contract")


def _shown(row: ModelVersion) -> dict[str, Any]:
    return PlatformModelOut(
        version=row.version,
        created_at=row.created_at.isoformat(),
        active=row.active,
        release_id=row.release_id,
        card=row.card,
    ).model_dump(mode="json")


@bp.get("", responses={200: PlatformModelsOut})
@analyst(AnalystScope.MODELS_READ)
def list_models() -> Response:
    """Every model version of the platform and its card, oldest first."""
    rows = db().scalars(_contract_versions().order_by(ModelVersion.version))
    return jsonify(models=[_shown(row) for row in rows])


@bp.get("/<version>", responses={200: PlatformModelOut})
@analyst(AnalystScope.MODELS_READ)
def read_model(path: ModelVersionPath) -> Response:
    """One model version of the platform and its card (404 for none)."""
    row = db().scalars(_contract_versions().where(ModelVersion.version == path.version)).first()
    if row is None:
        raise ModelNotFound(f"no model version {path.version}")
    return jsonify(_shown(row))

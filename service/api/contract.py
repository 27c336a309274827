"""The public feature contract, and a check of facts against it.

``GET /v1/contract`` lists every model input and everything prohibited, with reasons, so a
lender's developer can see exactly what Fairfile may use. ``POST /v1/contract/check``
validates a set of facts: a prohibited, unknown, mistyped or out-of-range field is a 422
``contract-violation`` problem naming each one (see ``service.web.errors``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from scoring import CONTRACT, FEATURES, PROHIBITED, check_facts

from .schemas.contract import (
    CheckedFact,
    CheckOut,
    ContractOut,
    FactsCheck,
    FeatureOut,
    ProhibitionOut,
)

bp = APIBlueprint(
    "contract",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="contract", description="The financial-only feature contract")],
)


def _contract() -> dict[str, Any]:
    features = [
        FeatureOut(
            name=f.name,
            description=f.description,
            kind=f.kind,
            unit=f.unit,
            lower=f.lower,
            upper=f.upper,
            category=f.category.value,
            actionable=f.actionable,
            direction=f.direction.value,
            bins=list(f.bins),
            nullable=f.nullable,
            missing_means=f.missing_means,
        )
        for f in CONTRACT
    ]
    prohibited = [
        ProhibitionOut(
            key=p.key,
            category=p.category.value,
            reason=p.reason,
            names=sorted(p.terms | p.stems),
        )
        for p in PROHIBITED
    ]
    return ContractOut(features=features, prohibited=prohibited).model_dump(mode="json")


@bp.get("/contract", responses={200: ContractOut})
def get_contract() -> Response:
    """Every model input (range, unit, data category, bins) and everything prohibited."""
    response = jsonify(_contract())
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.post("/contract/check", responses={200: CheckOut})
def check_contract(body: FactsCheck) -> Response:
    """Check facts against the contract; refuse prohibited, unknown or out-of-range ones."""
    facts = check_facts(body.facts)
    checked = [
        CheckedFact(
            name=name,
            value=value,
            unit=FEATURES[name].unit,
            category=FEATURES[name].category.value,
        )
        for name, value in facts.items()
    ]
    categories = sorted({FEATURES[name].category.value for name in facts})
    return jsonify(CheckOut(facts=checked, categories=categories).model_dump(mode="json"))

"""The lender's own models over the API: models:train, 404 for others, problem+json refusals."""

from __future__ import annotations

import base64
import io

import pytest
from sqlalchemy import func, select

from consent.lenders import LenderScope
from dp.models import ModelVersion, Release
from service.web.keys import consent_keys
from service.web.sessions import session_factory
from store.signing import verify_envelope
from synthetic.credit_file import AUDIT_ONLY, MAPPING, dirty_copy, generate_credit_file
from tests.conftest import make_test_app
from tests.lender_fixtures import add_key

URL = "/v1/lender/models"
ROOMY = {"rate_limit_lender": "1000000/minute", "max_content_length": 8_000_000}


@pytest.fixture
def app(tmp_path, sessions):
    return make_test_app(tmp_path, engine=sessions, **ROOMY)


@pytest.fixture
def keys(app):
    return {
        "a": {"Authorization": f"Bearer {add_key(app, 'lender-a')}"},
        "b": {"Authorization": f"Bearer {add_key(app, 'lender-b')}"},
        "no_scope": {
            "Authorization": f"Bearer {add_key(app, 'lender-c', scopes=[LenderScope.STATS_QUERY])}"
        },
    }


@pytest.fixture(scope="module")
def csv_text():
    return generate_credit_file(1_000, seed=4).write_csv()


def _counts(app):
    with session_factory(app)() as s:
        return (
            s.scalar(select(func.count()).select_from(ModelVersion)),
            s.scalar(select(func.count()).select_from(Release)),
        )


def _applicant() -> dict:
    """A record to score: the file's columns without the audit-only (protected) ones."""
    return generate_credit_file(1, seed=99, outcome=False).drop(AUDIT_ONLY).to_dicts()[0]


def _train(client, headers, **body):
    return client.post(URL, json={"epsilon": 1.0, "mapping": MAPPING, **body}, headers=headers)


def test_a_lender_trains_reads_and_explains_its_own_model(app, client, keys, csv_text):
    made = _train(client, keys["a"], data=csv_text, source="credit.csv")
    assert made.status_code == 201, made.json
    version = made.json["version"]
    assert made.headers["Location"] == f"{URL}/{version}"
    card = made.json["card"]
    assert card["lender"] == "lender-a"
    assert card["audit_only"] == ["personal_status", "age", "foreign_worker"]
    assert 0.5 < card["holdout"]["auc"] < 1
    assert card["kfold"]["folds"] == 5
    assert [m["version"] for m in client.get(URL, headers=keys["a"]).json["models"]] == [version]
    assert client.get(URL, headers=keys["b"]).json["models"] == []
    record = _applicant()
    answer = client.post(
        f"{URL}/{version}/explanations", json={"record": record}, headers=keys["a"]
    )
    assert answer.status_code == 200, answer.json
    document = verify_envelope(answer.json, consent_keys(app).keyring.public_keys())
    assert document["model_version"] == version
    assert document["lender"] == "lender-a"
    assert {line["feature"] for line in document["points"]["features"]} == set(card["features"])
    assert document["recourse"]["exists"] in {True, False}


def test_another_lenders_model_is_not_found(client, keys, csv_text):
    version = _train(client, keys["a"], data=csv_text).json["version"]
    for url, method in (
        (f"{URL}/{version}", "get"),
        (f"{URL}/{version}/explanations", "post"),
        (f"{URL}/{version + 1000}", "get"),
    ):
        kw = {"json": {"record": {}}} if method == "post" else {}
        response = getattr(client, method)(url, headers=keys["b"], **kw)
        assert response.status_code == 404, (url, response.json)
        assert response.mimetype == "application/problem+json"


def test_parquet_in_base64_trains_too(client, keys):
    buffer = io.BytesIO()
    generate_credit_file(800, seed=5).write_parquet(buffer)
    data = base64.b64encode(buffer.getvalue()).decode()
    made = _train(client, keys["a"], data=data, format="parquet-base64")
    assert made.status_code == 201, made.json


def test_a_dirty_file_is_refused_row_by_row_and_nothing_is_stored(app, client, keys):
    before = _counts(app)
    dirty = dirty_copy(generate_credit_file(1_000, seed=4)).write_csv()
    refused = _train(client, keys["a"], data=dirty)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.json["type"].endswith("/problems/dirty-file")
    assert [(p["row"], p["column"]) for p in refused.json["problems"]] == [
        (3, "duration_months"),
        (5, "credit_amount"),
        (8, "savings"),
        (13, "credit_risk"),
    ]
    assert "offshore" not in refused.text
    assert _counts(app) == before


def test_a_prohibited_feature_is_refused_naming_it(app, client, keys, csv_text):
    mapping = MAPPING.replace(
        '[columns.age]\nuse = "audit_only"\nrange = [18, 100]\nbins = [25, 35, 50]',
        '[columns.age]\nuse = "feature"\ntype = "numeric"\nrange = [18, 100]\n'
        'bins = [25, 35, 50]\ncategory = "income"\ndirection = "lowers_risk"',
    )
    assert mapping != MAPPING
    before = _counts(app)
    refused = _train(client, keys["a"], data=csv_text, mapping=mapping)
    assert refused.status_code == 422
    assert refused.json["type"].endswith("/problems/contract-violation")
    [field] = refused.json["fields"]
    assert (field["field"], field["offence"], field["category"]) == (
        "age",
        "prohibited",
        "protected",
    )
    assert _counts(app) == before


def test_an_unknown_category_at_scoring_time_is_a_clear_422(client, keys, csv_text):
    version = _train(client, keys["a"], data=csv_text).json["version"]
    record = _applicant() | {"savings": "gold"}
    refused = client.post(
        f"{URL}/{version}/explanations", json={"record": record}, headers=keys["a"]
    )
    assert refused.status_code == 422
    assert refused.json["problems"] == [
        {"row": 1, "column": "savings", "problem": "not one of the declared categories"}
    ]


def test_the_scope_is_needed_and_unknown_fields_are_refused(client, keys, csv_text):
    assert _train(client, keys["no_scope"], data=csv_text).status_code == 403
    assert client.get(URL).status_code == 401
    extra = _train(client, keys["a"], data=csv_text, activate=True)
    assert extra.status_code == 422
    assert extra.json["type"].endswith("/problems/validation")


def test_the_upload_is_bounded(tmp_path, sessions):
    app = make_test_app(tmp_path, engine=sessions, max_content_length=50_000)
    key = {"Authorization": f"Bearer {add_key(app, 'lender-a')}"}
    big = generate_credit_file(2_000, seed=4).write_csv()
    assert len(big) > 50_000
    response = app.test_client().post(
        URL, json={"epsilon": 1.0, "mapping": MAPPING, "data": big}, headers=key
    )
    assert response.status_code == 413


def test_the_budget_of_a_file_is_spent_across_uploads(app, client, keys, csv_text):
    # the default budget is rho 2; one run costs rho 0.625 at epsilon 1 + 0.5
    codes = [_train(client, keys["a"], data=csv_text).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 409]
    # another lender uploading the same data draws on the same budget
    assert _train(client, keys["b"], data=csv_text).json["type"].endswith("budget-exhausted")


def test_a_record_to_score_holding_a_protected_field_is_refused_naming_it(client, keys, csv_text):
    # The attacker's move: send the protected columns along with the features, hoping they
    # are quietly read. Refused with a problem naming them, even as columns the mapping
    # declared audit-only (those are for the training file's fairness report).
    version = _train(client, keys["a"], data=csv_text).json["version"]
    for extra in ({"age": 41}, {"personal_status": "male_single"}, {"Gender": "f", "zip": "1"}):
        refused = client.post(
            f"{URL}/{version}/explanations",
            json={"record": _applicant() | extra},
            headers=keys["a"],
        )
        assert refused.status_code == 422, refused.json
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert refused.json["type"].endswith("/problems/contract-violation")
        assert {f["field"] for f in refused.json["fields"]} == set(extra)
        assert all(f["offence"] == "prohibited" for f in refused.json["fields"])

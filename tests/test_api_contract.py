"""Schemathesis, in process, against ``/openapi.json``: no 5xx, every answer as documented.

Every operation gets generated requests (valid and invalid), sent with credentials: a lender
route with lender A's key, a person's route with person A's token. A path naming a person
names person A half the time (so the happy paths run too, not only 404s), and every
request that named person A through a lender route is sent again with lender B's key,
which must answer 404: lender B never sees a person who did not share with it. Not checked:
that every schema-valid request is accepted (``positive_data_acceptance``), since some
rules are the domain's, not the schema's (exactly one of ``epsilon``/``rho``, a purpose's
grammar, a feature of the contract) and answer a documented 422 problem. The number
of examples per operation is ``FAIRFILE_API_EXAMPLES`` (default 15; CI may raise it).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from service.web import openapi
from tests.conftest import make_test_app
from tests.consent_fixtures import signed_in_headers
from tests.lender_fixtures import make_world

EXAMPLES = int(os.environ.get("FAIRFILE_API_EXAMPLES", "15"))
ROOMY = {"rate_limit_per_ip": "1000000/minute", "rate_limit_lender": "1000000/minute"}

pytestmark = pytest.mark.slow


def test_the_document_is_valid_openapi_3_1():
    app = make_test_app(Path(tempfile.mkdtemp(prefix="fairfile-openapi-")))
    spec = app.test_client().get("/openapi.json").json
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            for code, answer in responses.items():
                if code[0] in "45" or code == "default":
                    assert list(answer["content"]) == ["application/problem+json"], (path, code)


def test_every_success_answer_has_its_own_schema():
    """No generic object is left: a 2xx answer is a named model or, for a page, HTML."""
    app = make_test_app(Path(tempfile.mkdtemp(prefix="fairfile-openapi-")))
    spec = app.test_client().get("/openapi.json").json
    schemas = spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for code, answer in operation["responses"].items():
                if not code.startswith("2"):
                    continue
                where = (method, path, code)
                if path.endswith(".html"):
                    assert list(answer["content"]) == ["text/html"], where
                    continue
                assert list(answer["content"]) == ["application/json"], where
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                model = schemas[ref.rsplit("/", 1)[1]]
                assert model["type"] == "object", where
                assert model["properties"], where
                assert model.get("additionalProperties") is not True, where


def test_no_docs_page_runs_inline_script_and_there_is_no_oauth2_page(tmp_path):
    """Fairfile has no OAuth2: the Swagger plugin's redirect page (inline script) is a 404."""
    app = make_test_app(tmp_path)
    client = app.test_client()
    answer = client.get("/docs/oauth2-redirect.html")
    assert answer.status_code == 404
    assert "<script" not in answer.get_data(as_text=True)
    pages = [
        r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/docs") and not r.arguments
    ]
    assert "/docs/swagger" in pages
    for page in pages:
        html = client.get(page).get_data(as_text=True)
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
        assert all('src="' in attrs and not body.strip() for attrs, body in scripts), page


def test_a_wrong_answer_fails_the_conformance_check(tmp_path, sessions, monkeypatch):
    """The check reads the precise schema: an answer missing a documented field fails it."""
    described = openapi.describe_errors

    def wanting_more(spec):
        described(spec)
        spec["components"]["schemas"]["SignedEnvelope"]["required"].append("missing")
        return spec

    monkeypatch.setattr(openapi, "describe_errors", wanting_more)
    app = make_test_app(tmp_path, engine=sessions, **ROOMY)
    operation = schemathesis.openapi.from_wsgi("/openapi.json", app)["/v1/log/tree-head"]["GET"]
    with pytest.raises(FailureGroup) as failed:
        operation.Case().call_and_validate(excluded_checks=[positive_data_acceptance])
    assert '"missing" is a required property' in str(failed.value.exceptions[0])


@pytest.fixture
def roomy_app(tmp_path, sessions):
    return make_test_app(tmp_path, engine=sessions, **ROOMY)


@pytest.fixture
def api(roomy_app):
    world = make_world(roomy_app)
    return roomy_app, world, signed_in_headers(roomy_app, world.subject_a)


def _operations():
    app = make_test_app(Path(tempfile.mkdtemp(prefix="fairfile-openapi-")))
    spec = app.test_client().get("/openapi.json").json
    return [(path, method) for path, item in spec["paths"].items() for method in item]


OPERATIONS = _operations()


@pytest.mark.parametrize(
    ("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS]
)
def test_every_operation_answers_as_documented(api, path, method):
    app, world, person = api
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    # Credentials are the test's own (below), never generated: a negated Authorization
    # header would be replaced by a valid one, and the case counted as invalid data that
    # the API accepted. Missing and wrong credentials are tests/test_route_access.py's.
    schema.config.generation.update(with_security_parameters=False)
    operation = schema[path][method.upper()]
    lender_route = path.startswith("/v1/lender/")
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]

    @given(case=st.one_of(*(operation.as_strategy(mode) for mode in modes)), pick=st.booleans())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, pick):
        names_person_a = False
        positive = case.meta is None or case.meta.generation.mode is GenerationMode.POSITIVE
        if "subject_id" in (case.path_parameters or {}) and pick and positive:
            case.path_parameters["subject_id"] = world.subject_a
            names_person_a = True
        headers = world.headers("a") if lender_route else dict(person)
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
        if lender_route and names_person_a:
            other = case.call(headers=world.headers("b"))
            assert other.status_code == 404, (case.method, case.formatted_path, other.text)

    run()

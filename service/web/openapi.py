"""The OpenAPI document: flask-openapi3's, with every error answer described as a problem.

flask-openapi3 builds the document from the request and response models (ADR 0006). Its
validation-error entry says ``application/json`` with an array of its own model, which is
not what Fairfile answers; ``FairfileOpenAPI.generate_spec_json`` rewrites each operation's
error answers as ``application/problem+json`` with the ``Problem`` schema (RFC 9457 plus
``request_id`` and ``errors[]``), adds the answers every operation can give (401/403/404 for
authenticated ones, 400/413/415 for ones with a body, 422, 429, and a ``default`` for
anything unexpected). Success answers are never filled in here: every operation declares
its own (``responses={200: Model}``, or ``HTML_PAGE`` for a page), so the document states
the real shape of every answer; the contract test refuses an operation that declares none.

The answers that make something also carry OpenAPI ``links`` to the calls that take its ids
further (``service.web.links``), written in when the document is built.

The interactive docs (``/docs/swagger``) load their assets from the app, with no inline
script: ``SWAGGER_HTML`` loads ``static/swagger-init.js``, served by the app. The Swagger
plugin's OAuth2 redirect page (inline script, for an OAuth2 flow Fairfile does not have)
answers 404.
"""

from __future__ import annotations

from typing import Any, Final

from flask import Response, request
from flask_openapi3.openapi import OpenAPI
from werkzeug.exceptions import NotFound

from .links import add_links

PROBLEM_MEDIA: Final = "application/problem+json"

PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "description": "An RFC 9457 problem. `type` links to its page under /problems/.",
    "properties": {
        "type": {"type": "string", "description": "a URL naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "the path of the request"},
        "request_id": {"type": "string", "description": "quote it when reporting"},
        "errors": {
            "type": "array",
            "description": "for a validation problem: one entry per field",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "description": "a JSON pointer"},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["pointer", "detail", "code"],
            },
        },
    },
    "required": ["type", "title", "status"],
    "additionalProperties": True,
}

_REASONS: Final = {
    "400": "The body is not valid JSON (`malformed-json`)",
    "401": "No valid credentials",
    "403": "Refused: no consent, or the key lacks the scope",
    "404": "No such resource for you",
    "409": "Conflicts with the current state",
    "413": "The body is too large",
    "415": "The body is not application/json",
    "422": "The request did not validate (`validation`)",
    "429": "Too many requests (`rate-limited`); see Retry-After",
    "default": "Another problem (every error is problem+json)",
}

SWAGGER_HTML: Final = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>Fairfile sandbox API</title>
<link rel="icon" href="swagger/images/swagger.svg">
<link rel="stylesheet" href="swagger/css/swagger-ui.css">
<link rel="stylesheet" href="{{ url_for('static', filename='swagger.css') }}">
</head>
<body>
<div id="swagger-ui" data-spec-url="{{ url_for('openapi_json') }}"></div>
<script src="swagger/js/swagger-ui-bundle.js"></script>
<script src="swagger/js/swagger-ui-standalone-preset.js"></script>
<script src="{{ url_for('static', filename='swagger-init.js') }}"></script>
</body>
</html>
"""

DOCS_INDEX_HTML: Final = """<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>Fairfile API docs</title></head>
<body><h1>Fairfile sandbox API</h1><ul>
<li><a href="swagger">Interactive docs (Swagger UI)</a></li>
<li><a href="{{ url_for('openapi_json') }}">OpenAPI 3.1 document</a></li>
</ul></body></html>
"""

#: The docs pages run only the app's own scripts.
DOCS_CSP: Final = (
    "default-src 'self'; script-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'"
)


#: The success answer of a route that renders an HTML page: ``responses={200: HTML_PAGE}``.
HTML_PAGE: Final[dict[str, Any]] = {
    "description": "The page",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def _problem(status: str) -> dict[str, Any]:
    return {
        "description": _REASONS.get(status, "A problem"),
        "content": {PROBLEM_MEDIA: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def describe_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """Rewrite every operation's error answers as problem+json; return ``spec``."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("ValidationErrorModel", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            wanted = ["422", "429", "default"]
            if operation.get("security"):
                wanted += ["401", "403", "404"]
            if "{" in path:
                wanted += ["404"]
            if method in {"post", "put", "patch"}:
                wanted += ["400", "409", "413", "415"]
            for code in [c for c in responses if c[0] in "45"]:
                responses[code] = _problem(code)
            for code in wanted:
                responses.setdefault(code, _problem(code))
    return spec


class FairfileOpenAPI(OpenAPI):
    """flask-openapi3's app class, whose document describes errors as problems."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config["SWAGGER_HTML_STRING"] = SWAGGER_HTML
        self.config["OPENAPI_HTML_STRING"] = DOCS_INDEX_HTML
        self.after_request(_docs_policy)
        if OAUTH2_REDIRECT in self.view_functions:
            self.view_functions[OAUTH2_REDIRECT] = _no_oauth2

    def generate_spec_json(self) -> None:
        """Build the document, describe every error answer as a problem, add the links."""
        super().generate_spec_json()  # type: ignore[no-untyped-call]
        describe_errors(self.spec_json)
        add_links(self.spec_json)


#: The Swagger plugin's page that finishes an OAuth2 sign-in (Fairfile has no OAuth2).
OAUTH2_REDIRECT: Final = "swagger.oauth2-redirect"


def _no_oauth2() -> Response:
    raise NotFound()


def _docs_policy(response: Response) -> Response:
    if request.path.startswith("/docs"):
        response.headers["Content-Security-Policy"] = DOCS_CSP
    return response

"""The application factory: load settings, bind the database, register the parts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_openapi3.models.info import Info
from sqlalchemy import Engine

from store import head_revision, load_or_create_dev_key, make_engine

from .api import (
    bank_data,
    consents,
    contract,
    decisions,
    erasure,
    facts,
    health,
    lender,
    lender_models,
    models_api,
    rights,
    stats,
    transparency,
)
from .ui import connect as ui_connect
from .ui import consents as ui
from .ui import rights as ui_rights
from .version import __version__
from .web import auth, errors, headers, keys, limits, logs, pages, sessions
from .web.config import Settings, load_settings
from .web.openapi import FairfileOpenAPI
from .web.types import IdConverter


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Fairfile web application.

    ``config`` is a mapping of settings (see ``service.web.config.Settings``); without it the
    settings come from ``FAIRFILE_*`` environment variables. Tests may also pass
    ``engine`` (an SQLAlchemy engine or session factory) to bind a prepared database.
    """
    config = dict(config or {}) if config is not None else None
    engine_override = config.pop("engine", None) if config is not None else None
    settings = load_settings(config)

    app = FairfileOpenAPI(
        __name__,
        template_folder="ui/templates",
        static_folder="ui/static",
        info=Info(title="Fairfile sandbox API", version=__version__),
        instance_path=str(settings.instance_path.resolve()) if settings.instance_path else None,
        validation_error_status=422,
        validation_error_callback=errors.validation_problem,
        security_schemes={
            "bearer": {"type": "http", "scheme": "bearer", "description": "a person's token"},
            "lenderKey": {"type": "http", "scheme": "bearer", "description": "a lender API key"},
            "analystKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "an analyst (regulator, auditor, researcher) API key",
            },
        },
        doc_prefix="/docs",
        doc_url="/openapi.json",
    )
    app.url_map.converters["id"] = IdConverter  # before any page's rule is added
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    logs.configure_logging(settings.log_level)

    app.config.update(
        SECRET_KEY=settings.secret_key or load_or_create_dev_key(instance / "secret_key"),
        FAIRFILE_SETTINGS=settings,
        FAIRFILE_SCHEMA_HEAD=head_revision(),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        TESTING=settings.env == "testing",
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        # CSRF is checked by the web UI's blueprints only: the JSON API takes bearer tokens.
        WTF_CSRF_CHECK_DEFAULT=False,
    )

    keys.init_app(app, settings, instance)
    sessions.init_app(app, engine_override or _database_engine(settings, instance))
    logs.init_app(app)
    errors.init_url_limit(app)
    limits.init_app(app, settings)
    auth.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    pages.csrf.init_app(app)
    app.register_blueprint(ui.bp)
    app.register_blueprint(ui_rights.bp)
    app.register_blueprint(ui_connect.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(health.problems)
    app.register_api(consents.public)
    app.register_api(consents.bp)
    app.register_api(transparency.bp)
    app.register_api(facts.bp)
    app.register_api(bank_data.bp)
    app.register_api(rights.bp)
    app.register_api(erasure.bp)
    app.register_api(contract.bp)
    app.register_api(stats.bp)
    app.register_api(stats.public)
    app.register_api(models_api.bp)
    app.register_api(decisions.bp)
    app.register_api(lender.directory)
    app.register_api(lender.bp)
    app.register_api(lender_models.bp)
    app.register_blueprint(transparency.well_known)
    app.add_url_rule("/openapi.json", "openapi_json", lambda: app.api_doc)
    return app


def _database_engine(settings: Settings, instance: Path) -> Engine:
    """Return the engine for the configured URL, or the SQLite file in ``instance``."""
    url = settings.database_url or f"sqlite:///{instance / 'fairfile.sqlite3'}"
    return make_engine(url)

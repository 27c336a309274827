"""Operations endpoints: liveness, readiness, and the problem-type catalogue."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from store import current_revision

from ..version import __version__
from ..web.errors import CATALOGUE, problem
from ..web.sessions import db

bp = Blueprint("ops", __name__)
problems = Blueprint("problems", __name__, url_prefix="/problems")


@bp.get("/")
def front_page() -> str:
    """The sandbox's front page: what Fairfile is and where to go next."""
    return render_template("index.html", version=__version__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response:
    """The database answers and its schema is at the revision this code expects."""
    session = db()
    try:
        session.execute(text("SELECT 1"))
        revision = current_revision(session.connection())
    except SQLAlchemyError:  # any driver error means "not ready"; the details go to the log only
        current_app.logger.exception("readiness check failed")
        return problem(503, title="Service Unavailable", detail="The database is not reachable.")
    expected = current_app.config["FAIRFILE_SCHEMA_HEAD"]
    if revision != expected:
        return problem(
            503,
            title="Service Unavailable",
            detail="The database schema is not at the expected revision; run `fairfile db "
            "upgrade`.",
        )
    return jsonify(status="ready", database=session.get_bind().dialect.name, schema=revision)


@problems.get("/<slug>")
def problem_type(slug: str) -> Response:
    """Describe one problem type (the target of every problem's ``type`` URI)."""
    kind = CATALOGUE.get(slug)
    if kind is None:
        abort(404)
    return jsonify(type=slug, title=kind.title, status=kind.status, description=kind.description)


@problems.get("")
def problem_types() -> Response:
    """List every documented problem type."""
    return jsonify(
        [
            {"type": k.slug, "title": k.title, "status": k.status, "description": k.description}
            for k in sorted(CATALOGUE.values(), key=lambda k: k.slug)
        ]
    )

"""The web UI, part two: my score and its explanation, disputes, my data and erasure.

The same domain code as the JSON API (``service/api/decisions.py``, ``service/api/rights.py``,
``service/api/erasure.py``), for the person signed in with the session cookie. See docs/ui.md.
"""

from __future__ import annotations

import json
from typing import Any, Final

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from consent import ConsentError, erase, transparency
from dp import PrivacyError, active_card
from scoring import ContractViolation, DisputeError, NoActiveModel, ReviewError
from scoring.contract import CONTRACT
from scoring.workflow import (
    Policy,
    decide,
    decision_of,
    decisions_of,
    disputes_of,
    open_dispute,
    open_review,
)

from ..api.erased import KEPT_WHY, after_erasure
from ..api.export import SECTIONS, dispute_out, exported
from ..api.shown import decision_shown, log_access
from ..web.keys import consent_keys, vault
from ..web.pages import attempt, guard, me
from ..web.sessions import db, restart_ready_to_write

bp = Blueprint("ui_rights", __name__)
guard(bp)

#: Bars are drawn with width classes (``w0`` .. ``w20``): the CSP allows no inline style.
BAR_STEPS: Final = 20


def chart(points: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Return one bar per fact: its label, points, and a width class scaled to the largest."""
    if not points:
        return []
    lines = points["features"]
    largest = max((abs(int(f["points"])) for f in lines), default=0) or 1
    return [
        {
            "label": f["description"],
            "points": int(f["points"]),
            "width": f"w{round(abs(int(f['points'])) / largest * BAR_STEPS)}",
        }
        for f in lines
    ]


@bp.get("/score")
def score() -> str:
    """My latest score and decision with its explanation; ask again; review; dispute."""
    subject_id = me()
    session_ = restart_ready_to_write()  # reading a decision writes to the access log
    rows = decisions_of(session_, subject_id)
    latest = None
    if rows:
        latest = decision_shown(rows[-1])
        log_access(subject_id, "decision.ui")
    disputes = [dispute_out(session_, vault(), d) for d in disputes_of(session_, subject_id)]
    explanation = latest["explanation"]["document"] if latest else None
    return render_template(
        "ui/score.html",
        d=latest,
        e=explanation,
        bars=chart(explanation["points"]) if explanation else [],
        earlier=len(rows) - 1 if rows else 0,
        features=CONTRACT,
        disputes=disputes,
    )


@bp.post("/score")
def ask() -> BaseResponse:
    """Score me now (the same code as ``POST /v1/subjects/<id>/decisions``)."""

    def act() -> None:
        card, model_card = active_card(db())
        decide(
            db(),
            vault=vault(),
            keys=consent_keys(),
            subject_id=me(),
            card=card,
            model_card=model_card,
            policy=Policy(cut_off=Policy().cut_off, refer_band=0),
        )

    if attempt(act, (ConsentError, NoActiveModel, PrivacyError)):
        flash("Here is your new score and decision.", "info")
    return redirect(url_for("ui_rights.score"))


@bp.post("/score/<id:decision_id>/review")
def review(decision_id: str) -> BaseResponse:
    """Ask a person to review a decision, with my statement."""
    statement = request.form.get("statement", "").strip()[:2_000]
    if not statement:
        flash("Say in a few words why you want the decision reviewed.", "error")
        return redirect(url_for("ui_rights.score"))

    def act() -> None:
        row = decision_of(db(), subject_id=me(), decision_id=decision_id)
        open_review(db(), vault=vault(), decision=row, statement=statement)
        log_access(me(), "review-opened")

    if attempt(act, (ReviewError,)):
        flash("A person will review the decision; the outcome will show here.", "info")
    return redirect(url_for("ui_rights.score"))


@bp.post("/facts/dispute")
def dispute() -> BaseResponse:
    """Dispute one fact: it is left out of new scores until a reviewer resolves it."""
    feature = request.form.get("feature", "")
    statement = request.form.get("statement", "").strip()[:2_000]
    if not statement:
        flash("Say in a few words why the fact is wrong.", "error")
        return redirect(url_for("ui_rights.score"))
    opened = attempt(
        lambda: open_dispute(
            db(), vault=vault(), subject_id=me(), feature=feature, statement=statement
        ),
        (DisputeError, ContractViolation),
    )
    if opened:
        flash("Disputed. New scores leave this fact out until it is reviewed.", "info")
    return redirect(url_for("ui_rights.score"))


@bp.get("/my-data")
def my_data() -> str:
    """Export links, who read what and when under which consent, and deletion."""
    pseudonym = consent_keys().pseudonyms.of(me())
    entries = [
        {"row": item, "leaf": item.entry} for item in transparency.history_of(db(), pseudonym)
    ]
    return render_template("ui/my_data.html", entries=list(reversed(entries)))


@bp.get("/my-data/export.json")
def export_json() -> Response:
    """Everything held about me, as one JSON download (logged before it is handed out)."""
    document = exported(me(), "export.ui")
    response = Response(
        json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json"
    )
    day = document["generated_at"][:10]
    response.headers["Content-Disposition"] = f"attachment; filename=fairfile-export-{day}.json"
    return response


@bp.get("/my-data/export")
def export_page() -> str:
    """The same export as a readable page."""
    document = exported(me(), "export.ui.html")
    return render_template("export.html", document=document, sections=SECTIONS)


@bp.get("/my-data/erase")
def confirm_erase() -> str:
    """The confirm step: what erasure destroys and what remains, before the button."""
    return render_template("ui/erase.html", kept_why=KEPT_WHY)


@bp.post("/my-data/erase")
def erase_me() -> Response:
    """Erase my account now; sign out; say plainly what remains."""
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm; nothing was erased.", "error")
        return Response(status=303, headers={"Location": url_for("ui_rights.confirm_erase")})
    subject_id = me()
    statement = erase(db(), keys=consent_keys(), vault=vault(), subject_id=subject_id)
    session.clear()
    g.subject_id = None
    page = render_template("ui/erased.html", statement=statement, kept_why=KEPT_WHY)
    return after_erasure(Response(page, mimetype="text/html"), subject_id)

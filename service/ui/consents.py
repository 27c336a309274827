"""The web UI, part one: sign-in, enrolment and consents (server-rendered, no JavaScript).

Pages name nobody in their URLs: they act for the person signed in with the session cookie.
Every form posts with a CSRF token (Flask-WTF), and every page carries a strict CSP with no
inline script or style. ``service/ui/rights.py`` holds the score and data pages; both
blueprints go through ``service.web.pages.guard``. See docs/ui.md.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from consent import (
    ENROLMENT_NOTICE,
    NOTICES,
    ConsentError,
    DataCategory,
    Enrolment,
    Lender,
    Purpose,
    PurposeKind,
    lifecycle,
    notice_for,
    signin,
    verify_receipt,
)
from scoring.contract import SubjectFacts
from store import SignatureInvalid, Subject, utcnow

from ..web.keys import consent_keys
from ..web.outbox import deliver_link
from ..web.pages import CATEGORY_LABELS, attempt, guard, me
from ..web.sessions import db

bp = Blueprint("ui", __name__)
guard(bp)


def _sign_in_as(subject_id: str) -> BaseResponse:
    token = signin.issue_token(db(), subject_id=subject_id, kind="ui")
    session.clear()
    session["subject_token"] = token
    return redirect(url_for("ui.home"))


@bp.get("/sign-in")
def sign_in() -> str:
    """Ask for a link, confirm a link from the outbox, or try the sandbox as a demo person."""
    secret = request.args.get("secret", "")
    demo = not current_app.config["FAIRFILE_SETTINGS"].is_production
    return render_template("ui/sign_in.html", secret=secret[:100], demo=demo)


@bp.post("/sign-in/link")
def request_link() -> str:
    """Send a one-time link; the answer is the same whether or not the person exists."""
    subject_id = request.form.get("subject_id", "").strip()[:36]
    secret = signin.issue_link(db(), subject_id=subject_id) if subject_id else None
    if secret is not None:
        deliver_link(subject_id, secret)
    return render_template("ui/link_sent.html")


@bp.post("/sign-in/redeem")
def redeem() -> BaseResponse | tuple[str, int]:
    """Use a one-time link (a button, so a mail scanner opening the link cannot use it)."""
    redeemed = signin.redeem_link(db(), secret=request.form.get("secret", "")[:100], kind="ui")
    if redeemed is None:
        flash("That link is unknown, used or expired. Ask for a new one.", "error")
        demo = not current_app.config["FAIRFILE_SETTINGS"].is_production
        return render_template("ui/sign_in.html", secret="", demo=demo), 400
    token, _subject_id = redeemed
    session.clear()
    session["subject_token"] = token
    return redirect(url_for("ui.home"))


@bp.post("/sign-in/demo")
def demo_sign_in() -> BaseResponse:
    """Sandbox only: sign in as a synthetic person who has facts and has not enrolled yet."""
    if current_app.config["FAIRFILE_SETTINGS"].is_production:
        abort(404)
    query = (
        select(Subject.id)
        .join(SubjectFacts, SubjectFacts.subject_id == Subject.id)
        .outerjoin(Enrolment, Enrolment.subject_id == Subject.id)
        .where(Subject.origin == "synthetic", Enrolment.subject_id.is_(None))
        .limit(50)
    )
    candidates = list(db().scalars(query))
    if not candidates:
        flash("No synthetic people are waiting: run `fairfile synth seed` first.", "error")
        return redirect(url_for("ui.sign_in"))
    return _sign_in_as(secrets.choice(candidates))


@bp.post("/sign-out")
def sign_out() -> BaseResponse:
    """Sign out: the token stops working at once and the cookie is cleared."""
    token = session.get("subject_token")
    if token:
        signin.revoke(db(), token=str(token))
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("ui.sign_in"))


@bp.get("/me")
def home() -> BaseResponse:
    """Where a signed-in person lands: enrolment first, then their consents."""
    if db().get(Enrolment, me()) is None:
        return redirect(url_for("ui.enrolment"))
    return redirect(url_for("ui.consents"))


@bp.get("/enrol")
def enrolment() -> str:
    """What Fairfile is, what it never uses, and the opt-in."""
    enrolled = db().get(Enrolment, me())
    return render_template("ui/enrol.html", notice=ENROLMENT_NOTICE, enrolled=enrolled)


@bp.post("/enrol")
def enrol() -> BaseResponse:
    """Enrol, only with the box ticked: nothing is pre-ticked and nothing is pre-granted."""
    if request.form.get("agree") != "yes":
        flash("Tick the box to say you want to enrol; nothing happens otherwise.", "error")
        return redirect(url_for("ui.enrolment"))
    version = request.form.get("notice_version", "")
    enrolled = attempt(
        lambda: lifecycle.enrol(db(), subject_id=me(), notice_version=version, channel="ui"),
        (ConsentError,),
    )
    if enrolled:
        flash("You are enrolled. Nothing is shared or scored until you grant a purpose.", "info")
    return redirect(url_for("ui.consents" if enrolled else "ui.enrolment"))


def _purposes() -> list[Purpose]:
    lenders = db().scalars(select(Lender.id).order_by(Lender.id))
    kinds = [PurposeKind.SCORING, PurposeKind.TRAINING, PurposeKind.STATISTICS]
    return [Purpose(k) for k in kinds] + [Purpose(PurposeKind.SHARE, lid) for lid in lenders]


def _receipt_status(envelope: str) -> str:
    try:
        verify_receipt(json.loads(envelope), consent_keys().keyring.public_keys())
    except (SignatureInvalid, ValueError):
        return "does not verify"
    return "verified"


@bp.get("/consents")
def consents() -> str:
    """Each purpose with its state, expiry and notice; grant, renew, withdraw; receipts."""
    subject_id = me()
    session_ = db()
    now = utcnow()
    held = {c.purpose: c for c in lifecycle.consents_of(session_, subject_id)}
    lender_names = {row.id: row.name for row in session_.execute(select(Lender.id, Lender.name))}
    rows = [
        {
            "purpose": str(p),
            "slug": str(p).replace(":", "-"),
            "notice": notice_for(p),
            "lender": lender_names.get(p.lender),
            "consent": held.get(str(p)),
            "state": held[str(p)].state(now) if str(p) in held else "never granted",
        }
        for p in _purposes()
    ]
    receipts = [
        {"row": r, "status": _receipt_status(r.envelope)}
        for r in lifecycle.receipts_of(session_, subject_id)
    ]
    return render_template(
        "ui/consents.html",
        rows=rows,
        receipts=receipts,
        categories=CATEGORY_LABELS,
        enrolled=session_.get(Enrolment, subject_id) is not None,
    )


def _chosen_categories() -> list[DataCategory]:
    chosen = request.form.getlist("categories")
    return [DataCategory(c) for c in chosen if c in set(DataCategory)]


@bp.post("/consents/grant")
def grant() -> BaseResponse:
    """Grant one purpose over the categories ticked (at least one)."""
    purpose_text = request.form.get("purpose", "")
    categories = _chosen_categories()

    def act() -> None:
        purpose = Purpose.parse(purpose_text)
        lifecycle.grant(
            db(),
            keys=consent_keys(),
            subject_id=me(),
            purpose=purpose,
            categories=categories,
            notice_version=request.form.get("notice_version", ""),
            channel="ui",
            period=lifecycle.MAX_PERIOD,
        )

    if attempt(act, (ConsentError,)):
        flash(f"Granted: {purpose_text}. Your signed receipt is below.", "info")
    return redirect(url_for("ui.consents"))


@bp.post("/consents/<id:consent_id>/renew")
def renew(consent_id: str) -> BaseResponse:
    """Open a new year for an active or expired consent, under the current notice."""

    def act() -> None:
        consent = lifecycle.consent_of(db(), subject_id=me(), consent_id=consent_id)
        lifecycle.renew(
            db(),
            keys=consent_keys(),
            subject_id=me(),
            consent_id=consent_id,
            notice_version=NOTICES[Purpose.parse(consent.purpose).kind].version,
            channel="ui",
            period=lifecycle.MAX_PERIOD,
        )

    if attempt(act, (ConsentError,)):
        flash("Renewed for a year.", "info")
    return redirect(url_for("ui.consents"))


@bp.post("/consents/<id:consent_id>/withdraw")
def withdraw(consent_id: str) -> BaseResponse:
    """Withdraw with one button: it takes effect before this page answers."""
    withdrawn = attempt(
        lambda: lifecycle.withdraw(
            db(), keys=consent_keys(), subject_id=me(), consent_id=consent_id, channel="ui"
        ),
        (ConsentError,),
    )
    if withdrawn:
        flash("Withdrawn. Nothing more is read for this purpose.", "info")
    return redirect(url_for("ui.consents"))


@bp.get("/consents/receipts/<id:receipt_id>.json")
def receipt(receipt_id: str) -> BaseResponse:
    """Download one signed receipt exactly as issued."""
    row = lifecycle.receipt_of(db(), subject_id=me(), receipt_id=receipt_id)
    response = Response(row.envelope, mimetype="application/json")
    day = row.issued_at.strftime("%Y-%m-%d")
    response.headers["Content-Disposition"] = f"attachment; filename=receipt-{day}.json"
    return response


def days_left(moment: dt.datetime | None) -> int | None:
    """Return whole days until ``moment`` (templates show it next to the date)."""
    if moment is None:
        return None
    return max(0, (moment - utcnow()).days)


bp.add_app_template_global(days_left)

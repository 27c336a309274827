"""The consent API: sign-in, enrolment, grant, renew, withdraw, receipts, access history."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Response, jsonify, url_for
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from consent import (
    ENROLMENT_NOTICE,
    NOTICES,
    Consent,
    ConsentNotFound,
    Purpose,
    lifecycle,
    signin,
    transparency,
)
from store import utcnow

from ..web.auth import self_service
from ..web.keys import consent_keys
from ..web.outbox import deliver_link
from ..web.sessions import db
from ..web.types import SubjectPath
from .schemas.consents import (
    AccessLogEntryOut,
    AccessLogOut,
    ChangeOut,
    ConsentHistoryOut,
    ConsentOut,
    ConsentPath,
    ConsentsOut,
    EnrolIn,
    EnrolmentOut,
    EventOut,
    GrantIn,
    LinkSentOut,
    NoticeOut,
    NoticesOut,
    ReceiptOut,
    ReceiptPath,
    ReceiptRefOut,
    ReceiptsOut,
    RenewIn,
    SignInLinkIn,
    TokenIn,
    TokenOut,
    WithdrawQuery,
)

bp = APIBlueprint(
    "consents",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="consent", description="A person's own consents and receipts")],
    abp_security=[{"bearer": []}],
)
public = APIBlueprint(
    "signin",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="sign-in", description="Sandbox sign-in for people")],
)


def _consent(consent: Consent) -> ConsentOut:
    return ConsentOut(
        id=consent.id,
        purpose=consent.purpose,
        categories=sorted(consent.categories),
        state=consent.state(utcnow()),
        notice_version=consent.notice_version,
        period_started_at=consent.period_started_at,
        expires_at=consent.expires_at,
        withdrawn_at=consent.withdrawn_at,
        revision=consent.revision,
    )


def _change_out(change: lifecycle.Change) -> dict[str, Any]:
    return ChangeOut(
        consent=_consent(change.consent),
        receipt=change.receipt,
        log_entry_id=change.log_entry_id,
    ).model_dump(mode="json")


@public.get("/notices", responses={200: NoticesOut})
def notices() -> Response:
    """The current notice text of enrolment and of every purpose, with versions."""
    out = NoticesOut(
        enrolment=NoticeOut(
            version=ENROLMENT_NOTICE.version,
            title=ENROLMENT_NOTICE.title,
            text=ENROLMENT_NOTICE.text,
        ),
        purposes={
            kind.value: NoticeOut(version=n.version, title=n.title, text=n.text)
            for kind, n in NOTICES.items()
        },
    )
    return jsonify(out.model_dump(mode="json"))


@public.post("/sign-in-links", responses={202: LinkSentOut})
def request_sign_in_link(body: SignInLinkIn) -> tuple[Response, int]:
    """Send a one-time sign-in link (sandbox: to the server log and the local outbox).

    The answer is the same whether or not the person exists.
    """
    secret = signin.issue_link(db(), subject_id=body.subject_id)
    if secret is not None:
        deliver_link(body.subject_id, secret)
    out = LinkSentOut(detail="If this person exists, a sign-in link is on its way.")
    return jsonify(out.model_dump(mode="json")), 202


@public.post("/tokens", responses={201: TokenOut})
def exchange_link(body: TokenIn) -> tuple[Response, int]:
    """Exchange a one-time link secret for a bearer token (the link then stops working)."""
    redeemed = signin.redeem_link(db(), secret=body.link_secret)
    if redeemed is None:
        raise ConsentNotFound("the link is unknown, used or expired; ask for a new one")
    token, subject_id = redeemed
    expires = utcnow() + signin.TOKEN_LIFETIME
    out = TokenOut(token=token, subject_id=subject_id, expires_at=expires)
    return jsonify(out.model_dump(mode="json")), 201


@bp.post("/subjects/<subject_id>/enrolment", responses={200: EnrolmentOut, 201: EnrolmentOut})
@self_service
def enrol(path: SubjectPath, body: EnrolIn) -> tuple[Response, int]:
    """Enrol: the explicit act before anything can be granted. Nothing is pre-granted."""
    enrolment, created = lifecycle.enrol(
        db(),
        subject_id=path.subject_id,
        notice_version=body.notice_version,
        channel="ui" if body.channel == "ui" else "api",
    )
    out = EnrolmentOut(
        subject_id=enrolment.subject_id,
        enrolled_at=enrolment.enrolled_at.isoformat(),
        notice_version=enrolment.notice_version,
        consents=[],
    )
    return jsonify(out.model_dump(mode="json")), 201 if created else 200


@bp.get("/subjects/<subject_id>/consents", responses={200: ConsentsOut})
@self_service
def list_consents(path: SubjectPath) -> Response:
    """Every consent of the person, with its state now."""
    consents = lifecycle.consents_of(db(), path.subject_id)
    out = ConsentsOut(consents=[_consent(c) for c in consents])
    return jsonify(out.model_dump(mode="json"))


@bp.post("/subjects/<subject_id>/consents", responses={201: ChangeOut})
@self_service
def grant(path: SubjectPath, body: GrantIn) -> tuple[Response, int]:
    """Grant one purpose over the chosen data categories; returns the signed receipt."""
    change = lifecycle.grant(
        db(),
        keys=consent_keys(),
        subject_id=path.subject_id,
        purpose=Purpose.parse(body.purpose),
        categories=body.categories,
        notice_version=body.notice_version,
        channel="ui" if body.channel == "ui" else "api",
        period=dt.timedelta(days=body.duration_days),
    )
    return jsonify(_change_out(change)), 201


@bp.get("/subjects/<subject_id>/consents/<consent_id>", responses={200: ConsentHistoryOut})
@self_service
def read_consent(path: ConsentPath) -> Response:
    """One consent with its full history of events and receipts."""
    consent = lifecycle.consent_of(db(), subject_id=path.subject_id, consent_id=path.consent_id)
    events = lifecycle.history_of(db(), consent)
    out = ConsentHistoryOut(consent=_consent(consent), history=[EventOut.of(e) for e in events])
    return jsonify(out.model_dump(mode="json"))


@bp.post("/subjects/<subject_id>/consents/<consent_id>/renewals", responses={201: ChangeOut})
@self_service
def renew(path: ConsentPath, body: RenewIn) -> tuple[Response, int]:
    """Open a new period (at most 365 days) for an active or expired consent."""
    change = lifecycle.renew(
        db(),
        keys=consent_keys(),
        subject_id=path.subject_id,
        consent_id=path.consent_id,
        notice_version=body.notice_version,
        categories=body.categories,
        channel="ui" if body.channel == "ui" else "api",
        period=dt.timedelta(days=body.duration_days),
    )
    return jsonify(_change_out(change)), 201


@bp.delete("/subjects/<subject_id>/consents/<consent_id>", responses={200: ChangeOut})
@self_service
def withdraw(path: ConsentPath, query: WithdrawQuery) -> Response:
    """Withdraw in one call. It takes effect before this answer is sent."""
    change = lifecycle.withdraw(
        db(),
        keys=consent_keys(),
        subject_id=path.subject_id,
        consent_id=path.consent_id,
        channel="ui" if query.channel == "ui" else "api",
    )
    return jsonify(_change_out(change))


@bp.get("/subjects/<subject_id>/receipts", responses={200: ReceiptsOut})
@self_service
def list_receipts(path: SubjectPath) -> Response:
    """Every receipt the person was given, newest first, with where it sits in the log."""
    rows = lifecycle.receipts_of(db(), path.subject_id)
    out = ReceiptsOut(
        receipts=[
            ReceiptRefOut(
                id=r.id,
                consent_id=r.consent_id,
                issued_at=r.issued_at.isoformat(),
                log_entry_id=r.log_entry_id,
                url=url_for(".read_receipt", subject_id=path.subject_id, receipt_id=r.id),
            )
            for r in rows
        ]
    )
    return jsonify(out.model_dump(mode="json"))


@bp.get("/subjects/<subject_id>/receipts/<receipt_id>", responses={200: ReceiptOut})
@self_service
def read_receipt(path: ReceiptPath) -> Response:
    """One signed receipt, exactly as issued, with its log entry id for inclusion proofs."""
    receipt = lifecycle.receipt_of(db(), subject_id=path.subject_id, receipt_id=path.receipt_id)
    out = ReceiptOut(
        receipt=json.loads(receipt.envelope),
        log_entry_id=receipt.log_entry_id,
        inclusion_proof=url_for(
            "transparency.inclusion_proof", entry_id=receipt.log_entry_id, _external=False
        ),
    )
    return jsonify(out.model_dump(mode="json"))


@bp.get("/subjects/<subject_id>/access-log", responses={200: AccessLogOut})
@self_service
def access_log(path: SubjectPath) -> Response:
    """Every transparency-log entry about the person: consent changes and reads of their data."""
    pseudonym = consent_keys().pseudonyms.of(path.subject_id)
    items = transparency.history_of(db(), pseudonym)
    out = AccessLogOut(entries=[AccessLogEntryOut.model_validate(i.as_dict()) for i in items])
    return jsonify(out.model_dump(mode="json"))

"""One bank's data for a person, in the shapes banks send, minimised at the door.

- ``POST /v1/subjects/<id>/bank-data`` takes one bank's data (FDX, UK Open Banking or an
  OFX file), reads only the categories the person's ``scoring`` consent covers (cash flow
  and income required), keeps of each booked transaction its day, amount, direction and
  one counterparty kind, stores that minimised statement sealed under the person's key and
  the facts derived from it, and answers with the facts, the transactions that counted as
  income, rent or bills (each naming the facts it feeds, which the person can dispute) and
  the minimisation report: per kind how many were kept, per dropped field how many values
  were thrown away, never a value.
- ``GET /v1/subjects/<id>/bank-data`` returns the minimised statement held: all Fairfile
  kept of the person's bank data (the right of access, open after consent is withdrawn).

Merchant names and codes of other spending, descriptions, memos, payees, counterparty
accounts, card details, addresses and times of day never reach the database, the logs, an
error or an answer. Bad data is a 422 problem naming the field, never its value, and
nothing is stored. See docs/connecting-bank-data.md.
"""

from __future__ import annotations

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from consent import ConsentMissing, DataCategory, Purpose, PurposeKind, gate
from scoring import CONTRACT, extract_parsed
from scoring.contract import get_facts, put_facts
from scoring.ingest import get_statement, put_statement
from scoring.ingest.banks import (
    BANK_CATEGORIES,
    CATEGORY_OF,
    REQUIRED_CATEGORIES,
    Read,
    minimise,
    read_fdx,
    read_ofx,
    read_open_banking,
)

from ..web.auth import gated, self_service
from ..web.errors import body_limit
from ..web.keys import consent_keys, vault
from ..web.sessions import db
from ..web.types import SubjectPath
from .schemas.bank_data import BankDataIn, BankDataOut, CountedOut, StoredStatementOut

bp = APIBlueprint(
    "bank_data",
    __name__,
    url_prefix="/v1",
    abp_tags=[Tag(name="bank data", description="Connect one bank's data, minimised")],
    abp_security=[{"bearer": []}],
)

#: The smallest request the access and route tests send: an OFX file of one payment.
EXAMPLE_OFX = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
    "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><SIGNONMSGSRSV1>"
    "<SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20251231<LANGUAGE>ENG</SONRS>"
    "</SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO"
    "</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>1<ACCTID>1<ACCTTYPE>CHECKING"
    "</BANKACCTFROM><BANKTRANLIST><DTSTART>20251201<DTEND>20251231<STMTTRN><TRNTYPE>DIRECTDEP"
    "<DTPOSTED>20251215<TRNAMT>2100.00<FITID>1</STMTTRN></BANKTRANLIST><LEDGERBAL>"
    "<BALAMT>2100.00<DTASOF>20251231</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
)


def _read(body: BankDataIn) -> Read:
    if body.fdx is not None:
        return read_fdx(body.fdx)
    if body.openBanking is not None:
        return read_open_banking(body.openBanking)
    return read_ofx(body.ofx or "")


def _categories(subject_id: str, asked: list[DataCategory] | None) -> frozenset[DataCategory]:
    purpose = Purpose(PurposeKind.SCORING)
    covered = gate.covered(db(), subject_id=subject_id, purpose=purpose) & BANK_CATEGORIES
    if asked is not None:
        covered &= frozenset(asked)
    if not covered >= REQUIRED_CATEGORIES:
        missing = sorted(c.value for c in REQUIRED_CATEGORIES - covered)
        raise ConsentMissing(subject_purpose=str(purpose), missing=missing)
    return frozenset(covered)


@bp.post("/subjects/<subject_id>/bank-data", responses={201: BankDataOut})
@gated(example_body={"ofx": EXAMPLE_OFX})
@body_limit("max_bank_data_length")
def connect(path: SubjectPath, body: BankDataIn) -> tuple[Response, int]:
    """Connect one bank's data: minimised at the door, stored sealed, facts derived."""
    subject_id = path.subject_id
    categories = _categories(subject_id, body.categories)
    minimised = minimise(_read(body), categories=categories)
    derived = extract_parsed(minimised.parsed)
    held = get_facts(db(), vault=vault(), subject_id=subject_id) or {}
    facts = {
        f.name: derived.get(f.name) if f.category in categories else None
        for f in CONTRACT
        if f.category in BANK_CATEGORIES
    }
    stored = {f.name: facts.get(f.name, held.get(f.name)) for f in CONTRACT}
    gate.authorize(
        db(),
        keys=consent_keys(),
        actor="subject",
        subject_id=subject_id,
        purpose=Purpose(PurposeKind.SCORING),
        categories=categories,
        what="bank-data.connect",
    )
    row = put_statement(
        db(),
        vault=vault(),
        subject_id=subject_id,
        shape=minimised.report["format"],
        statement=minimised.statement,
    )
    put_facts(db(), vault=vault(), subject_id=subject_id, facts=stored)
    counted = [
        CountedOut(
            day=c.day.isoformat(),
            amount=c.amount,
            kind=c.kind.value,  # type: ignore[arg-type]
            feeds=[f.name for f in CONTRACT if f.category is CATEGORY_OF[c.kind]],
        )
        for c in minimised.counted
    ]
    out = BankDataOut.model_validate(
        {
            "subject_id": subject_id,
            "recorded_at": row.recorded_at.isoformat(),
            "facts": {k: v for k, v in facts.items() if v is not None},
            "counted": counted,
            "report": minimised.report,
            "disputes": f"/v1/subjects/{subject_id}/disputes",
        }
    )
    return jsonify(out.model_dump(mode="json")), 201


@bp.get("/subjects/<subject_id>/bank-data", responses={200: StoredStatementOut})
@self_service
def read_statement(path: SubjectPath) -> Response:
    """All Fairfile kept of your bank data: the minimised statement (404 if none)."""
    held = get_statement(db(), vault=vault(), subject_id=path.subject_id)
    gate.log_read(
        db(),
        keys=consent_keys(),
        actor="subject",
        subject_id=path.subject_id,
        purpose="subject-access",
        categories=sorted(c.value for c in BANK_CATEGORIES),
        consent_ids=[],
        what="bank-data",
    )
    shape, recorded_at, statement = held
    out = StoredStatementOut(
        subject_id=path.subject_id,
        recorded_at=recorded_at.isoformat(),
        format=shape,
        statement=statement,
    )
    return jsonify(out.model_dump(mode="json"))

"""The web UI, part three: connect data, through the same door as the API.

The signed-in person chooses which data categories to share and where the data comes
from: the sandbox's synthetic bank (their 24 months from ``synthetic.bank``, seeded from
their subject id, rendered as the FDX feed a bank would send) or a file from their bank
(FDX or UK Open Banking JSON, or an OFX file; the shape is told by its content unless
they name it). Either way the feed goes through the bank-data door's own steps
(``service/api/connecting.py``: the standard's adapter, then ``minimise``; an upload is
read by ``service/api/bank_files.py`` into the very body the API validates), so merchant
names, descriptions and the rest are read in memory only, as for the API.

The preview shows the minimisation report (what was kept, what was not counted and why,
how many values of each field were thrown away: counts only), the payments that counted
as pay, benefits, rent or bills, and the facts. Nothing is stored until they press "Use
these facts". The preview page carries the minimised statement and the categories in a
draft signed with the app's secret key (so the page cannot hand back anything the door did
not make), bound to the person and valid for half an hour; "Use these facts" checks it,
derives the facts again from it and stores the statement and the facts, as the door
does. The categories with facts that may not be missing (cash flow, income) must be
chosen. A file that cannot be read is an error in plain words, never a value from the
file, and nothing is stored. See docs/ui.md.
"""

from __future__ import annotations

from typing import Any, Final

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from consent import DataCategory, gate
from scoring import CASHFLOW_FEATURES, ContractViolation
from scoring.contract import CONTRACT
from scoring.ingest.banks import Shape
from synthetic import bank_statement, render_feed

from ..api.bank_files import SHAPE_WORDS, UnreadableFile, body_of_file
from ..api.connecting import bank_facts, prepare, read_bank_data, store
from ..api.schemas.bank_data import BankDataIn
from ..web.config import current
from ..web.errors import body_limit
from ..web.keys import consent_keys
from ..web.pages import CATEGORY_LABELS, guard, me
from ..web.sessions import db

bp = Blueprint("ui_connect", __name__)
guard(bp)

#: The categories a bank statement carries, in the contract's order.
OFFERED: Final = tuple(dict.fromkeys(f.category for f in CONTRACT if f.name in CASHFLOW_FEATURES))
#: Categories holding a fact that may not be missing: a bank connection must share them.
REQUIRED: Final = frozenset(
    f.category for f in CONTRACT if f.name in CASHFLOW_FEATURES and not f.nullable
)
#: Each counterparty kind in the person's words.
KIND_WORDS: Final = {
    "payroll": "Pay",
    "benefits": "Benefits",
    "rent": "Rent",
    "utility": "Utility bill",
    "telecom": "Phone bill",
    "loan_repayment": "Loan repayment",
    "transfer": "Money moved in or out (not income)",
    "other_spending": "Other spending (kept with no detail)",
}
#: Why a transaction was not counted, in the person's words.
WHY_WORDS: Final = {
    "pending": "still pending",
    "duplicate": "sent twice (counted once)",
    "before_window": "older than the 24 months a score reads",
    "zero_amount": "an amount of zero",
    "memo": "a note, not a payment",
    "savings_account": "on a savings account (only its balance is read)",
}
#: The shapes the person may name for a file; "" tells it by content.
SHAPE_CHOICES: Final = (
    ("", "Work it out from the file"),
    (Shape.FDX.value, "FDX (JSON)"),
    (Shape.OPEN_BANKING.value, "UK Open Banking (JSON)"),
    (Shape.OFX.value, "OFX file"),
)
_DRAFT_SALT: Final = "fairfile/connect-draft/v1"
#: How long a preview may wait for "Use these facts", in seconds.
DRAFT_MAX_AGE: Final = 1800


def _chosen() -> list[DataCategory]:
    posted = set(request.form.getlist("categories"))
    return [c for c in OFFERED if c.value in posted]


def _page(**context: Any) -> str:
    return render_template(
        "ui/connect.html",
        offered=[(c.value, CATEGORY_LABELS[c], c in REQUIRED) for c in OFFERED],
        required=[CATEGORY_LABELS[c] for c in OFFERED if c in REQUIRED],
        labels=CATEGORY_LABELS,
        shapes=SHAPE_CHOICES,
        **context,
    )


def _missing_required(chosen: list[DataCategory]) -> bool:
    if set(chosen) >= REQUIRED:
        return False
    needed = " and ".join(CATEGORY_LABELS[c].lower() for c in OFFERED if c in REQUIRED)
    flash(f"Tick {needed}: a score cannot be worked out without them.", "error")
    return True


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.secret_key), salt=_DRAFT_SALT)


def sign_draft(
    *, subject_id: str, shape: str, categories: list[str], statement: dict[str, Any]
) -> str:
    """Sign what a preview would store, for its "Use these facts" form to hand back."""
    payload = {"subject": subject_id, "shape": shape, "categories": categories}
    return _signer().dumps(payload | {"statement": statement})


def _source(subject_id: str) -> tuple[str, BankDataIn]:
    """Return where the data comes from, in words, and the body the door reads."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        asked = request.form.get("shape", "")
        named = Shape(asked) if asked in {s.value for s in Shape} else None
        shape, body = body_of_file(upload.read(), named)
        return f"your {SHAPE_WORDS[shape]} file", body
    feed = render_feed(bank_statement(subject_id), Shape.FDX)
    return "your sandbox bank", BankDataIn.model_validate({"fdx": feed})


def _refused(message: str) -> BaseResponse:
    flash(f"{message} Nothing was stored.", "error")
    return redirect(url_for("ui_connect.connect"))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> BaseResponse:
    limit = current().max_bank_data_length / 1_048_576
    return _refused(f"The file is larger than the {limit:g} MiB Fairfile takes.")


@bp.get("/connect")
def connect() -> str:
    """Choose the categories to share, and the sandbox bank or a file from your bank."""
    return _page(preview=None, chosen=[])


@bp.post("/connect/preview")
@body_limit("max_bank_data_length")
def preview() -> BaseResponse | str:
    """Minimise the data and show what was kept, what counted and the facts; store nothing."""
    chosen = _chosen()
    if _missing_required(chosen):
        return redirect(url_for("ui_connect.connect"))
    subject_id = me()
    categories = frozenset(chosen)
    try:
        source, body = _source(subject_id)
        connection = prepare(read_bank_data(body), categories)
    except UnreadableFile as error:
        return _refused(str(error))
    except ContractViolation as error:
        reasons = "; ".join(dict.fromkeys(p.reason for p in error.problems[:3]))
        return _refused(f"The file could not be used: {reasons}.")
    gate.log_read(
        db(),
        keys=consent_keys(),
        actor="subject",
        subject_id=subject_id,
        purpose="subject-access",
        categories=[c.value for c in chosen],
        consent_ids=[],
        what="connect.preview",
    )
    minimised = connection.minimised
    report = minimised.report
    draft = sign_draft(
        subject_id=subject_id,
        shape=report["format"],
        categories=[c.value for c in chosen],
        statement=minimised.statement,
    )
    facts = [
        {"feature": f, "value": connection.facts[f.name], "category": CATEGORY_LABELS[f.category]}
        for f in CONTRACT
        if f.category in chosen
    ]
    return _page(
        preview={
            "source": source,
            "read": report["transactions_read"],
            "kept": [(KIND_WORDS[k], n) for k, n in report["kept"].items() if n],
            "not_counted": [(WHY_WORDS.get(k, k), n) for k, n in report["not_counted"].items()],
            "dropped": sorted(report["dropped_fields"].items()),
            "counted": [(c.day, c.amount, KIND_WORDS[c.kind.value]) for c in minimised.counted],
            "facts": facts,
            "left_out": [f for f in CONTRACT if f.category not in chosen],
            "draft": draft,
        },
        chosen=[c.value for c in chosen],
    )


@bp.post("/connect/use")
@body_limit("max_bank_data_length")
def use() -> BaseResponse:
    """Store the previewed statement and its facts, derived again from the signed draft.

    Storing is not a read: the preview logged the read, this adds no log entry.
    """
    subject_id = me()
    try:
        draft = _signer().loads(request.form.get("draft", ""), max_age=DRAFT_MAX_AGE)
    except BadData:
        draft = None
    if not isinstance(draft, dict) or draft.get("subject") != subject_id:
        return _refused("Show the facts first: the preview is missing or has expired.")
    categories = frozenset(DataCategory(c) for c in draft["categories"])
    store(
        subject_id=subject_id,
        shape=draft["shape"],
        statement=draft["statement"],
        facts=bank_facts(draft["statement"], categories),
    )
    flash("Your facts are stored: the next score you ask for uses them.", "info")
    return redirect(url_for("ui_connect.connect"))

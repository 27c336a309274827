"""The web UI, part three: connect data (a synthetic bank in the sandbox).

The signed-in person chooses which data categories to share; the page generates their
24 months of statements (``synthetic.bank``, seeded from their subject id), runs the
extractor on them (``scoring.extract_statement``, which refuses merchant details, so none
can reach this page), and shows the derived facts. Nothing is stored until they press
"Use these facts": the facts are then derived again from the same statement and the
categories posted (never from values posted back) and stored with ``put_facts``. Facts of
categories not chosen are stored as missing; the categories with facts that may not be
missing (cash flow, income) must be chosen. See docs/ui.md.
"""

from __future__ import annotations

from typing import Any, Final

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from consent import DataCategory, gate
from scoring import CASHFLOW_FEATURES, extract_statement
from scoring.contract import CONTRACT, FactValue, put_facts
from synthetic import bank_statement

from ..web.keys import consent_keys, vault
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


def _chosen() -> list[DataCategory]:
    posted = set(request.form.getlist("categories"))
    return [c for c in OFFERED if c.value in posted]


def _derived_facts(subject_id: str, chosen: list[DataCategory]) -> dict[str, FactValue]:
    """Return every contract fact from the synthetic bank: unchosen categories missing."""
    extracted = extract_statement(bank_statement(subject_id))
    return {
        f.name: extracted[f.name] if f.category in chosen and f.name in extracted else None
        for f in CONTRACT
    }


def _page(**context: Any) -> str:
    return render_template(
        "ui/connect.html",
        offered=[(c.value, CATEGORY_LABELS[c], c in REQUIRED) for c in OFFERED],
        required=[CATEGORY_LABELS[c] for c in OFFERED if c in REQUIRED],
        labels=CATEGORY_LABELS,
        **context,
    )


def _missing_required(chosen: list[DataCategory]) -> bool:
    if set(chosen) >= REQUIRED:
        return False
    needed = " and ".join(CATEGORY_LABELS[c].lower() for c in OFFERED if c in REQUIRED)
    flash(f"Tick {needed}: a score cannot be worked out without them.", "error")
    return True


@bp.get("/connect")
def connect() -> str:
    """Choose the categories to share from the sandbox's synthetic bank."""
    return _page(facts=None, chosen=[])


@bp.post("/connect/preview")
def preview() -> BaseResponse | str:
    """Derive the facts of the chosen categories and show them; nothing is stored."""
    chosen = _chosen()
    if _missing_required(chosen):
        return redirect(url_for("ui_connect.connect"))
    subject_id = me()
    facts = _derived_facts(subject_id, chosen)
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
    rows = [
        {"feature": f, "value": facts[f.name], "category": CATEGORY_LABELS[f.category]}
        for f in CONTRACT
        if f.category in chosen
    ]
    left_out = [f for f in CONTRACT if f.category not in chosen]
    return _page(facts=rows, left_out=left_out, chosen=[c.value for c in chosen])


@bp.post("/connect/use")
def use() -> BaseResponse:
    """Store the facts of the chosen categories (derived again, never posted back)."""
    chosen = _chosen()
    if _missing_required(chosen):
        return redirect(url_for("ui_connect.connect"))
    subject_id = me()
    put_facts(db(), vault=vault(), subject_id=subject_id, facts=_derived_facts(subject_id, chosen))
    flash("Your facts are stored: the next score you ask for uses them.", "info")
    return redirect(url_for("ui_connect.connect"))

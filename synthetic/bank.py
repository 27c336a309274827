"""A synthetic bank for the sandbox: one person's 24 months of statements, on demand.

The statement-level generator (``synthetic.render``) draws a person and their ledger and
renders it as transactions; here it draws one person, seeded from their subject id, so
the same person always "connects" the same bank account. The answer is a statement in
the format ``scoring.ingest.extract.extract_statement`` accepts (see ``scoring.ingest.statements``):
no merchant, description or spending category is ever generated.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import polars as pl

from .latent import draw_ledger, draw_people
from .population import AS_OF
from .profiles import profile
from .render import render_statements

#: Changing this changes every sandbox person's synthetic bank account.
_SEED_DOMAIN = b"fairfile/synthetic-bank/v1/"


def _seed(subject_id: str) -> int:
    digest = hashlib.sha256(_SEED_DOMAIN + subject_id.encode()).digest()
    return int.from_bytes(digest[:16], "big")


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def bank_statement(subject_id: str, *, profile_name: str = "default") -> dict[str, Any]:
    """Return ``subject_id``'s synthetic 24-month statement, the same on every call.

    >>> statement = bank_statement("someone")
    >>> statement == bank_statement("someone"), statement["asOf"], sorted(statement)
    (True, '2025-12-31', ['account', 'asOf', 'transactions'])
    """
    people_rng, ledger_rng, render_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(_seed(subject_id)).spawn(3)
    )
    people = draw_people(people_rng, 1, profile(profile_name))
    ledger = draw_ledger(ledger_rng, people)
    transactions, accounts = render_statements(render_rng, people, ledger, first_id=0, as_of=AS_OF)
    return _statement_payload(transactions, accounts.row(0, named=True))


def _statement_payload(transactions: pl.DataFrame, account: dict[str, Any]) -> dict[str, Any]:
    """Return one person's rendered transactions and account row as a JSON statement."""
    return {
        "asOf": AS_OF.isoformat(),
        "account": {
            "currency": "USD",
            "openingBalance": _money(int(account["opening_balance_cents"])),
            "savingsBalance": _money(int(account["savings_balance_cents"])),
        },
        "transactions": [
            {
                "bookingDate": row["booking_date"].isoformat(),
                "amount": _money(int(row["amount_cents"])),
                "creditDebitIndicator": str(row["direction"]).capitalize(),
                "counterpartyKind": str(row["counterparty_kind"]),
                "transactionId": f"t-{i:05d}",
            }
            for i, row in enumerate(transactions.iter_rows(named=True))
        ],
    }

"""A small German-credit-style historical file, generated here, and its mapping.

The layout follows the well-known German credit data (current-account status, duration,
amount, credit history, savings, employment, instalment rate, existing credits, purpose,
telephone, personal status, age, foreign worker, and a good/bad outcome), but every row
is drawn from the documented model below: no real person is in it. It exists to show and
test how a lender trains on its own file (``docs/own-data.md``).

The outcome is drawn from a logistic model of the financial columns only. The protected
columns (``personal_status``, ``age``, ``foreign_worker``) have no effect of their own;
they are correlated with some financial columns (older people have longer employment and
more savings; foreign workers less often have no current account), so a fairness report
can show differences between their groups that come through those columns.

Besides the file and its mapping the generator writes a dirty copy (a missing value, a
number that is not one, an unknown category, an outcome that is neither value, one of
each in known rows) and a few applicants to score (no outcome).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

CHECKING: Final = ("negative", "0_to_200", "200_or_more", "no_account")
HISTORY: Final = (
    "critical_account",
    "delay_in_past",
    "existing_paid_duly",
    "all_paid_duly",
    "no_credits_taken",
)
SAVINGS: Final = ("none", "lt_100", "100_to_500", "500_to_1000", "1000_or_more")
PURPOSES: Final = ("car", "furniture", "radio_tv", "education", "business", "repairs")
PERSONAL: Final = (
    "male_single",
    "male_married_widowed",
    "male_divorced_separated",
    "female_divorced_separated_married",
)

#: The log-odds of default before any effect, and each column's effect (documented).
INTERCEPT: Final = -1.5
CHECKING_EFFECT: Final = (0.9, 0.5, 0.0, -0.8)
HISTORY_EFFECT: Final = (0.8, 0.5, 0.0, -0.3, 0.4)
SAVINGS_EFFECT: Final = (0.5, 0.3, 0.0, -0.3, -0.6)
DURATION_EFFECT: Final = 0.03  # per month above 20
AMOUNT_EFFECT: Final = 0.00008  # per unit above 3,000
EMPLOYMENT_EFFECT: Final = -0.08  # per year, up to 10
INSTALMENT_EFFECT: Final = 0.2  # per step above 2.5
CREDITS_EFFECT: Final = 0.15  # per credit above 1

MAPPING: Final = """# The mapping of credit.csv: what each column is (docs/own-data.md).

[columns.credit_risk]
use = "outcome"
bad = "bad"
good = "good"

[columns.checking_status]
use = "feature"
type = "categorical"
description = "Status of the current account"
categories = ["negative", "0_to_200", "200_or_more", "no_account"]
category = "bank_cashflow"
# Not actionable: "no_account" may score best, and recourse must never advise closing one.
actionable = false

[columns.duration_months]
use = "feature"
type = "numeric"
description = "Duration of the credit"
unit = "months"
integer = true
range = [4, 72]
bins = [12, 24, 36]
category = "bureau"
direction = "raises_risk"
actionable = true

[columns.credit_amount]
use = "feature"
type = "numeric"
description = "Amount of the credit"
unit = "EUR"
range = [250, 20000]
bins = [1500, 4000, 8000]
category = "bureau"
direction = "raises_risk"
actionable = true

[columns.credit_history]
use = "feature"
type = "categorical"
description = "Repayment of past and existing credits"
categories = [
  "critical_account", "delay_in_past", "existing_paid_duly", "all_paid_duly", "no_credits_taken"
]
category = "bureau"
actionable = false

[columns.savings]
use = "feature"
type = "categorical"
description = "Savings account balance band"
categories = ["none", "lt_100", "100_to_500", "500_to_1000", "1000_or_more"]
category = "bank_cashflow"
direction = "lowers_risk"
actionable = true

[columns.employment_years]
use = "feature"
type = "numeric"
description = "Years in the present employment"
unit = "years"
range = [0, 50]
bins = [1, 4, 7]
category = "income"
direction = "lowers_risk"
actionable = false

[columns.installment_rate]
use = "feature"
type = "numeric"
description = "Instalment as a band of disposable income (1 lowest, 4 highest)"
unit = "band"
integer = true
range = [1, 4]
bins = [2, 3, 4]
category = "bank_cashflow"
direction = "raises_risk"
actionable = true

[columns.existing_credits]
use = "feature"
type = "numeric"
description = "Number of existing credits at this lender"
unit = "credits"
integer = true
range = [1, 4]
bins = [2]
category = "bureau"
direction = "raises_risk"
actionable = false

# Never model inputs: protected attributes, read only for the DP fairness report.
[columns.personal_status]
use = "audit_only"
groups = [
  "male_single", "male_married_widowed", "male_divorced_separated",
  "female_divorced_separated_married"
]

[columns.age]
use = "audit_only"
range = [18, 100]
bins = [25, 35, 50]

[columns.foreign_worker]
use = "audit_only"
groups = ["yes", "no"]

# Not read at all: what the credit is for is not a financial fact about the person.
[columns.purpose]
use = "ignore"

[columns.telephone]
use = "ignore"
"""


def _pick(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Draw one index per row from per-row weights (rows x options)."""
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    draws = rng.random(len(weights))[:, None]
    picked: np.ndarray = np.minimum((draws > cumulative).sum(axis=1), weights.shape[1] - 1)
    return picked


def generate_credit_file(rows: int, *, seed: int = 0, outcome: bool = True) -> pl.DataFrame:
    """Draw ``rows`` rows of the German-credit-style file (deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    age = np.clip(np.round(rng.gamma(4.0, 4.5, rows) + 19), 19, 75)
    foreign = rng.random(rows) < 0.08
    personal = rng.choice(len(PERSONAL), rows, p=[0.45, 0.1, 0.05, 0.4])
    older = (age - 35) / 12
    checking = _pick(
        rng,
        np.column_stack(
            [
                np.full(rows, 0.27),
                np.full(rows, 0.27),
                np.full(rows, 0.07),
                np.where(foreign, 0.15, 0.39),
            ]
        ),
    )
    savings = _pick(
        rng,
        np.column_stack(
            [
                np.full(rows, 0.18),
                np.clip(0.6 - 0.1 * older, 0.2, 0.8),
                np.full(rows, 0.10),
                np.full(rows, 0.06),
                np.clip(0.05 + 0.03 * older, 0.01, 0.2),
            ]
        ),
    )
    history = rng.choice(len(HISTORY), rows, p=[0.29, 0.09, 0.53, 0.05, 0.04])
    duration = np.clip(np.round(rng.gamma(3.0, 7.0, rows)), 4, 72)
    amount = np.clip(np.round(rng.lognormal(7.9, 0.75, rows) * (1 + duration / 60), 0), 250, 20000)
    employment = np.clip(np.round(rng.exponential(2.0 + 0.15 * (age - 19), rows), 1), 0, 50)
    employment = np.minimum(employment, age - 16)
    instalment = rng.choice([1, 2, 3, 4], rows, p=[0.14, 0.23, 0.16, 0.47])
    credits = rng.choice([1, 2, 3, 4], rows, p=[0.63, 0.33, 0.03, 0.01])
    logit = (
        INTERCEPT
        + np.asarray(CHECKING_EFFECT)[checking]
        + np.asarray(HISTORY_EFFECT)[history]
        + np.asarray(SAVINGS_EFFECT)[savings]
        + DURATION_EFFECT * (duration - 20)
        + AMOUNT_EFFECT * (amount - 3000)
        + EMPLOYMENT_EFFECT * np.minimum(employment, 10)
        + INSTALMENT_EFFECT * (instalment - 2.5)
        + CREDITS_EFFECT * (credits - 1)
    )
    bad = rng.random(rows) < 1 / (1 + np.exp(-logit))
    frame = pl.DataFrame(
        {
            "checking_status": np.asarray(CHECKING)[checking],
            "duration_months": duration.astype(np.int64),
            "credit_history": np.asarray(HISTORY)[history],
            "purpose": rng.choice(PURPOSES, rows),
            "credit_amount": amount,
            "savings": np.asarray(SAVINGS)[savings],
            "employment_years": employment,
            "installment_rate": instalment,
            "personal_status": np.asarray(PERSONAL)[personal],
            "age": age.astype(np.int64),
            "existing_credits": credits,
            "telephone": np.where(rng.random(rows) < 0.4, "yes", "none"),
            "foreign_worker": np.where(foreign, "yes", "no"),
            "credit_risk": np.where(bad, "bad", "good"),
        }
    )
    return frame if outcome else frame.drop("credit_risk")


def default_log_odds(frame: pl.DataFrame) -> np.ndarray:
    """The true log-odds of default of each row (the model above; for benchmarks)."""

    def index(column: str, values: tuple[str, ...]) -> np.ndarray:
        return np.asarray([values.index(v) for v in frame[column].to_list()])

    duration = frame["duration_months"].cast(pl.Float64).to_numpy()
    amount = frame["credit_amount"].cast(pl.Float64).to_numpy()
    employment = frame["employment_years"].cast(pl.Float64).to_numpy()
    instalment = frame["installment_rate"].cast(pl.Float64).to_numpy()
    credits = frame["existing_credits"].cast(pl.Float64).to_numpy()
    logit: np.ndarray = (
        INTERCEPT
        + np.asarray(CHECKING_EFFECT)[index("checking_status", CHECKING)]
        + np.asarray(HISTORY_EFFECT)[index("credit_history", HISTORY)]
        + np.asarray(SAVINGS_EFFECT)[index("savings", SAVINGS)]
        + DURATION_EFFECT * (duration - 20)
        + AMOUNT_EFFECT * (amount - 3000)
        + EMPLOYMENT_EFFECT * np.minimum(employment, 10)
        + INSTALMENT_EFFECT * (instalment - 2.5)
        + CREDITS_EFFECT * (credits - 1)
    )
    return logit


def dirty_copy(frame: pl.DataFrame) -> pl.DataFrame:
    """The file with four broken cells: rows 3, 5, 8 and 13 (1 is the first data row)."""
    text = frame.with_columns(pl.all().cast(pl.String))
    broken = {
        (2, "duration_months"): None,  # missing value
        (4, "credit_amount"): "about 2000",  # not a number
        (7, "savings"): "offshore",  # not a declared category
        (12, "credit_risk"): "unknown",  # neither outcome value
    }
    columns = {name: text[name].to_list() for name in text.columns}
    for (row, name), value in broken.items():
        columns[name][row] = value
    return pl.DataFrame(columns, schema=dict.fromkeys(text.columns, pl.String))


#: The columns the mapping declares audit-only (protected: never in a record to score).
AUDIT_ONLY = ("personal_status", "age", "foreign_worker")


def write_credit_file(out: Path, *, rows: int, seed: int = 0, applicants: int = 5) -> list[Path]:
    """Write ``credit.csv``, ``mapping.toml``, ``credit-dirty.csv`` and ``applicants.csv``."""
    out.mkdir(parents=True, exist_ok=True)
    frame = generate_credit_file(rows, seed=seed)
    paths = [
        out / "credit.csv",
        out / "mapping.toml",
        out / "credit-dirty.csv",
        out / "applicants.csv",
    ]
    frame.write_csv(paths[0])
    paths[1].write_text(MAPPING)
    dirty_copy(frame).write_csv(paths[2])
    # Applicants carry what a lender scores them on: the protected columns are for the
    # training file's fairness report only, and a record to score that holds one is refused.
    generate_credit_file(applicants, seed=seed + 1, outcome=False).drop(AUDIT_ONLY).write_csv(
        paths[3]
    )
    return paths

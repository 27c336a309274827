"""Own data: DP-trained holdout AUC by epsilon and file size, and training time.

A German-credit-style file (``synthetic.credit_file``) with its generated mapping: eight
features (three categorical), three audit-only columns. AUC: the DP scorecard fit on 80%
of the file (``dp.own_data.fit_points``, OpenDP noise), mean and spread of 10 runs per
cell, measured on a 50,000-row holdout from the same generator, beside the same card fit
from exact tables (the non-private WoE card, epsilon = inf) and the generator's true
model (Bayes). Time: ``train_from_file`` end to end on a fresh SQLite database (charge,
noise, weights of evidence, 5-fold estimate, fairness report, stored version), file
checking included, reading the CSV and importing OpenDP excluded; median of 3.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from bench.report import Row
from dp.loss import PrivacyLoss
from dp.own_data import fit_points, plan, train_from_file
from scoring.batch import score_codes
from scoring.history_file import check_file
from scoring.mapping import parse_mapping
from scoring.metrics import auc
from scoring.scorecard import Scorecard
from store import make_engine, upgrade
from synthetic.credit_file import MAPPING, default_log_odds, generate_credit_file

EPSILONS = (0.25, 0.5, 1.0, 2.0, 4.0)
SIZES = (1_000, 5_000, 20_000)
HOLDOUT = 50_000
REPEATS = 10
TIMED = (1_000, 20_000, 200_000)


def _text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.all().cast(pl.String))


def _auc_rows() -> list[Row]:
    mapping = parse_mapping(MAPPING)
    held_frame = generate_credit_file(HOLDOUT, seed=777)
    held = check_file(_text(held_frame), mapping)
    bayes = auc(default_log_odds(held_frame), held.defaulted)
    rows = []
    for n in SIZES:
        labelled = check_file(_text(generate_credit_file(n, seed=n)), mapping)
        fit = np.arange(n) < int(0.8 * n)
        codes = {k: v[fit] for k, v in labelled.codes.items()}

        def held_auc(points: dict) -> float:
            card = Scorecard.from_model(version=0, points=points)
            return auc(-score_codes(card, held.codes), held.defaulted)

        exact = held_auc(fit_points(mapping.features, codes, labelled.defaulted[fit], None)[0])
        cells = []
        for eps in EPSILONS:
            noise = plan(mapping, epsilon=eps, audit_epsilon=None).training
            runs = [
                held_auc(fit_points(mapping.features, codes, labelled.defaulted[fit], noise)[0])
                for _ in range(REPEATS)
            ]
            cells.append(f"{eps:g}: {np.mean(runs):.3f} (sd {np.std(runs):.3f})")
        rows.append(
            Row(
                f"holdout AUC at {n:,} rows (80% trained), by epsilon",
                "; ".join(cells),
                compare=f"non-private WoE card {exact:.3f}; Bayes (true model) {bayes:.3f}",
            )
        )
    return rows


def _time_rows() -> list[Row]:
    mapping = parse_mapping(MAPPING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        upgrade(engine)
        for n in TIMED:
            frame = _text(generate_credit_file(n, seed=n + 1))
            times = []
            for repeat in range(3):
                # another file each time (a different digest): the same data's budget
                # would refuse the third run
                varied = frame.with_columns(pl.lit(str(repeat)).alias("telephone"))
                started = time.perf_counter()
                labelled = check_file(varied, mapping)
                with Session(engine) as session, session.begin():
                    train_from_file(
                        session,
                        labelled=labelled,
                        mapping=mapping,
                        epsilon=1.0,
                        audit_epsilon=0.5,
                        budget=PrivacyLoss.zcdp(2),
                        delta=1e-6,
                        actor="bench",
                        lender_id=None,
                        source="bench",
                    )
                times.append(time.perf_counter() - started)
            rows.append(
                Row(
                    f"train_from_file at {n:,} rows (check, charge, fit, 5-fold, report, store)",
                    f"{np.median(times):.2f} s",
                    target="<= 10 s" if n <= 20_000 else "",
                    met=bool(np.median(times) <= 10) if n <= 20_000 else None,
                )
            )
        engine.dispose()
    return rows


def run() -> list[Row]:
    return _auc_rows() + _time_rows()

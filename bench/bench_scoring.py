"""Scoring: 1,000,000 subjects scored and reason-coded, side by side with optbinning.

The scorecard is trained (epsilon 1) on 100,000 synthetic subjects; a fresh population of
1,000,000 is then scored with four reason codes each by ``scoring.card.batch.score_frame``
(best of three). optbinning 1.0's ``Scorecard.score`` (scores only) runs on the same frame
in an environment of its own, ``bench/.venv-optbinning`` (made here on first use: it brings
pandas, cvxpy and ortools, which Fairfile does not need), fitted on the first 50,000 rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from bench.report import Row
from dp.training import train
from scoring.card import Scorecard, score_frame
from synthetic import generate

SUBJECTS = 1_000_000
TRAIN = 100_000
OPTBINNING_FIT = 50_000
HERE = Path(__file__).parent
OPTBINNING_ENV = HERE / ".venv-optbinning"


def _columns(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    return {
        c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy()
        for c in frame.columns
        if c != "subject_id"
    }


def _best_of(runs: int, fn) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


def _optbinning_python() -> Path:
    python = OPTBINNING_ENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(OPTBINNING_ENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "optbinning==1.0.*"], check=True
        )
    return python


def _optbinning(columns: dict[str, np.ndarray], outcomes: np.ndarray) -> float:
    """Seconds optbinning 1.0's ``Scorecard.score`` takes on the same frame (own env)."""
    folder = Path(tempfile.mkdtemp(prefix="fairfile-bench-optbinning-"))
    np.savez(
        folder / "data.npz",
        names=np.array(list(columns)),
        outcomes=outcomes,
        fit=OPTBINNING_FIT,
        **columns,
    )
    subprocess.run(
        [str(_optbinning_python()), str(HERE / "_optbinning_score.py"), str(folder)], check=True
    )
    return float(json.loads((folder / "seconds.json").read_text())["seconds"])


def run() -> list[Row]:
    fit = generate(TRAIN, seed=71)
    trained = train(_columns(fit.features), fit.truth["defaulted"].to_numpy(), epsilon=1.0)
    card = Scorecard.from_model(version=1, points=trained.scorecard.as_dict())
    population = generate(SUBJECTS, seed=72)
    columns = _columns(population.features)
    ours, result = _best_of(3, lambda: score_frame(card, columns))
    assert result is not None
    theirs = _optbinning(columns, population.truth["defaulted"].to_numpy())
    scorable = float(result.scorable.mean())  # type: ignore[attr-defined]
    compare = f"optbinning 1.0 Scorecard.score (scores only, 14 features): {theirs:.2f} s"
    return [
        Row(
            f"{SUBJECTS:,} subjects scored with 4 reason codes each (best of 3)",
            f"{ours:.2f} s",
            "faster than optbinning's scores alone",
            ours < theirs,
            compare,
        ),
        Row("share scorable (>= 6 months of history)", f"{scorable:.1%}"),
        Row("score range of the trained card", f"{card.score_range[0]} to {card.score_range[1]}"),
    ]

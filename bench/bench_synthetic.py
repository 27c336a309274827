"""Synthetic population: generation speed at both levels, peak memory, and the truth's AUCs.

Each measurement runs in a fresh Python process, so its peak memory is its own: the
child's ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at the end (peak resident set size,
interpreter and libraries included). Time is wall-clock around ``synthetic.generate``
only (imports excluded), with the threads ``synthetic.population.WORKERS`` allows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.report import Row

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
from synthetic import generate
from synthetic.population import WORKERS
n, level = int(sys.argv[1]), sys.argv[2]
started = time.perf_counter()
population = generate(n, seed=2026, level=level)
seconds = time.perf_counter() - started
print(json.dumps({
    "seconds": seconds,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "transactions": population.transactions.height if population.transactions is not None else 0,
    "workers": WORKERS,
    **population.summary,
}))
"""


def _measure(n: int, level: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), level],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def run() -> list[Row]:
    features = _measure(1_000_000, "features")
    statements = _measure(100_000, "statements")
    return [
        Row(
            "feature-level generation, 1,000,000 subjects",
            f"{features['seconds']:.1f} s ({features['workers']:.0f} threads)",
            "<= 10 s",
            features["seconds"] <= 10,
        ),
        Row(
            "  peak memory (child ru_maxrss)",
            f"{features['peak_mb']:.0f} MB",
        ),
        Row(
            "statements + extraction, 100,000 subjects x 24 months",
            f"{statements['seconds']:.1f} s ({statements['transactions'] / 1e6:.1f} M "
            "transactions)",
            "<= 60 s",
            statements["seconds"] <= 60,
        ),
        Row(
            "  peak memory (child ru_maxrss)",
            f"{statements['peak_mb']:.0f} MB",
        ),
        Row(
            "Bayes AUC (best possible from the facts), 1M subjects",
            f"{features['bayes_auc']:.4f}",
            compare=f"oracle AUC {features['oracle_auc']:.4f} (knowing the unobserved part)",
        ),
        Row(
            "default rate and thin-file share, default profile",
            f"{features['default_rate']:.4f} / {features['thin_file_share']:.4f}",
            compare="assumed 6% default rate; CFPB 2020: 2.7% invisible + 9.8% unscored",
        ),
    ]

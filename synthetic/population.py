"""Generate a synthetic population at the feature level or the statement level.

Both levels draw the same people and the same ledger for a seed (chunk by chunk, each
chunk from its own child of ``numpy.random.SeedSequence(seed)``, whichever thread
draws it), so they agree subject
by subject: the feature level reads the facts off the ledger, the statement level renders
the ledger as transactions and runs the extractor on them. The truth is computed from the
ledger's facts in both.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from scoring import BUREAU_FEATURES, FEATURE_NAMES, cashflow_arrays, extract_frame, facts_frame

from .latent import draw_ledger, draw_people
from .profiles import EMPLOYMENT, GROUPS, HOUSING, REGIONS, profile
from .render import render_statements
from .truth import default_probability, expected_auc, log_odds_from_facts

Float = npt.NDArray[np.float64]
Level = Literal["features", "statements"]

#: The last day the synthetic statements cover (fixed, so a seed fully determines them).
AS_OF = dt.date(2025, 12, 31)
#: Subjects drawn per chunk: bounds memory, and fixes the stream each subject comes from.
CHUNK = 25_000
#: Threads drawing chunks at once.
WORKERS = max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class Population:
    """A generated population, its parts kept in separate frames keyed by ``subject_id``.

    ``protected`` holds the synthetic protected attribute: for the fairness audit only,
    never a model input, and never stored beside the features.
    """

    profile: str
    seed: int
    level: Level
    as_of: dt.date
    features: pl.DataFrame
    subjects: pl.DataFrame
    truth: pl.DataFrame
    protected: pl.DataFrame
    transactions: pl.DataFrame | None = None
    accounts: pl.DataFrame | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """The number of subjects."""
        return self.features.height

    def outcomes(self) -> pl.DataFrame:
        """Return ``subject_id``, the drawn 12-month outcome ``defaulted`` and ``region``."""
        return outcomes_frame(self.subjects, self.truth)


def outcomes_frame(subjects: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Join each subject's drawn outcome (``defaulted``) and coarse ``region``."""
    return truth.select(
        pl.col("subject_id").cast(pl.Int64), pl.col("defaulted").cast(pl.Boolean)
    ).join(
        subjects.select(pl.col("subject_id").cast(pl.Int64), pl.col("region").cast(pl.String)),
        on="subject_id",
        how="left",
    )


@dataclass
class _Chunk:
    features: pl.DataFrame
    subjects: pl.DataFrame
    truth: pl.DataFrame
    protected: pl.DataFrame
    log_odds: Float
    probability: Float
    transactions: pl.DataFrame | None = None
    accounts: pl.DataFrame | None = None


def _enum(codes: npt.NDArray[np.int8], names: tuple[str, ...]) -> pl.Series:
    return pl.Series(codes.astype(np.uint32)).cast(pl.Enum(list(names)))


def _chunk(
    seq: np.random.SeedSequence, n: int, first_id: int, profile_name: str, level: Level
) -> _Chunk:
    spec = profile(profile_name)
    people_rng, ledger_rng, truth_rng, render_rng = (np.random.default_rng(s) for s in seq.spawn(4))
    people = draw_people(people_rng, n, spec)
    ledger = draw_ledger(ledger_rng, people)
    arrays = {**cashflow_arrays(ledger.panel()), **people.bureau}
    log_odds = log_odds_from_facts(arrays)
    probability = default_probability(log_odds, truth_rng.standard_normal(n))
    defaulted = truth_rng.random(n) < probability
    ids = pl.Series("subject_id", np.arange(first_id, first_id + n, dtype=np.int64))
    chunk = _Chunk(
        features=facts_frame(arrays).insert_column(0, ids),
        subjects=pl.DataFrame(
            {
                "subject_id": ids,
                "region": _enum(people.region, REGIONS),
                "employment": _enum(people.employment, EMPLOYMENT),
                "housing": _enum(people.housing, HOUSING),
                "thin_file": people.thin,
            }
        ),
        truth=pl.DataFrame(
            {
                "subject_id": ids,
                "log_odds_from_facts": log_odds,
                "default_probability": probability,
                "defaulted": defaulted,
            }
        ),
        protected=pl.DataFrame(
            {"subject_id": ids, "protected_group": _enum(people.group_b.astype(np.int8), GROUPS)}
        ),
        log_odds=log_odds,
        probability=probability,
    )
    if level == "statements":
        transactions, accounts = render_statements(
            render_rng, people, ledger, first_id=first_id, as_of=AS_OF
        )
        extracted = extract_frame(transactions, accounts, as_of=AS_OF)
        bureau = chunk.features.select("subject_id", *BUREAU_FEATURES)
        chunk.features = extracted.join(bureau, on="subject_id").select(
            "subject_id", *FEATURE_NAMES
        )
        chunk.transactions, chunk.accounts = transactions, accounts
    return chunk


def generate(
    n: int,
    *,
    seed: int,
    profile_name: str = "default",
    level: Level = "features",
    progress: Callable[[int], None] | None = None,
) -> Population:
    """Generate ``n`` subjects deterministically from ``seed``.

    ``level="statements"`` also renders 24 months of transactions per subject and takes
    the features from the extractor. ``progress`` is called with the number of subjects
    finished after each chunk.
    """
    if n < 1:
        raise ValueError("generate at least one subject")
    profile(profile_name)  # refuse an unknown profile before any work
    starts = range(0, n, CHUNK)

    def one(index: int) -> _Chunk:
        child = np.random.SeedSequence(seed, spawn_key=(index,))
        first = starts[index]
        return _chunk(child, min(CHUNK, n - first), first, profile_name, level)

    # Chunks are independent draws, so threads change the speed and nothing else; NumPy
    # and Polars release the GIL in their heavy loops.
    chunks: list[_Chunk] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for chunk in pool.map(one, range(len(starts))):
            chunks.append(chunk)
            if progress is not None:
                progress(chunk.features.height)

    def stack(name: str) -> pl.DataFrame:
        frames: list[pl.DataFrame] = [getattr(c, name) for c in chunks]
        return pl.concat(frames, rechunk=False)

    log_odds = np.concatenate([c.log_odds for c in chunks])
    probability = np.concatenate([c.probability for c in chunks])
    truth = stack("truth")
    subjects = stack("subjects")
    summary = {
        "subjects": n,
        "default_rate": float(truth["defaulted"].to_numpy().mean()),
        "mean_default_probability": float(probability.mean()),
        "thin_file_share": float(subjects["thin_file"].to_numpy().mean()),
        "bayes_auc": expected_auc(log_odds, probability),
        "oracle_auc": expected_auc(probability, probability),
    }
    return Population(
        profile=profile_name,
        seed=seed,
        level=level,
        as_of=AS_OF,
        features=stack("features"),
        subjects=subjects,
        truth=truth,
        protected=stack("protected"),
        transactions=stack("transactions") if level == "statements" else None,
        accounts=stack("accounts") if level == "statements" else None,
        summary=summary,
    )

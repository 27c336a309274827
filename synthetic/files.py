"""Populations on disk: one Parquet file per part, the protected attribute apart.

A population folder holds::

    manifest.json                   seed, profile, level, as-of date and the summary
    features.parquet                subject_id and the contract's facts
    subjects.parquet                subject_id, region, employment, housing, thin_file
    truth.parquet                   subject_id, log-odds, default probability, outcome
    audit/protected.parquet         subject_id, protected_group (fairness audit only)
    statements/transactions.parquet one row per transaction (statement level only)
    statements/accounts.parquet     opening and savings balances (statement level only)

Reading checks every file's columns: a features file with a prohibited or unknown
column is refused with ``scoring.ContractViolation``; a folder that is not a population
(a file missing, unreadable or of another format) with ``NotAPopulation``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from scoring import check_columns, check_facts_frame

from .population import Population, outcomes_frame

FORMAT = "fairfile-population/1"
PROTECTED_FILE = Path("audit") / "protected.parquet"
PROTECTED_COLUMNS = ("subject_id", "protected_group")


class NotAPopulation(ValueError):
    """The folder is not a population folder: a file is missing, unreadable or foreign."""


@contextmanager
def _reading(folder: Path) -> Iterator[None]:
    try:
        yield
    except (OSError, KeyError, ValueError, pl.exceptions.PolarsError) as error:
        if isinstance(error, NotAPopulation):
            raise
        said = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise NotAPopulation(
            f"{folder} is not a population folder (`fairfile synth generate --out DIR` "
            f"writes one): {said}"
        ) from None


def write_population(population: Population, out: Path) -> list[Path]:
    """Write ``population`` into the folder ``out`` and return the files written.

    A part this population does not have (statements, at the feature level) is removed if
    an earlier population left it there, so the folder never mixes two populations.
    """
    parts: dict[Path, pl.DataFrame | None] = {
        Path("features.parquet"): population.features,
        Path("subjects.parquet"): population.subjects,
        Path("truth.parquet"): population.truth,
        PROTECTED_FILE: population.protected,
        Path("statements") / "transactions.parquet": population.transactions,
        Path("statements") / "accounts.parquet": population.accounts,
    }
    written = []
    for relative, frame in parts.items():
        path = out / relative
        if frame is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path)
        written.append(path)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "profile": population.profile,
        "seed": population.seed,
        "level": population.level,
        "as_of": population.as_of.isoformat(),
        "summary": population.summary,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return [out / "manifest.json", *written]


def read_manifest(folder: Path) -> dict[str, Any]:
    """Return a population folder's manifest, refusing another format."""
    with _reading(folder):
        manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise NotAPopulation(f"{folder} is not a {FORMAT} population folder")
        dt.date.fromisoformat(manifest["as_of"])
    return manifest


def read_features(folder: Path) -> pl.DataFrame:
    """Read and check a population's facts (the dataset path of the contract check)."""
    with _reading(folder):
        frame = pl.read_parquet(folder / "features.parquet")
    return check_facts_frame(frame)


def read_truth(folder: Path) -> pl.DataFrame:
    """Read each subject's synthetic outcome (``subject_id, defaulted``)."""
    with _reading(folder):
        return pl.read_parquet(folder / "truth.parquet").select("subject_id", "defaulted")


def read_protected(folder: Path) -> pl.DataFrame:
    """Read a population's audit-only protected attribute, checking its columns."""
    with _reading(folder):
        frame = pl.read_parquet(folder / PROTECTED_FILE)
    check_columns(frame.columns, expected=PROTECTED_COLUMNS, source="audit dataset")
    return frame.select(
        pl.col("subject_id").cast(pl.Int64), pl.col("protected_group").cast(pl.String)
    )


def read_outcomes(folder: Path) -> pl.DataFrame:
    """Read each subject's drawn outcome and region (``subject_id, defaulted, region``)."""
    with _reading(folder):
        return outcomes_frame(
            pl.read_parquet(folder / "subjects.parquet"), pl.read_parquet(folder / "truth.parquet")
        )

"""A lender's historical file, read against its mapping, refused whole if anything is wrong.

CSV and Parquet are read with every cell as text, then each declared column is checked
row by row: a missing value, a number that does not parse (or is not whole when declared
``integer``), a number outside the declared range, a category not declared, an outcome
that is neither the bad nor a good value, a group an audit column does not declare. Every
problem is collected, and if there is any the file is refused as a whole
(``DirtyFile``): nothing is stored and nothing is charged. The report names the row (1
is the first data row, line 2 of a CSV), the column and the problem, never the cell's
value: it may be a person's data.

Columns: every column of the file must be declared in the mapping (``use = "ignore"``
leaves one out, unread); every declared column must be in the file. To score records
against a trained model (``check_records``) only the model's features are read, and
every other column is left unread.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from ..card import CategoricalFeature, MappedFeature
from ..contract import age_like
from ..errors import MAX_REPORTED, DirtyFile, RowProblem
from .mapping import AuditColumn, FileMapping

Codes = npt.NDArray[np.int64]
Values = npt.NDArray[np.float64]
FileFormat = Literal["csv", "parquet"]

#: The fewest rows, and the fewest of each outcome, a file can be trained on.
MIN_ROWS: Final = 100
MIN_PER_OUTCOME: Final = 20
#: The most rows a file may hold.
MAX_ROWS: Final = 2_000_000
#: Without a person column, a file whose exact repeats pass this share of its rows is
#: refused: each copy would count as another person (and spend the budget once more).
MAX_REPEATED_SHARE: Final = 0.1


@dataclass(frozen=True)
class LabelledFile:
    """A clean file, ready to train on.

    Per feature the bin of every row and its value; the outcomes; the audit groups; and
    the digest that identifies the data for the privacy ledger.
    """

    rows: int
    codes: dict[str, Codes]
    values: dict[str, Values]
    defaulted: npt.NDArray[np.bool_]
    audit: dict[str, Codes]
    digest: str
    #: Whose each row is (an index per person; each row its own without a person column).
    people: Codes
    #: The most rows one person brings, and how many rows beyond that were left out.
    rows_per_person: int = 1
    left_out: int = 0
    #: Rows that repeat another row exactly (only without a person column).
    repeated: int = 0


@dataclass(frozen=True)
class Records:
    """Records to score: per feature the value of every row (a category as its code)."""

    rows: int
    values: dict[str, Values]


def read_frame(path: Path) -> pl.DataFrame:
    """Read a CSV or Parquet file (by its suffix) with every cell as text."""
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet", ".pq"}:
        raise DirtyFile((RowProblem(None, "*", "the file is neither .csv nor .parquet"),))
    return frame_from_bytes(path.read_bytes(), "csv" if suffix == ".csv" else "parquet")


def frame_from_bytes(data: bytes, file_format: FileFormat) -> pl.DataFrame:
    """Read CSV or Parquet bytes with every cell as text."""
    try:
        if file_format == "csv":
            frame = pl.read_csv(
                io.BytesIO(data), infer_schema=False, missing_utf8_is_empty_string=False
            )
        else:
            frame = pl.read_parquet(io.BytesIO(data))
            frame = frame.with_columns(pl.all().cast(pl.String))
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise DirtyFile((RowProblem(None, "*", f"the file could not be read: {first}"),)) from None
    if frame.height > MAX_ROWS:
        raise DirtyFile((RowProblem(None, "*", f"more than {MAX_ROWS} rows"),))
    return frame


def _dataset_digest(frame: pl.DataFrame) -> str:
    """The identity of a file's data: its columns and rows, in any order, hashed.

    The same data uploaded again (reordered, or as Parquet instead of CSV with the same
    text) has the same digest, so it draws on the same privacy budget.
    """
    ordered = frame.select(sorted(frame.columns))
    ordered = ordered.sort(ordered.columns, nulls_last=True)
    return hashlib.sha256(ordered.write_csv().encode()).hexdigest()


def _rows(mask: npt.NDArray[np.bool_]) -> list[int]:
    return (np.flatnonzero(mask) + 1).tolist()


class _Report:
    def __init__(self) -> None:
        self.problems: list[RowProblem] = []
        self.total = 0

    def column(self, column: str, problem: str) -> None:
        self.total += 1
        self.problems.append(RowProblem(None, column, problem))

    def rows(self, mask: npt.NDArray[np.bool_], column: str, problem: str) -> None:
        bad = _rows(mask)
        self.total += len(bad)
        room = max(0, MAX_REPORTED - len(self.problems))
        self.problems.extend(RowProblem(r, column, problem) for r in bad[:room])

    def raise_if_any(self) -> None:
        if self.total:
            ordered = sorted(self.problems, key=lambda p: (p.row or 0, p.column))
            raise DirtyFile(tuple(ordered), self.total)


def _text(frame: pl.DataFrame, column: str) -> tuple[list[str | None], npt.NDArray[np.bool_]]:
    raw = frame[column].cast(pl.String)
    stripped = raw.str.strip_chars()
    missing = (stripped.is_null() | (stripped == "")).fill_null(True).to_numpy()
    return stripped.to_list(), np.asarray(missing, dtype=bool)


def _numeric(
    frame: pl.DataFrame,
    column: str,
    *,
    lower: float,
    upper: float,
    integer: bool,
    report: _Report,
) -> Values:
    texts, missing = _text(frame, column)
    parsed = pl.Series(texts, dtype=pl.String).cast(pl.Float64, strict=False).to_numpy()
    values = np.asarray(parsed, dtype=np.float64)
    report.rows(missing, column, "missing value")
    unparsed = ~missing & np.isnan(values)
    report.rows(unparsed, column, "not a number")
    finite = np.isfinite(values)
    report.rows(~missing & ~unparsed & ~finite, column, "not a finite number")
    ok = finite & ~missing
    if integer:
        fractional = ok & (np.floor(np.where(ok, values, 0)) != np.where(ok, values, 0))
        report.rows(fractional, column, "not a whole number")
    outside = ok & ((values < lower) | (values > upper))
    report.rows(outside, column, f"outside the declared range [{lower:g}, {upper:g}]")
    return values


def _categorical(
    frame: pl.DataFrame, column: str, categories: Sequence[str], report: _Report, what: str
) -> Codes:
    texts, missing = _text(frame, column)
    index = {c: i for i, c in enumerate(categories)}
    codes = np.asarray([index.get(t, -1) if t is not None else -1 for t in texts], dtype=np.int64)
    report.rows(missing, column, "missing value")
    report.rows(~missing & (codes < 0), column, f"not one of the declared {what}")
    return codes


def _feature_values(
    frame: pl.DataFrame, feature: MappedFeature, report: _Report
) -> tuple[Values, Codes]:
    if isinstance(feature, CategoricalFeature):
        codes = _categorical(frame, feature.name, feature.categories, report, "categories")
        return codes.astype(np.float64), codes
    values = _numeric(
        frame,
        feature.name,
        lower=feature.lower,
        upper=feature.upper,
        integer=feature.kind == "int",
        report=report,
    )
    safe = np.where(np.isfinite(values), values, feature.lower)
    codes = np.searchsorted(np.asarray(feature.bins), safe, side="right").astype(np.int64)
    return values, codes


def _audit_codes(frame: pl.DataFrame, column: AuditColumn, report: _Report) -> Codes:
    if not column.numeric:
        return _categorical(frame, column.name, column.groups, report, "groups")
    values = _numeric(
        frame, column.name, lower=column.lower, upper=column.upper, integer=False, report=report
    )
    safe = np.where(np.isfinite(values), values, column.lower)
    return np.searchsorted(np.asarray(column.bins), safe, side="right").astype(np.int64)


def check_file(frame: pl.DataFrame, mapping: FileMapping) -> LabelledFile:
    """Check a whole file against its mapping; return it ready to train on.

    Raises:
        DirtyFile: any column or row breaks the mapping (every problem is reported).
    """
    report = _Report()
    given = list(frame.columns)
    declared = mapping.declared()
    for name in given:
        if name not in declared:
            report.column(
                name, 'not declared in the mapping (declare it; use = "ignore" leaves it out)'
            )
    for name in sorted(declared - set(given)):
        report.column(name, "declared in the mapping but not in the file")
    report.raise_if_any()
    frame, people, left_out, repeated = _bound_people(frame, mapping, report)
    report.raise_if_any()
    if frame.height < MIN_ROWS:
        report.column("*", f"a file to train on has at least {MIN_ROWS} rows")
        report.raise_if_any()
    values: dict[str, Values] = {}
    codes: dict[str, Codes] = {}
    for feature in mapping.features:
        values[feature.name], codes[feature.name] = _feature_values(frame, feature, report)
        looks = (
            None
            if isinstance(feature, CategoricalFeature)
            else age_like(feature.name, values[feature.name])
        )
        if looks is not None:
            report.column(
                feature.name,
                f"refused as a model input: its values are whole numbers spread like {looks} "
                "and its name is opaque or speaks of years, so it looks like an age, a "
                'protected attribute (age). Declare it use = "audit_only" to use it only in '
                'the fairness report, or use = "ignore"; if it is not an age, give it a name '
                "that says what it is.",
            )
    outcome = mapping.outcome
    labels = _categorical(
        frame, outcome.column, (outcome.bad, *outcome.good), report, "outcome values (bad, good)"
    )
    audit = {a.name: _audit_codes(frame, a, report) for a in mapping.audit}
    report.raise_if_any()
    _check_audit(frame, mapping, codes, audit, report)
    report.raise_if_any()
    defaulted = labels == 0
    for label, count in (("bad", int(defaulted.sum())), ("good", int((~defaulted).sum()))):
        if count < MIN_PER_OUTCOME:
            report.column(
                outcome.column,
                f"fewer than {MIN_PER_OUTCOME} rows with a {label} outcome: too few to learn from",
            )
    report.raise_if_any()
    return LabelledFile(
        rows=frame.height,
        codes=codes,
        values=values,
        defaulted=defaulted,
        audit=audit,
        digest=_dataset_digest(frame),
        people=people,
        rows_per_person=mapping.rows_per_person,
        left_out=left_out,
        repeated=repeated,
    )


def _check_audit(
    frame: pl.DataFrame,
    mapping: FileMapping,
    codes: Mapping[str, Codes],
    audit: Mapping[str, Codes],
    report: _Report,
) -> None:
    """Refuse an audit group with no one in it, and a feature that is an audit column.

    A feature that copies an audit-only column, or whose values stand one for one for its
    groups, is that protected attribute under another name.
    """
    for column in mapping.audit:
        found = np.bincount(audit[column.name], minlength=len(column.labels()))
        for label, count in zip(column.labels(), found, strict=True):
            if count == 0:
                report.column(
                    column.name,
                    f"the audit group {label!r} has no one in it: leave it out of the groups "
                    "(a fairness figure for an empty group is noise alone)",
                )
        for feature in mapping.features:
            copied = frame[feature.name].equals(frame[column.name])
            if copied or _one_for_one(codes[feature.name], audit[column.name]):
                report.column(
                    feature.name,
                    "refused as a model input: it copies the audit-only column "
                    f"{column.name!r} (or its values stand one for one for that column's "
                    "groups), so it is that protected attribute under another name; declare "
                    'it use = "ignore"',
                )


def _one_for_one(left: Codes, right: Codes) -> bool:
    """Whether each value of ``left`` goes with exactly one of ``right`` and back.

    >>> _one_for_one(np.array([0, 1, 1, 2]), np.array([5, 3, 3, 4]))
    True
    >>> _one_for_one(np.array([0, 1, 1, 2]), np.array([5, 3, 4, 4]))
    False
    """
    pairs = np.unique(np.stack([left, right]), axis=1)
    return bool(pairs.shape[1] == np.unique(left).size == np.unique(right).size)


def _bound_people(
    frame: pl.DataFrame, mapping: FileMapping, report: _Report
) -> tuple[pl.DataFrame, Codes, int, int]:
    """Keep at most ``rows_per_person`` rows of each person (the first in file order).

    Returns the rows kept, each one's person index, how many rows were left out, and how
    many rows repeat another exactly (counted only without a person column, where a file
    made of copies is refused: each copy would pass for another person).
    """
    if mapping.person is None:
        repeated = frame.height - frame.unique().height
        if repeated > MAX_REPEATED_SHARE * frame.height:
            report.column(
                "*",
                f"{repeated} of {frame.height} rows repeat another row exactly: each copy would "
                "count as another person. If one person has several rows, declare the column "
                'that says whose a row is as use = "person" (each person then counts once); '
                "else remove the copies",
            )
        return frame, np.arange(frame.height, dtype=np.int64), 0, repeated
    column = mapping.person.column
    ids = frame[column].cast(pl.String)
    if ids.null_count():
        report.rows(ids.is_null().to_numpy(), column, "the person column has no value here")
        return frame, np.zeros(0, dtype=np.int64), 0, 0
    position = pl.int_range(pl.len()).over(column)
    kept = frame.with_columns(ids.alias(column)).filter(position < mapping.person.rows_per_person)
    people = kept[column].rank("dense").to_numpy().astype(np.int64) - 1
    return kept, people, frame.height - kept.height, 0


def check_records(frame: pl.DataFrame, features: Iterable[MappedFeature]) -> Records:
    """Check records to score against a model's features (other columns are not read).

    Raises:
        DirtyFile: a feature column is absent, or a value is missing, of the wrong type,
            out of range or an unknown category.
    """
    report = _Report()
    wanted = list(features)
    for feature in wanted:
        if feature.name not in frame.columns:
            report.column(feature.name, "a feature of the model, missing from the records")
    report.raise_if_any()
    if frame.height == 0:
        report.column("*", "no records to score")
        report.raise_if_any()
    values = {f.name: _feature_values(frame, f, report)[0] for f in wanted}
    report.raise_if_any()
    return Records(rows=frame.height, values=values)


def record_frame(record: Mapping[str, Any]) -> pl.DataFrame:
    """One record (a JSON object) as a one-row frame of text cells."""
    cells: dict[str, list[str | None]] = {}
    for name, value in record.items():
        if value is None:
            cells[name] = [None]
        elif isinstance(value, bool):
            cells[name] = [str(value).lower()]
        else:
            cells[name] = [str(value)]
    return pl.DataFrame(cells, schema=dict.fromkeys(cells, pl.String))

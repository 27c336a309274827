"""Validate facts against the contract: one person's mapping, or a dataset's frame."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import polars as pl

from ..errors import ContractViolation, FieldProblem, Offence
from .features import CONTRACT, FEATURE_NAMES, FEATURES, Feature
from .prohibited import canonical_name, check_columns, field_problem

#: A validated fact: an int or float inside the feature's range, or None where allowed.
FactValue = int | float | None


def _value_problem(given: str, spec: Feature, value: Any) -> FieldProblem | None:
    if value is None:
        if spec.nullable:
            return None
        return FieldProblem(given, Offence.MISSING, f"{spec.name} may not be missing")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return FieldProblem(given, Offence.WRONG_TYPE, f"{spec.name} takes a number")
    if not math.isfinite(value):
        return FieldProblem(given, Offence.WRONG_TYPE, f"{spec.name} takes a finite number")
    if spec.kind == "int" and value != int(value):
        return FieldProblem(given, Offence.WRONG_TYPE, f"{spec.name} takes a whole number")
    if not spec.contains(value):
        return FieldProblem(
            given,
            Offence.OUT_OF_RANGE,
            f"{spec.name} must lie between {spec.lower:g} and {spec.upper:g} {spec.unit}",
        )
    return None


def check_facts(facts: Mapping[str, Any], *, source: str = "payload") -> dict[str, FactValue]:
    """Return ``facts`` under their contract names, or refuse them all at once.

    Names are matched ignoring case and separators; whole numbers are returned as ``int``
    for count features and every value as ``float`` for the others. Every prohibited,
    unknown, duplicate, mistyped or out-of-range field is listed in one
    ``ContractViolation``; offending values are never echoed.

    >>> check_facts({"Savings_Balance": 10, "history_months": 12.0})
    {'savings_balance': 10.0, 'history_months': 12}
    >>> check_facts({"history_months": 99, "gender": "x"})
    Traceback (most recent call last):
    ...
    scoring.errors.ContractViolation: the payload breaks the feature contract in 2 field(s): \
history_months, gender
    """
    problems: list[FieldProblem] = []
    clean: dict[str, FactValue] = {}
    seen: set[str] = set()
    for given, value in facts.items():
        refused = field_problem(given)
        if refused is not None:
            problems.append(refused)
            continue
        name = canonical_name(given)
        if name is None:
            raise RuntimeError(f"{given!r} passed field_problem but is no feature (a bug)")
        spec = FEATURES[name]
        if name in seen:
            problems.append(FieldProblem(given, Offence.DUPLICATE, f"{name} is given twice"))
            continue
        seen.add(name)
        wrong = _value_problem(given, spec, value)
        if wrong is not None:
            problems.append(wrong)
            continue
        clean[name] = None if value is None else int(value) if spec.kind == "int" else float(value)
    if problems:
        raise ContractViolation(problems, source=source)
    return clean


def check_facts_frame(frame: pl.DataFrame, *, source: str = "features dataset") -> pl.DataFrame:
    """Refuse a dataset of facts that is not exactly ``subject_id`` and the contract.

    Every prohibited, unknown or missing column, every non-numeric column, and every
    feature with values out of range, fractional counts or a missing value where none is
    allowed is listed in one ``ContractViolation``. Returns the frame with its columns in
    contract order, counts as ``Int32`` and the rest as ``Float64``.
    """
    check_columns(frame.columns, expected=["subject_id", *FEATURE_NAMES], source=source)
    problems: list[FieldProblem] = []
    if not frame.schema["subject_id"].is_integer():
        problems.append(FieldProblem("subject_id", Offence.WRONG_TYPE, "an integer key"))
    elif frame["subject_id"].is_duplicated().any() or frame["subject_id"].null_count():
        problems.append(FieldProblem("subject_id", Offence.DUPLICATE, "one row per subject"))
    for spec in CONTRACT:
        column = frame[spec.name]
        if not column.dtype.is_numeric():
            problems.append(FieldProblem(spec.name, Offence.WRONG_TYPE, "a numeric column"))
            continue
        values = column.cast(pl.Float64)
        present = values.drop_nulls()
        if column.null_count() and not spec.nullable:
            problems.append(FieldProblem(spec.name, Offence.MISSING, "may not be missing"))
        if present.is_nan().any() or ((present < spec.lower) | (present > spec.upper)).any():
            problems.append(
                FieldProblem(
                    spec.name,
                    Offence.OUT_OF_RANGE,
                    f"values must lie between {spec.lower:g} and {spec.upper:g} {spec.unit}",
                )
            )
        elif spec.kind == "int" and (present != present.floor()).any():
            problems.append(FieldProblem(spec.name, Offence.WRONG_TYPE, "whole numbers only"))
    if problems:
        raise ContractViolation(problems, source=source)
    return frame.select(
        pl.col("subject_id").cast(pl.Int64),
        *(pl.col(s.name).cast(pl.Int32 if s.kind == "int" else pl.Float64) for s in CONTRACT),
    )

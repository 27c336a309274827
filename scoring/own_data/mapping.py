"""A lender's mapping: what each column of its historical file is, declared up front.

The mapping is a TOML document with one table per column (``[columns.<name>]``) whose
``use`` is one of

* ``outcome``: the label; ``bad`` names the value that means default, ``good`` the
  value(s) that mean repaid. Any other value in the file is an error.
* ``feature``: a model input, ``type = "numeric"`` (a ``range``, public ``bins``, a
  ``unit``, ``integer``) or ``type = "categorical"`` (its ``categories``, in order), with
  its financial data ``category``, its expected ``direction`` (``raises_risk`` or
  ``lowers_risk``; optional for a categorical feature) and whether a person can act on it
  (``actionable``, for recourse).
* ``audit_only``: never a model input; its public ``groups`` (or numeric ``bins``) feed
  the DP fairness report, so a protected attribute may be declared here, and only here.
* ``ignore``: not read at all.
* ``person``: whose row it is (an id of the lender's own); at most one column. With it
  the privacy unit is a person: at most ``rows_per_person`` rows of each (default 1, the
  first in file order) are read, the noise is scaled to that many, and a person's rows
  never stand on both sides of the holdout. Without it every row is taken for a
  different person, and a file that repeats rows is refused.

A feature is refused, with a message naming it, when its name or its declared meaning
(its ``description``) falls under the prohibited list (``scoring.contract.prohibited``): sex, age,
marital or personal status, nationality or foreign-worker status, social or behavioural
data, fine location; or when the labels of its declared ``categories`` name a protected
attribute (``female : divorced``, ``verheiratet``); and, once the file is read, when a
numeric feature's values look like ages or birth years under an opaque or year-like name
(``history_file.check_file``). Every problem of a mapping is listed in one ``ContractViolation``.
Bins and categories are public: they come from the mapping, never from the data.

>>> m = parse_mapping('''
... [columns.repaid]
... use = "outcome"
... bad = "no"
... good = "yes"
... [columns.savings]
... use = "feature"
... type = "categorical"
... categories = ["none", "some"]
... category = "bank_cashflow"
... actionable = true
... description = "Savings band"
... ''')
>>> m.outcome.column, [f.name for f in m.features]
('repaid', ['savings'])
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any, Final

from consent import DataCategory

from ..card.categorical import CategoricalFeature, MappedFeature, spec_of
from ..contract import Direction, Feature, prohibition_for, prohibition_in_labels
from ..errors import ContractViolation, FieldProblem, Offence

#: Bounds that keep training, recourse and the API's answers small.
MAX_COLUMNS: Final = 200
MAX_FEATURES: Final = 30
MAX_ACTIONABLE: Final = 10
MAX_BINS: Final = 20
MAX_CATEGORIES: Final = 50
MAX_TEXT: Final = 200
#: The most groups an audit-only column may have: the fairness report's noise is spread
#: over every group, and a group too small to measure says nothing.
MAX_AUDIT_GROUPS: Final = 12
#: The most rows one person may bring to a training run (``rows_per_person``).
MAX_ROWS_PER_PERSON: Final = 20


class Use(StrEnum):
    """What a column of a lender's file is."""

    OUTCOME = "outcome"
    FEATURE = "feature"
    AUDIT_ONLY = "audit_only"
    IGNORE = "ignore"
    PERSON = "person"


_KEYS: Final[dict[str, frozenset[str]]] = {
    "outcome": frozenset({"use", "bad", "good", "description"}),
    "numeric": frozenset(
        {
            "use",
            "type",
            "description",
            "category",
            "direction",
            "actionable",
            "range",
            "bins",
            "unit",
            "integer",
            "favourable_from",
            "not_monotone_because",
        }
    ),
    "categorical": frozenset(
        {"use", "type", "description", "category", "direction", "actionable", "categories"}
    ),
    "audit_only": frozenset({"use", "description", "groups", "bins", "range"}),
    "ignore": frozenset({"use", "description"}),
    "person": frozenset({"use", "description", "rows_per_person"}),
}


@dataclass(frozen=True)
class Outcome:
    """The outcome column: the value that means default, and those that mean repaid."""

    column: str
    bad: str
    good: tuple[str, ...]


@dataclass(frozen=True)
class AuditColumn:
    """A column read only for the DP fairness report, in public groups.

    Categorical: ``groups`` as declared. Numeric: ``bins`` (interior edges) inside
    ``range``, grouped like a feature's bins.
    """

    name: str
    groups: tuple[str, ...] = ()
    bins: tuple[float, ...] = ()
    lower: float = 0.0
    upper: float = 0.0

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers grouped by ``bins``."""
        return not self.groups

    def labels(self) -> list[str]:
        """The public group labels, in order."""
        if self.groups:
            return list(self.groups)
        edges = [self.lower, *self.bins, self.upper]
        labels = [f"[{a:g}, {b:g})" for a, b in pairwise(edges[:-1])]
        return [*labels, f"[{edges[-2]:g}, {edges[-1]:g}]"]


@dataclass(frozen=True)
class Person:
    """The column that says whose row it is, and how many of a person's rows are read.

    With it the privacy unit is a person, not a row: at most ``rows_per_person`` of each
    person's rows are read (the first in file order), and the noise is scaled to that many.
    """

    column: str
    rows_per_person: int = 1


@dataclass(frozen=True)
class FileMapping:
    """Every column of a lender's file, declared: outcome, features, audit-only, ignored."""

    outcome: Outcome
    features: tuple[MappedFeature, ...]
    audit: tuple[AuditColumn, ...]
    ignored: tuple[str, ...]
    person: Person | None = None

    @property
    def rows_per_person(self) -> int:
        """The most rows one person brings: each row is a person without a person column."""
        return self.person.rows_per_person if self.person is not None else 1

    def declared(self) -> set[str]:
        """Every column the mapping names."""
        return {
            self.outcome.column,
            *(f.name for f in self.features),
            *(a.name for a in self.audit),
            *self.ignored,
            *((self.person.column,) if self.person is not None else ()),
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain data (stored on the model card)."""
        return {
            "outcome": {
                "column": self.outcome.column,
                "bad": self.outcome.bad,
                "good": list(self.outcome.good),
            },
            "features": spec_of(self.features),
            "audit_only": [{"column": a.name, "groups": a.labels()} for a in self.audit],
            "ignored": list(self.ignored),
            "person": None
            if self.person is None
            else {"column": self.person.column, "rows_per_person": self.person.rows_per_person},
        }

    def digest(self) -> str:
        """A hash of the mapping's plain data."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def parse_mapping(text: str) -> FileMapping:
    """Read a mapping from TOML text.

    Raises:
        ContractViolation: the TOML does not parse, or any column's declaration is refused
            (every problem listed, ``source = "mapping"``).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContractViolation(
            [FieldProblem("mapping", Offence.INVALID, f"not valid TOML: {exc}")], source="mapping"
        ) from None
    return _mapping_from_dict(data)


def _mapping_from_dict(data: Mapping[str, Any]) -> FileMapping:
    """Read a mapping from its parsed form (``{"columns": {name: {...}}}``)."""
    problems: list[FieldProblem] = []
    extra = sorted(set(data) - {"columns"})
    if extra:
        problems.append(
            FieldProblem(
                "mapping", Offence.INVALID, f"unknown top-level key(s) {extra}: use [columns.NAME]"
            )
        )
    columns = data.get("columns")
    if not isinstance(columns, Mapping) or not columns:
        problems.append(
            FieldProblem("mapping", Offence.MISSING, "declare the columns as [columns.NAME]")
        )
        raise ContractViolation(problems, source="mapping")
    if len(columns) > MAX_COLUMNS:
        problems.append(FieldProblem("mapping", Offence.INVALID, f"at most {MAX_COLUMNS} columns"))
        raise ContractViolation(problems, source="mapping")
    outcomes: list[Outcome] = []
    features: list[MappedFeature] = []
    audit: list[AuditColumn] = []
    ignored: list[str] = []
    people: list[Person] = []
    for name, spec in columns.items():
        found = _column(str(name), spec, problems)
        if isinstance(found, Person):
            people.append(found)
        if isinstance(found, Outcome):
            outcomes.append(found)
        elif isinstance(found, Feature | CategoricalFeature):
            features.append(found)
        elif isinstance(found, AuditColumn):
            audit.append(found)
        elif found == "ignore":
            ignored.append(str(name))
    if len(people) > 1:
        problems.append(
            FieldProblem("mapping", Offence.INVALID, 'declare at most one use = "person" column')
        )
    if len(outcomes) != 1:
        problems.append(
            FieldProblem(
                "mapping",
                Offence.INVALID,
                f'declare exactly one column with use = "outcome" (found {len(outcomes)})',
            )
        )
    if not features and not problems:
        problems.append(
            FieldProblem("mapping", Offence.MISSING, 'declare at least one use = "feature"')
        )
    if len(features) > MAX_FEATURES:
        problems.append(
            FieldProblem("mapping", Offence.INVALID, f"at most {MAX_FEATURES} features")
        )
    if sum(f.actionable for f in features) > MAX_ACTIONABLE:
        problems.append(
            FieldProblem(
                "mapping", Offence.INVALID, f"at most {MAX_ACTIONABLE} actionable features"
            )
        )
    if problems:
        raise ContractViolation(problems, source="mapping")
    person = people[0] if people else None
    return FileMapping(outcomes[0], tuple(features), tuple(audit), tuple(ignored), person)


def _column(
    name: str, spec: Any, problems: list[FieldProblem]
) -> Outcome | MappedFeature | AuditColumn | Person | str | None:
    if not isinstance(spec, Mapping):
        problems.append(FieldProblem(name, Offence.INVALID, "declare the column as a table"))
        return None
    raw_use = spec.get("use")
    try:
        use = Use(str(raw_use))
    except ValueError:
        problems.append(
            FieldProblem(name, Offence.INVALID, f"use is one of {[u.value for u in Use]}")
        )
        return None
    kind = str(spec.get("type", "")) if use is Use.FEATURE else use.value
    if use is Use.FEATURE and kind not in {"numeric", "categorical"}:
        problems.append(
            FieldProblem(name, Offence.INVALID, 'a feature has type "numeric" or "categorical"')
        )
        return None
    unknown = sorted(set(spec) - _KEYS[kind])
    if unknown:
        problems.append(FieldProblem(name, Offence.INVALID, f"unknown key(s) {unknown}"))
        return None
    description = spec.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_TEXT:
        problems.append(
            FieldProblem(
                name, Offence.INVALID, f"description is text of {MAX_TEXT} characters at most"
            )
        )
        return None
    try:
        if use is Use.OUTCOME:
            return _outcome(name, spec)
        if use is Use.AUDIT_ONLY:
            return _audit(name, spec)
        if use is Use.IGNORE:
            return "ignore"
        if use is Use.PERSON:
            return _person(name, spec)
        refused = _prohibited(name, description)
        if refused is None and kind == "categorical":
            refused = _prohibited_labels(name, spec.get("categories"))
        if refused is not None:
            problems.append(refused)
            return None
        return _feature(name, kind, spec, description)
    except (ValueError, TypeError) as exc:
        problems.append(FieldProblem(name, Offence.INVALID, str(exc)))
        return None


def _person(name: str, spec: Mapping[str, Any]) -> Person:
    rows = spec.get("rows_per_person", 1)
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= MAX_ROWS_PER_PERSON:
        raise ValueError(f"rows_per_person is a whole number from 1 to {MAX_ROWS_PER_PERSON}")
    return Person(name, rows)


def _prohibited(name: str, description: str) -> FieldProblem | None:
    """Refuse a feature prohibited by its name or by its declared meaning."""
    for text, how in ((name, "its name"), (description, "its declared meaning")):
        entry = prohibition_for(text) if text else None
        if entry is not None:
            return FieldProblem(
                name,
                Offence.PROHIBITED,
                f"refused as a model input: {how} falls under the prohibited list "
                f'({entry.key}). {entry.reason} Declare it use = "audit_only" to use it '
                'only in the fairness report, or use = "ignore".',
                entry.category.value,
            )
    return None


def _prohibited_labels(name: str, categories: Any) -> FieldProblem | None:
    """Refuse a categorical feature whose declared labels name a protected attribute."""
    if not isinstance(categories, list):
        return None  # the feature's own check says what is wrong with it
    found = prohibition_in_labels(str(c) for c in categories)
    if found is None:
        return None
    entry, labels = found
    shown = ", ".join(repr(label) for label in labels[:5])
    return FieldProblem(
        name,
        Offence.PROHIBITED,
        f"refused as a model input: its declared categories ({shown}) name a protected "
        f'attribute ({entry.key}). {entry.reason} Declare it use = "audit_only" to use it '
        'only in the fairness report, or use = "ignore".',
        entry.category.value,
    )


def _text_list(value: Any, what: str, limit: int) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or len(value) > limit:
        raise ValueError(f"{what} is a list of 1 to {limit} values")
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise ValueError(f"{what} holds text or whole numbers")
        text = str(item)
        if not text or text != text.strip() or len(text) > MAX_TEXT:
            raise ValueError(f"{what} holds non-empty values without surrounding spaces")
        out.append(text)
    if len(set(out)) != len(out):
        raise ValueError(f"{what} repeats a value")
    return tuple(out)


def _numbers(value: Any, what: str, limit: int) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) > limit:
        raise ValueError(f"{what} is a list of at most {limit} numbers")
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
            raise ValueError(f"{what} holds finite numbers")
        out.append(float(item))
    return tuple(out)


def _range(spec: Mapping[str, Any]) -> tuple[float, float]:
    bounds = _numbers(spec.get("range"), "range", 2)
    if len(bounds) != 2 or not bounds[0] < bounds[1]:
        raise ValueError("range is [lowest, highest], lowest below highest")
    return bounds[0], bounds[1]


def _outcome(name: str, spec: Mapping[str, Any]) -> Outcome:
    bad = _text_list(spec.get("bad"), "bad", 1)[0]
    good = _text_list(spec.get("good"), "good", 10)
    if bad in good:
        raise ValueError("the bad value is also declared good")
    return Outcome(name, bad, good)


def _audit(name: str, spec: Mapping[str, Any]) -> AuditColumn:
    if "groups" in spec:
        if "bins" in spec or "range" in spec:
            raise ValueError("an audit column declares groups, or bins with a range, not both")
        return AuditColumn(name, groups=_text_list(spec["groups"], "groups", MAX_AUDIT_GROUPS))
    low, high = _range(spec)
    bins = _numbers(spec.get("bins"), "bins", MAX_AUDIT_GROUPS - 1)
    edges = (low, *bins)
    if not all(a < b for a, b in pairwise(edges)) or edges[-1] > high:
        raise ValueError("bins rise strictly inside the range")
    return AuditColumn(name, bins=bins, lower=low, upper=high)


def _direction(spec: Mapping[str, Any], required: bool) -> Direction | None:
    raw = spec.get("direction")
    if raw is None and not required:
        return None
    try:
        return Direction(str(raw))
    except ValueError:
        raise ValueError(f"direction is one of {[d.value for d in Direction]}") from None


def _feature(name: str, kind: str, spec: Mapping[str, Any], description: str) -> MappedFeature:
    raw_category = spec.get("category")
    try:
        category = DataCategory(str(raw_category))
    except ValueError:
        raise ValueError(
            f"category is one of the financial data categories {[c.value for c in DataCategory]}"
        ) from None
    actionable = spec.get("actionable", False)
    if not isinstance(actionable, bool):
        raise ValueError("actionable is true or false")
    text = description or name.replace("_", " ")
    if kind == "categorical":
        return CategoricalFeature(
            name=name,
            description=text,
            categories=_text_list(spec.get("categories"), "categories", MAX_CATEGORIES),
            category=category,
            actionable=actionable,
            direction=_direction(spec, required=False),
        )
    low, high = _range(spec)
    integer = spec.get("integer", False)
    unit = spec.get("unit", "")
    if not isinstance(integer, bool) or not isinstance(unit, str) or len(unit) > 40:
        raise ValueError("integer is true or false; unit is short text")
    bins = _numbers(spec.get("bins"), "bins", MAX_BINS)
    if not bins:
        raise ValueError("a numeric feature declares its public bin edges (bins)")
    direction = _direction(spec, required=True)
    if direction is None:  # pragma: no cover - _direction raises when it is required
        raise ValueError("a numeric feature declares its direction")
    edge = spec.get("favourable_from")
    if edge is not None and (isinstance(edge, bool) or not isinstance(edge, int | float)):
        raise ValueError("favourable_from is a number: one of the bin edges")
    reason = spec.get("not_monotone_because", "")
    if not isinstance(reason, str) or len(reason) > MAX_TEXT:
        raise ValueError("not_monotone_because is short text: why the shape is not monotone")
    return Feature(
        name=name,
        description=text,
        kind="int" if integer else "float",
        unit=unit,
        lower=low,
        upper=high,
        category=category,
        actionable=actionable,
        direction=direction,
        bins=bins,
        favourable_edge=None if edge is None else float(edge),
        monotone=not reason.strip(),
        not_monotone_because=reason.strip(),
    )

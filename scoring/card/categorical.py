"""Model inputs declared by a lender's mapping: numeric with public bins, or categorical.

The built-in model reads the 14 contract features (``scoring.contract.features``). A model trained
on a lender's own file (``docs/own-data.md``) reads the features its mapping declares:
a numeric one is a contract ``Feature`` (a range, public bin edges, a data category, a
direction); a categorical one is a ``CategoricalFeature``, whose public bins are its
declared categories, in the declared order. The scorecard, reasons, recourse and
explanations treat both alike through ``ScoredFeature``.

A categorical value travels as the index of its category (a float, like every other
fact), so every line of a score holds a number; ``label_of`` turns it back into the
category for people to read. An unknown category never reaches a score: the file reader
refuses it (``scoring.own_data.history_file``).

``spec_of`` and ``features_from_spec`` turn a model's features into plain data and back:
the model version stores them beside its points.

>>> f = CategoricalFeature(
...     name="savings", description="Savings band", categories=("none", "some"),
...     category=DataCategory.BANK_CASHFLOW, actionable=True, direction=None)
>>> f.bin_of(f.code_of("some")), f.label_of(1.0)
(1, 'some')
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from consent import DataCategory

from ..contract import Direction, Feature


class ScoredFeature(Protocol):
    """What the scorecard needs of a feature: a contract ``Feature`` or a categorical one."""

    @property
    def name(self) -> str:
        """The feature's name (snake_case)."""

    @property
    def description(self) -> str:
        """What it measures, in words."""

    @property
    def unit(self) -> str:
        """Its unit (empty for a categorical feature)."""

    @property
    def kind(self) -> str:
        """``int``, ``float`` or ``category``."""

    @property
    def category(self) -> DataCategory:
        """The data category it belongs to."""

    @property
    def actionable(self) -> bool:
        """Whether a person can change it (recourse only changes these)."""

    @property
    def nullable(self) -> bool:
        """Whether it has a ``missing`` bin."""

    def bin_of(self, value: float | None) -> int:
        """The index of the public bin holding ``value``."""


@dataclass(frozen=True)
class CategoricalFeature:
    """A feature whose public bins are its declared categories, in the declared order.

    ``direction``, when declared, says which way risk moves along that order (later
    categories raise or lower it); ``None`` declares no order.
    """

    name: str
    description: str
    categories: tuple[str, ...]
    category: DataCategory
    actionable: bool
    direction: Direction | None
    kind: Literal["category"] = "category"
    unit: str = ""
    nullable: bool = False

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"feature name {self.name!r} is not snake_case")
        if len(self.categories) < 2:
            raise ValueError(f"{self.name}: a categorical feature declares two categories or more")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError(f"{self.name}: its categories repeat")
        if any(not c or c != c.strip() for c in self.categories):
            raise ValueError(f"{self.name}: a category is empty or has surrounding spaces")

    def code_of(self, label: str) -> float:
        """Return the code (index) of the category ``label``; ``KeyError`` if unknown."""
        try:
            return float(self.categories.index(label))
        except ValueError:
            raise KeyError(label) from None

    def label_of(self, value: float) -> str:
        """Return the category a code stands for."""
        return self.categories[self.bin_of(value)]

    def bin_of(self, value: float | None) -> int:
        """Return the bin (the category's index) of a code."""
        if value is None or not math.isfinite(value):
            raise ValueError(f"{self.name} may not be missing")
        index = int(value)
        if index != value or not 0 <= index < len(self.categories):
            raise ValueError(f"{self.name}: {value!r} is not the code of a declared category")
        return index


MappedFeature = Feature | CategoricalFeature


def spec_of(features: Iterable[MappedFeature]) -> list[dict[str, Any]]:
    """Return the features as plain data (stored with a model version)."""
    out: list[dict[str, Any]] = []
    for f in features:
        common = {
            "name": f.name,
            "description": f.description,
            "category": f.category.value,
            "actionable": f.actionable,
            "direction": f.direction.value if f.direction is not None else None,
        }
        if isinstance(f, CategoricalFeature):
            out.append({**common, "type": "categorical", "categories": list(f.categories)})
        else:
            out.append(
                {
                    **common,
                    "type": "numeric",
                    "integer": f.kind == "int",
                    "unit": f.unit,
                    "range": [f.lower, f.upper],
                    "bins": list(f.bins),
                    "favourable_from": f.favourable_edge,
                    "not_monotone_because": f.not_monotone_because,
                }
            )
    return out


def features_from_spec(spec: Sequence[Mapping[str, Any]]) -> tuple[MappedFeature, ...]:
    """Rebuild the features from ``spec_of``'s plain data."""
    out: list[MappedFeature] = []
    for item in spec:
        category = DataCategory(item["category"])
        if item["type"] == "categorical":
            out.append(
                CategoricalFeature(
                    name=item["name"],
                    description=item["description"],
                    categories=tuple(item["categories"]),
                    category=category,
                    actionable=bool(item["actionable"]),
                    direction=Direction(item["direction"]) if item.get("direction") else None,
                )
            )
        else:
            low, high = item["range"]
            out.append(
                Feature(
                    name=item["name"],
                    description=item["description"],
                    kind="int" if item.get("integer") else "float",
                    unit=item.get("unit", ""),
                    lower=float(low),
                    upper=float(high),
                    category=category,
                    actionable=bool(item["actionable"]),
                    direction=Direction(item["direction"]),
                    bins=tuple(float(b) for b in item["bins"]),
                    favourable_edge=item.get("favourable_from"),
                    monotone=not item.get("not_monotone_because"),
                    not_monotone_because=item.get("not_monotone_because") or "",
                )
            )
    return tuple(out)

"""A released statistic: every cell of the public grid with its value and 95% interval.

``release`` adds OpenDP's noise (through the plan's ``VectorNoise`` parts) to the exact
vectors of ``dp.statistics.tabulate`` and post-processes them: sums in fixed-point units
back to units, means and rates as ratios of two noisy counts with intervals from the two
parts' accuracies at half the error rate each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scoring.contract import FEATURES

from .loss import PrivacyLoss
from .statistics import ALPHA, StatPlan, _numerator, quantum


@dataclass(frozen=True)
class Cell:
    """One cell of an answer: its public key, the noisy value and its 95% interval."""

    key: dict[str, str]
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class StatAnswer:
    """A released statistic: every cell of the public grid, and what it cost."""

    query: dict[str, Any]
    cells: tuple[Cell, ...]
    mechanism: dict[str, Any]
    cost: PrivacyLoss
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The answer as plain data (stored with the release)."""
        return {
            "query": self.query,
            "cells": [
                {"key": c.key, "value": c.value, "interval": [c.low, c.high]} for c in self.cells
            ],
            "mechanism": self.mechanism,
            "cost_rho": self.cost.decimal(),
            "confidence": 1 - ALPHA,
        }


def release(stat_plan: StatPlan, exact: Mapping[str, Sequence[int]]) -> StatAnswer:
    """Add OpenDP noise to the exact vectors and post-process them into an answer."""
    query = stat_plan.query
    noisy = {name: part.release(exact[name]) for name, part in stat_plan.parts.items()}
    keys = _keys(query.axes())
    cells: list[Cell] = []
    if query.statistic in {"count", "histogram"}:
        a = stat_plan.parts["count"].accuracy(ALPHA)
        cells = [Cell(k, float(v), v - a, v + a) for k, v in zip(keys, noisy["count"], strict=True)]
    elif query.statistic == "sum":
        step = quantum(FEATURES[str(query.feature)])
        a = stat_plan.parts["sum"].accuracy(ALPHA)
        cells = [
            Cell(k, v * step, (v - a) * step, (v + a) * step)
            for k, v in zip(keys, noisy["sum"], strict=True)
        ]
    elif query.statistic in {"default_rate", "approval_rate"}:
        cells = _rates(stat_plan, keys, noisy)
    else:
        cells = _means(stat_plan, keys, noisy)
    return StatAnswer(query.describe(), tuple(cells), stat_plan.mechanism(), stat_plan.cost)


def _means(
    stat_plan: StatPlan, keys: list[dict[str, str]], noisy: dict[str, list[int]]
) -> list[Cell]:
    # Each interval holds with probability 97.5%, so both at once with at least 95%.
    query = stat_plan.query
    step = quantum(FEATURES[str(query.feature)])
    low, high = query.bounds()
    a_sum = stat_plan.parts["sum"].accuracy(ALPHA / 2)
    a_count = stat_plan.parts["count"].accuracy(ALPHA / 2)
    cells = []
    for key, total, count in zip(keys, noisy["sum"], noisy["count"], strict=True):
        value = min(high, max(low, total * step / count)) if count > 0 else (low + high) / 2
        if count - a_count <= 0:
            cells.append(Cell(key, value, low, high))
            continue
        corners = [
            s * step / c
            for s in (total - a_sum, total + a_sum)
            for c in (count - a_count, count + a_count)
        ]
        cells.append(Cell(key, value, max(low, min(corners)), min(high, max(corners))))
    return cells


def _rates(
    stat_plan: StatPlan, keys: list[dict[str, str]], noisy: dict[str, list[int]]
) -> list[Cell]:
    # As for means: each count's interval at 97.5%, so both hold at once with >= 95%.
    numerator = _numerator(stat_plan.query)
    a_hit = stat_plan.parts[numerator].accuracy(ALPHA / 2)
    a_count = stat_plan.parts["count"].accuracy(ALPHA / 2)
    cells = []
    for key, hits, count in zip(keys, noisy[numerator], noisy["count"], strict=True):
        value = min(1.0, max(0.0, hits / count)) if count > 0 else 0.5
        if count - a_count <= 0:
            cells.append(Cell(key, value, 0.0, 1.0))
            continue
        low = max(0.0, (hits - a_hit) / (count + a_count))
        high = min(1.0, (hits + a_hit) / (count - a_count))
        cells.append(Cell(key, value, low, max(low, high)))
    return cells


def _keys(axes: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    keys: list[dict[str, str]] = [{}]
    for name, labels in axes:
        keys = [{**k, name: label} for k in keys for label in labels]
    return keys

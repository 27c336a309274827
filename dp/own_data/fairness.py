"""The DP fairness report of a lender's own model, over the file's audit-only columns.

Audit-only columns (``scoring.own_data.mapping``: personal status, age, foreign-worker status and
the like) are never model inputs. They only group the rows of this report: per column
and group, the counts of (outcome x approved at a public cut-off), every cell over the
declared groups released through one OpenDP discrete Laplace measurement (each row adds
one to one cell per audit column: sensitivity = number of columns), and the rates
computed from the noisy counts (post-processing): per group the approval rate, the TPR
(approval among repayers), the FPR (approval among defaulters) and the default rate among
the approved, each with its DP interval (all of them at once at 95%), its sampling
interval, and a ``too_small`` flag; and per column the lowest group's approval-rate ratio
and TPR gap to the highest, with intervals. ``dp.own_data.training`` plans its noise and
charges it with the training run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from scoring.own_data import AuditColumn, Codes

from ..intervals import Estimate, count, gap, ratio, share, wilson
from ..mechanisms import VectorNoise

#: All of one report's intervals hold together with at least 1 - ALPHA.
ALPHA = 0.05
#: A rate whose DP interval is wider than this says too little to compare groups by: it
#: is flagged ``too_small`` (the group is too small for the noise), never hidden.
TOO_WIDE = 0.2


def fairness_report(
    audit: Sequence[AuditColumn],
    groups: Mapping[str, Codes],
    defaulted: npt.NDArray[np.bool_],
    approved: npt.NDArray[np.bool_],
    noise: VectorNoise,
    *,
    cut_off: int,
) -> dict[str, Any]:
    """Release noisy counts of (outcome x approved) per audit-only column and group.

    The rates, their intervals and the comparisons between groups are computed from the
    noisy counts (post-processing, ``dp.intervals``): every DP interval of the report
    holds at once with probability at least 95%.
    """
    exact: list[int] = []
    cell_of_row = defaulted.astype(np.int64) * 2 + approved.astype(np.int64)
    for column in audit:
        size = len(column.labels())
        exact.extend(
            np.bincount(groups[column.name] * 4 + cell_of_row, minlength=4 * size).tolist()
        )
    noisy = np.maximum(np.asarray(noise.release(exact), dtype=np.float64), 0.0)
    half = noise.accuracy(ALPHA / len(exact))
    columns: dict[str, Any] = {}
    start = 0
    for column in audit:
        rows: list[dict[str, Any]] = []
        approval: dict[str, Estimate] = {}
        repaid_approval: dict[str, Estimate] = {}
        for label in column.labels():
            good_no, good_yes, bad_no, bad_yes = noisy[start : start + 4]
            start += 4
            total = good_no + good_yes + bad_no + bad_yes
            one = {
                name: count(v, half)
                for name, v in zip(_CELLS, (good_no, good_yes, bad_no, bad_yes), strict=True)
            }
            approved_n = count(good_yes + bad_yes, half, cells=2)
            refused_n = count(good_no + bad_no, half, cells=2)
            figures = {
                "approval_rate": (
                    share(approved_n, refused_n),
                    (good_yes + bad_yes, good_no + bad_no),
                ),
                "tpr": (share(one["good_yes"], one["good_no"]), (good_yes, good_no)),
                "fpr": (share(one["bad_yes"], one["bad_no"]), (bad_yes, bad_no)),
                "default_rate_of_approved": (
                    share(one["bad_yes"], one["good_yes"]),
                    (bad_yes, good_yes),
                ),
            }
            approval[label] = figures["approval_rate"][0]
            repaid_approval[label] = figures["tpr"][0]
            rows.append(
                {
                    "group": label,
                    "rows": int(total),
                    "approval_rate": _rate(good_yes + bad_yes, total),
                    "default_rate": _rate(bad_no + bad_yes, total),
                    "approval_rate_of_repaid": _rate(good_yes, good_no + good_yes),
                    "approval_rate_of_defaulted": _rate(bad_yes, bad_no + bad_yes),
                    "intervals": {
                        name: _shown(estimate, *counts)
                        for name, (estimate, counts) in figures.items()
                    },
                }
            )
        rates = [float(r["approval_rate"]) for r in rows if r["approval_rate"] is not None]
        columns[column.name] = {
            "groups": rows,
            "lowest_to_highest_approval_ratio": round(min(rates) / max(rates), 4)
            if rates and max(rates) > 0
            else None,
            "comparisons": _comparisons(approval, repaid_approval),
        }
    return {
        "cut_off": cut_off,
        "columns": columns,
        "epsilon": noise.epsilon,
        "mechanism": noise.mechanism,
        "noise_95": round(noise.accuracy(0.05), 2),
        "joint_interval": {
            "confidence": 1 - ALPHA,
            "half_width_per_cell": round(half, 2),
            "too_small_wider_than": TOO_WIDE,
        },
        "note": "Counts are differentially private (each cell within noise_95 of the truth "
        "with probability 0.95); rates are computed from the noisy counts. Each rate's "
        "dp_interval covers the noise, and all of them hold at once with probability at "
        "least 0.95; its sampling_interval (Wilson, from the noisy counts) covers the "
        "chance in who is in the file. A rate flagged too_small has a DP interval wider "
        f"than {TOO_WIDE}: its group is too small for the noise to say. Audit-only "
        "columns are never model inputs.",
    }


_CELLS = ("good_no", "good_yes", "bad_no", "bad_yes")


def _shown(estimate: Estimate, yes: float, no: float) -> dict[str, Any]:
    sampled = wilson(yes, no)
    return {
        "value": round(estimate.value, 4),
        "dp_interval": [round(estimate.low, 4), round(estimate.high, 4)],
        "sampling_interval": None
        if sampled is None
        else [round(sampled.low, 4), round(sampled.high, 4)],
        "too_small": bool(estimate.width > TOO_WIDE),
    }


def _comparisons(
    approval: Mapping[str, Estimate], repaid: Mapping[str, Estimate]
) -> dict[str, Any] | None:
    """The lowest group against the highest: the approval-rate ratio and the TPR gap."""
    if len(approval) < 2:
        return None
    low = min(approval, key=lambda g: approval[g].value)
    high = max(approval, key=lambda g: approval[g].value)
    if low == high:
        return None
    approval_ratio = ratio(approval[low], approval[high])
    tpr_gap = gap(repaid[low], repaid[high])
    return {
        "lowest": low,
        "highest": high,
        "approval_rate_ratio": _interval(approval_ratio),
        "tpr_gap": _interval(tpr_gap),
    }


def _interval(estimate: Estimate) -> dict[str, Any]:
    finite = [
        v if math.isfinite(v) else None for v in (estimate.value, estimate.low, estimate.high)
    ]
    value, low, high = (round(v, 4) if v is not None else None for v in finite)
    return {"value": value, "dp_interval": [low, high]}


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole >= 1 else None

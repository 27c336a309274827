"""The DP fairness report of a lender's own model, over the file's audit-only columns.

Audit-only columns (``scoring.own_data.mapping``: personal status, age, foreign-worker status and
the like) are never model inputs. They only group the rows of this report: per column
and group, the counts of (outcome x approved at a public cut-off), every cell over the
declared groups released through one OpenDP discrete Laplace measurement (each row adds
one to one cell per audit column: sensitivity = number of columns), and the rates
computed from the noisy counts (post-processing). ``dp.own_data.training`` plans its noise and
charges it with the training run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from scoring.own_data import AuditColumn, Codes

from ..mechanisms import VectorNoise


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

    The rates are computed from the noisy counts (post-processing).
    """
    exact: list[int] = []
    cell_of_row = defaulted.astype(np.int64) * 2 + approved.astype(np.int64)
    for column in audit:
        size = len(column.labels())
        exact.extend(
            np.bincount(groups[column.name] * 4 + cell_of_row, minlength=4 * size).tolist()
        )
    noisy = np.maximum(np.asarray(noise.release(exact), dtype=np.float64), 0.0)
    columns: dict[str, Any] = {}
    start = 0
    for column in audit:
        rows: list[dict[str, Any]] = []
        for label in column.labels():
            good_no, good_yes, bad_no, bad_yes = noisy[start : start + 4]
            start += 4
            total = good_no + good_yes + bad_no + bad_yes
            rows.append(
                {
                    "group": label,
                    "rows": int(total),
                    "approval_rate": _rate(good_yes + bad_yes, total),
                    "default_rate": _rate(bad_no + bad_yes, total),
                    "approval_rate_of_repaid": _rate(good_yes, good_no + good_yes),
                    "approval_rate_of_defaulted": _rate(bad_yes, bad_no + bad_yes),
                }
            )
        rates = [float(r["approval_rate"]) for r in rows if r["approval_rate"] is not None]
        columns[column.name] = {
            "groups": rows,
            "lowest_to_highest_approval_ratio": round(min(rates) / max(rates), 4)
            if rates and max(rates) > 0
            else None,
        }
    return {
        "cut_off": cut_off,
        "columns": columns,
        "epsilon": noise.epsilon,
        "mechanism": noise.mechanism,
        "noise_95": round(noise.accuracy(0.05), 2),
        "note": "Counts are differentially private (each cell within noise_95 of the truth "
        "with probability 0.95); rates are computed from the noisy counts. Audit-only "
        "columns are never model inputs.",
    }


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole >= 1 else None

"""Fit diffprivlib's LogisticRegression in its own environment (run by bench_diffprivlib).

Reads ``data.npz`` (train and holdout matrices, labels, sizes, epsilons, data_norm) from the
folder given, writes ``auc.json``: for each training size, the holdout AUC of the
non-private scikit-learn model and, per epsilon, diffprivlib's mean AUC over repeats at
the best of the stated ``data_norm`` values, with that norm.
Only numpy, scikit-learn and diffprivlib are imported here.
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
from diffprivlib.models import LogisticRegression as DPLogisticRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score


def main(folder: Path) -> None:
    data = np.load(folder / "data.npz")
    x, y, hx, hy = data["x"], data["y"], data["hx"], data["hy"]
    norms, repeats = data["data_norms"].tolist(), int(data["repeats"])
    out = {}
    for n in data["sizes"].tolist():
        plain = LogisticRegression(max_iter=1000).fit(x[:n], y[:n])
        cell = {"inf": roc_auc_score(hy, plain.predict_proba(hx)[:, 1])}
        for eps in data["epsilons"].tolist():
            best = (-1.0, 0.0)
            for norm in norms:  # rows beyond the norm are clipped by diffprivlib
                runs = []
                for _ in range(repeats):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # convergence chatter, not privacy
                        model = DPLogisticRegression(epsilon=eps, data_norm=norm, max_iter=1000)
                        model.fit(x[:n], y[:n])
                    runs.append(roc_auc_score(hy, model.predict_proba(hx)[:, 1]))
                best = max(best, (float(np.mean(runs)), norm))
            cell[str(eps)] = best
        out[str(n)] = cell
    (folder / "auc.json").write_text(json.dumps(out))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""Time optbinning's ``Scorecard.score`` in its own environment (run by bench_scoring).

Reads ``data.npz`` from the folder given (the 14 feature columns, outcomes, the fit size),
fits optbinning 1.0's BinningProcess + Scorecard on the first rows, then times
``Scorecard.score`` over every row (best of 3) and writes ``seconds.json``. Only numpy,
pandas, scikit-learn and optbinning are imported here.
"""

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from optbinning import BinningProcess, Scorecard
from sklearn.linear_model import LogisticRegression


def main(folder: Path) -> None:
    data = np.load(folder / "data.npz")
    names = [str(n) for n in data["names"]]
    frame = pd.DataFrame({n: data[n] for n in names})
    outcomes, fit = data["outcomes"].astype(int), int(data["fit"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        card = Scorecard(
            binning_process=BinningProcess(names),
            estimator=LogisticRegression(max_iter=500),
            scaling_method="min_max",
            scaling_method_params={"min": 300, "max": 850},
        )
        card.fit(frame.iloc[:fit], outcomes[:fit])
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            card.score(frame)
            best = min(best, time.perf_counter() - started)
    (folder / "seconds.json").write_text(json.dumps({"seconds": best}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

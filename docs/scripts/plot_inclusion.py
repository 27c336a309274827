"""Draw docs/img/inclusion.png from the inclusion bench's own computation.

Run from the repository root (needs the ``docs`` extra: ``pip install -e '.[docs]'``)::

    python docs/scripts/plot_inclusion.py

It calls ``bench.bench_inclusion.measure`` for both profiles (the same seeds, splits and
cut-off rule as ``python -m bench inclusion``; the DP training noise is fresh on every run,
so the curves move by a hair between runs) and prints the bench's rows too.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from bench.bench_inclusion import SEEDS, TARGET_BAD_RATE, Measured, measure, rows_for

DOCS = Path(__file__).resolve().parents[1]
COLOURS = {"Fairfile": "#1b7837", "bureau-only": "#762a83"}


def _inclusion(ax: plt.Axes, measured: list[Measured]) -> None:
    labels, width = [], 0.38
    for i, m in enumerate(measured):
        for j, (name, mask) in enumerate((("thin", m.thin), ("thick", ~m.thin))):
            x = 2 * i + j
            labels.append(f"{m.profile}\n{name} files")
            for k, model in enumerate((m.fairfile, m.bureau)):
                share = model.scorable[mask].mean()
                ax.bar(
                    x + (k - 0.5) * width,
                    share,
                    width,
                    color=COLOURS[model.name],
                    label=model.name if x == 0 else None,
                )
                ax.text(
                    x + (k - 0.5) * width, share + 0.01, f"{share:.0%}", ha="center", fontsize=7
                )
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("share of applicants who can be scored")
    ax.set_title("(a) Who can be scored")
    ax.legend(fontsize=8, loc="lower right")


#: Cut-offs approving fewer than this share of applicants are left off the curves: the bad
#: rate of a handful of approvals jumps between 0 and 1 and draws lines across the panel.
MIN_APPROVAL = 0.005


def _trade_off(ax: plt.Axes, m: Measured, letter: str) -> None:
    for model in (m.fairfile, m.bureau):
        c = {k: v[model.curve["approval"] >= MIN_APPROVAL] for k, v in model.curve.items()}
        ax.plot(
            c["bad_rate"],
            c["approval"],
            color=COLOURS[model.name],
            label=f"{model.name}: all applicants",
        )
        if model.name == "Fairfile":
            ax.plot(
                c["bad_rate"],
                c["thin_good_approval"],
                color=COLOURS[model.name],
                linestyle="--",
                label="Fairfile: thin-file repayers",
            )
        point = model.portfolio
        ax.plot(point.bad_rate(m.defaulted), point.approved.mean(), "o", color=COLOURS[model.name])
    ax.axhline(
        0,
        color=COLOURS["bureau-only"],
        linestyle="--",
        linewidth=1,
        label="bureau-only: thin-file repayers (0%)",
    )
    ax.axvline(TARGET_BAD_RATE, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlim(0.01, 0.065)
    ax.set_ylim(-0.02, 1.0)
    ax.set_xlabel("portfolio bad rate of the approved (drawn outcomes)")
    ax.set_ylabel("approval rate")
    ax.set_title(
        f"({letter}) {m.profile} profile: approvals vs bad rate\n"
        f"(dots: cut-offs chosen for <= {TARGET_BAD_RATE:.0%} on the calibration part)",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="upper left")


def _approvals(ax: plt.Axes, measured: list[Measured]) -> None:
    groups, width = [], 0.38
    x = 0
    for m in measured:
        segments = (
            ("thin repayers", m.thin & ~m.defaulted),
            ("thin", m.thin),
            ("thick", ~m.thin),
            ("all", np.ones_like(m.thin)),
        )
        for name, mask in segments:
            groups.append(f"{m.profile}\n{name}")
            for k, model in enumerate((m.fairfile, m.bureau)):
                rate = model.portfolio.approval_rate(mask)
                ax.bar(
                    x + (k - 0.5) * width,
                    rate,
                    width,
                    color=COLOURS[model.name],
                    label=model.name if x == 0 else None,
                )
                ax.text(x + (k - 0.5) * width, rate + 0.01, f"{rate:.0%}", ha="center", fontsize=6)
            x += 1
    ax.set_xticks(range(len(groups)), groups, fontsize=6)
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("approval rate at the cut-off")
    ax.set_title(f"(d) Approvals at a portfolio bad rate <= {TARGET_BAD_RATE:.0%}")
    ax.legend(fontsize=8, loc="upper right")


def main() -> None:
    """Measure both profiles, print the rows and draw the figure."""
    measured = [measure(profile) for profile in SEEDS]
    for m in measured:
        for row in rows_for(m):
            print(row.line())
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    _inclusion(axes[0, 0], measured)
    _trade_off(axes[0, 1], measured[0], "b")
    _trade_off(axes[1, 0], measured[1], "c")
    _approvals(axes[1, 1], measured)
    fig.suptitle(
        "Inclusion: Fairfile (DP, epsilon 1) vs a bureau-only scorecard, "
        "60,000 evaluated synthetic applicants per profile"
    )
    fig.tight_layout()
    out = DOCS / "img" / "inclusion.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Coverage against accuracy as the confidence threshold moves, from ``alpr_accuracy.py --dump``.

    python bench/alpr_accuracy.py --data us-dev --recognizer plate,rapidocr --dump var/us-dev.json
    python bench/alpr_confidence_plot.py var/us-dev.json var/eu.json --out docs/figures/alpr_confidence.png

For each threshold t, "coverage" is the share of labelled plates whose matched reading has
confidence >= t, "accuracy" the share of those that are exact; the exact read rate at t (exact
reads kept / all plates) is plotted too.  Also prints the table at a few thresholds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def curve(points: list[list], n: int, thresholds: np.ndarray):
    conf = np.array([p[0] for p in points], dtype=float)
    ok = np.array([bool(p[1]) for p in points])
    cov, acc, rate = [], [], []
    for t in thresholds:
        keep = conf >= t
        cov.append(keep.sum() / n)
        acc.append(ok[keep].mean() if keep.any() else np.nan)
        rate.append((ok & keep).sum() / n)
    return np.array(cov), np.array(acc), np.array(rate)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dumps", nargs="+")
    ap.add_argument("--out", default="docs/figures/alpr_confidence.png")
    args = ap.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    thresholds = np.linspace(0, 1, 101)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for path in args.dumps:
        d = json.loads(Path(path).read_text())
        name = Path(d["data"]).name
        for rec, run in d["runs"].items():
            cov, acc, rate = curve(run["points"], run["n"], thresholds)
            label = f"{name} {rec}"
            ax1.plot(cov, acc, label=label)
            ax2.plot(thresholds, rate, label=label)
            print(f"{label}: n={run['n']}")
            for t in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9):
                i = int(round(t * 100))
                print(
                    f"  t={t:.1f}: coverage {cov[i]:.1%}, accuracy of kept {acc[i]:.1%}, exact kept {rate[i]:.1%}"
                )
    ax1.set_xlabel("coverage (plates with a reading at or above the threshold)")
    ax1.set_ylabel("accuracy of the readings kept")
    ax1.set_title("coverage vs accuracy")
    ax2.set_xlabel("confidence threshold")
    ax2.set_ylabel("exact reads kept / all plates")
    ax2.set_title("read rate vs confidence threshold")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

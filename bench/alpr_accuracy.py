#!/usr/bin/env python
"""ALPR accuracy benchmark for cameras.recognition.

Usage (from the repository root):

    python bench/alpr_accuracy.py --data ../shared/alpr-bench/us-dev
    python bench/alpr_accuracy.py --data eu            # short for ../shared/alpr-bench/eu

Each NAME.jpg in the folder has NAME.txt: "NAME.jpg<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE".
Prints the exact read rate, the detection recall (a reading whose box has
IoU >= 0.3 with the labelled box), and the per-frame latency (median, p95) of
PlateRecognizer.recognize on this machine.

``--recognizer plate,rapidocr`` measures the pipelines side by side in one run (the same
images, one after the other); ``--dump FILE`` writes every matched reading's confidence and
whether it was exact (for the coverage-accuracy plot, ``bench/alpr_confidence_plot.py``).

Exact read (the headline figure): only the reading whose box best overlaps the
labelled box (IoU >= 0.3) is compared with the label, letter O mapped to digit 0
on both sides; an image with no such reading is a miss.  The old, lenient
figure ("some reading of the image equals the label") is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from cameras.recognition import PlateRecognizer, RecognizerConfig, normalize_plate  # noqa: E402

IOU_THRESHOLD = 0.3


def resolve_data(arg: str) -> Path:
    p = Path(arg)
    if not p.is_absolute():
        cands = [Path.cwd() / p, ROOT / p, ROOT.parent / "shared" / "alpr-bench" / arg]
        for c in cands:
            if c.is_dir():
                return c.resolve()
    return p


def load_labels(folder: Path) -> list[tuple[Path, tuple[int, int, int, int], str]]:
    items = []
    for txt in sorted(folder.glob("*.txt")):
        parts = txt.read_text().strip().split("\t")
        if len(parts) < 6:
            continue
        img = folder / parts[0]
        if not img.exists():
            continue
        x, y, w, h = (int(v) for v in parts[1:5])
        items.append((img, (x, y, w, h), normalize_plate(parts[5])))
    return items


def iou(a, b) -> float:
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax2, bx2) - max(a[0], b[0]))
    ih = max(0, min(ay2, by2) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def o_to_0(s: str) -> str:
    return s.replace("O", "0")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/alpr-bench/us-dev", help="folder, or 'us-dev' / 'eu'")
    ap.add_argument("--limit", type=int, default=0, help="only the first N images")
    ap.add_argument("--verbose", "-v", action="store_true", help="list misses")
    ap.add_argument("--device", default="cpu")
    ap.add_argument(
        "--recognizer",
        default="rapidocr,plate",
        help="comma-separated: rapidocr (voting, the default), plate (the project recogniser)",
    )
    ap.add_argument(
        "--fallback-below", type=float, default=None, help="override RecognizerConfig.fallback_below"
    )
    ap.add_argument("--dump", default="", help="write confidences and outcomes to this JSON file")
    args = ap.parse_args(argv)

    folder = resolve_data(args.data)
    items = load_labels(folder)
    if args.limit:
        items = items[: args.limit]
    if not items:
        print(f"no labelled images found in {folder}", file=sys.stderr)
        return 2

    dump = {}
    for name in args.recognizer.split(","):
        dump[name] = measure(name, items, folder, args)
    if args.dump:
        Path(args.dump).write_text(json.dumps({"data": str(folder), "runs": dump}) + "\n")
    return 0


def measure(name: str, items, folder: Path, args) -> dict:
    extra = {} if args.fallback_below is None else {"fallback_below": args.fallback_below}
    rec = PlateRecognizer(RecognizerConfig(device=args.device, recognizer=name, **extra))
    rec.recognize(cv2.imread(str(items[0][0])))  # warm-up: load models (not timed)

    exact = lenient = detected = read_any = 0
    latencies = []
    points = []
    statuses = {"read": [0, 0], "verify": [0, 0], "unread": [0, 0]}
    for path, gbox, gt in items:
        img = cv2.imread(str(path))
        t0 = time.perf_counter()
        readings = rec.recognize(img)
        latencies.append(time.perf_counter() - t0)
        # only the reading whose box best overlaps the labelled plate counts
        best = max(readings, key=lambda r: iou(r.box, gbox), default=None)
        matched = best is not None and iou(best.box, gbox) >= IOU_THRESHOLD
        detected += matched
        ok = bool(matched and o_to_0(best.plate) == o_to_0(gt))
        exact += ok
        lenient += any(o_to_0(r.plate) == o_to_0(gt) for r in readings)
        read_any += bool(readings)
        if matched:
            points.append([round(best.confidence, 5), ok, best.recognizer])
            statuses[best.status][0] += 1
            statuses[best.status][1] += ok
        if args.verbose and not ok:
            got = (
                ", ".join(
                    f"{r.plate}({r.confidence:.2f}, {r.status}, iou={iou(r.box, gbox):.2f})" for r in readings
                )
                or "-"
            )
            print(f"MISS {path.name}: expected {gt}, got {got}")

    n = len(items)
    lat = np.array(latencies) * 1000.0
    print(f"recognizer:         {name}")
    print(f"dataset:            {folder}")
    print(f"images:             {n}")
    print(
        f"exact plate reads:  {exact}/{n} = {exact / n:.1%}  (IoU-matched reading only; O->0 on both sides)"
    )
    print(f"lenient exact:      {lenient}/{n} = {lenient / n:.1%}  (any reading of the image; old rule)")
    print(
        f"detection recall:   {detected}/{n} = {detected / n:.1%}  (a read plate box with IoU >= {IOU_THRESHOLD} to the label)"
    )
    print(f"images with a read: {read_any}/{n}")
    print(
        "by status:          "
        + ", ".join(f"{k} {v[0]} ({v[1]} exact)" for k, v in statuses.items())
        + f"  (verify below {rec.config.verify_below}, unread below {rec.config.unread_below};"
        + f" fallback below {rec.config.fallback_below})"
    )
    print(
        f"latency per frame:  median {np.median(lat):.0f} ms, p95 {np.percentile(lat, 95):.0f} ms"
        f"  (cpu threads={os.cpu_count()}, device={args.device})"
    )
    print()
    return {
        "exact": exact,
        "n": n,
        "detected": detected,
        "median_ms": float(np.median(lat)),
        "p95_ms": float(np.percentile(lat, 95)),
        "points": points,
    }


if __name__ == "__main__":
    raise SystemExit(main())

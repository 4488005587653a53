#!/usr/bin/env python
"""Throughput of cameras.recognition: frames per second, batched and sequential.

Usage (from the repository root):

    python bench/recognition_throughput.py --data ../shared/alpr-bench/us-dev -n 32 --batch 8
    python bench/recognition_throughput.py --data us-dev --device cuda     # on a GPU host

Reads the first N images of the folder (any *.jpg / *.png), warms the models up, then
times ``PlateRecognizer.recognize_batch`` on batches of ``--batch`` frames and
``PlateRecognizer.recognize`` frame by frame, and prints frames per second for both.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from cameras.recognition import PlateRecognizer, RecognizerConfig  # noqa: E402


def resolve_data(arg: str) -> Path:
    p = Path(arg)
    if not p.is_absolute():
        for c in (Path.cwd() / p, ROOT / p, ROOT.parent / "shared" / "alpr-bench" / arg):
            if c.is_dir():
                return c.resolve()
    return p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/alpr-bench/us-dev", help="image folder, or 'us-dev' / 'eu'")
    ap.add_argument("-n", "--frames", type=int, default=32, help="number of frames to time")
    ap.add_argument("--batch", type=int, default=8, help="frames per recognize_batch call")
    ap.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:0 ...")
    ap.add_argument("--no-sequential", action="store_true", help="skip the frame-by-frame run")
    args = ap.parse_args(argv)

    folder = resolve_data(args.data)
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[
        : args.frames
    ]
    frames = [im for im in (cv2.imread(str(p)) for p in paths) if im is not None]
    if not frames:
        print(f"no images found in {folder}", file=sys.stderr)
        return 2
    rec = PlateRecognizer(RecognizerConfig(device=args.device))
    rec.recognize_batch(frames[: min(2, len(frames))])  # warm-up: load models (not timed)

    n = len(frames)
    t0 = time.perf_counter()
    plates = 0
    for i in range(0, n, args.batch):
        plates += sum(len(r) for r in rec.recognize_batch(frames[i : i + args.batch]))
    tb = time.perf_counter() - t0
    print(f"frames:             {n} from {folder} (device={args.device}, cpu threads={os.cpu_count()})")
    print(
        f"recognize_batch:    {n / tb:.2f} frames/s  ({1000 * tb / n:.0f} ms/frame, batch={args.batch}, {plates} plates)"
    )
    if not args.no_sequential:
        t0 = time.perf_counter()
        for im in frames:
            rec.recognize(im)
        ts = time.perf_counter() - t0
        print(f"recognize (1 by 1): {n / ts:.2f} frames/s  ({1000 * ts / n:.0f} ms/frame)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

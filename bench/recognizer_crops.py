#!/usr/bin/env python
"""Recognisers compared on the same plate crops: the held-out validation part of the real
training crops (``../shared/alpr-train/us-plates``, the seeded split the training script uses,
never trained on), so the recogniser alone is measured, without the detector.

    python bench/recognizer_crops.py [--real ../shared/alpr-train/us-plates] [--seed 13]

``rapidocr``: today's RapidOCR PP-OCRv4 recogniser with the crop variants and aligned voting
(the whole crop as the plate box); ``plate``: the project's plate recogniser on the crop.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from cameras.recognition.ocr import PlateOCR  # noqa: E402
from cameras.recognition.plate import read_plate  # noqa: E402
from cameras.recognition.platereader import PlateReader  # noqa: E402
from cameras.recognition.training.train import CONFIGS, load_real  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "alpr-train" / "us-plates")
    ap.add_argument("--seed", type=int, default=13, help="the training seed (the split uses seed + 1)")
    ap.add_argument("--model", default=None, help="plate recogniser ONNX (default: the shipped one)")
    ap.add_argument(
        "--skip-rapidocr",
        action="store_true",
        help="the plate recogniser only (RapidOCR voting takes seconds per crop on a loaded machine)",
    )
    args = ap.parse_args(argv)
    real = load_real(args.real)
    order = list(range(len(real)))
    random.Random(args.seed + 1).shuffle(order)
    val = [real[i] for i in order[: int(round(len(real) * CONFIGS["full"].val_frac))]]
    print(f"validation crops: {len(val)} of {len(real)}")

    reader = PlateReader(args.model)
    reader.read([val[0][0]])
    t0 = time.perf_counter()
    reads = reader.read([im for im, _ in val])
    dt_plate = (time.perf_counter() - t0) / len(val)
    ok_plate = [r.plate == t for r, (_, t) in zip(reads, val, strict=True)]

    ocr = PlateOCR()
    ok_rapid = []
    t0 = time.perf_counter()
    for im, t in [] if args.skip_rapidocr else val:
        h, w = im.shape[:2]
        cand, _ = read_plate(im, (0, 0, w, h), None, ocr)
        ok_rapid.append(bool(cand and cand.plate.replace("O", "0") == t.replace("O", "0")))
    dt_rapid = (time.perf_counter() - t0) / len(val)
    if args.skip_rapidocr:
        ok_rapid = [False] * len(val)
    ok_plate_o = [
        r.plate.replace("O", "0") == t.replace("O", "0") for r, (_, t) in zip(reads, val, strict=True)
    ]
    n = len(val)
    if not args.skip_rapidocr:
        print(
            f"rapidocr (PP-OCRv4 + crops + voting): {sum(ok_rapid)}/{n} = {sum(ok_rapid) / n:.1%}, {dt_rapid * 1000:.0f} ms/crop"
        )
    print(
        f"plate (project recogniser, 1 crop):   {sum(ok_plate_o)}/{n} = {sum(ok_plate_o) / n:.1%}, {dt_plate * 1000:.1f} ms/crop (batched)"
    )
    if not args.skip_rapidocr:
        both = np.array(ok_rapid) | np.array(ok_plate_o)
        print(f"either right:                         {both.sum()}/{n} = {both.mean():.1%}")
    print(f"(plate, strict O/0: {sum(ok_plate)}/{n})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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
from cameras.recognition.platereader import read_views  # noqa: E402

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
        help="comma-separated: rapidocr (voting), plate (the project recogniser); plate:0.5 is the "
        "plate recogniser with RapidOCR voting as the fallback below confidence 0.5",
    )
    ap.add_argument(
        "--fallback-below", type=float, default=None, help="override RecognizerConfig.fallback_below"
    )
    ap.add_argument("--dump", default="", help="write confidences and outcomes to this JSON file")
    ap.add_argument("--plate-model", default="", help="plate recogniser ONNX (default: the shipped one)")
    ap.add_argument(
        "--side-by-side",
        action="store_true",
        help="detect once per image and give every recogniser the same detector crops (each "
        "recogniser's latency = detection + its own reading time)",
    )
    ap.add_argument(
        "--cache",
        default="",
        help="with --side-by-side: keep the detections and RapidOCR's candidates in this file "
        "(reused when present, so new plate weights are measured on the same crops)",
    )
    args = ap.parse_args(argv)

    folder = resolve_data(args.data)
    items = load_labels(folder)
    if args.limit:
        items = items[: args.limit]
    if not items:
        print(f"no labelled images found in {folder}", file=sys.stderr)
        return 2

    dump = {}
    if args.side_by_side:
        dump = side_by_side(args.recognizer.split(","), items, folder, args)
    else:
        for name in args.recognizer.split(","):
            dump[name] = measure(name, items, folder, args)
    if args.dump:
        Path(args.dump).write_text(json.dumps({"data": str(folder), "runs": dump}) + "\n")
    return 0


def side_by_side(specs: list[str], items, folder: Path, args) -> dict:
    """Every recogniser on the same detections: the detector (and its zoomed second pass) runs
    once per image, RapidOCR voting once per detection; the plate recogniser reads both
    rectified views of all of an image's plates in one batch; ``plate:T`` then takes RapidOCR's
    candidate where the plate reading's confidence is below T, exactly as
    ``PlateRecognizer`` does with ``fallback_below=T`` (and is charged RapidOCR's time only there)."""
    import pickle

    from cameras.recognition.plate import read_plate
    from cameras.recognition.recognizer import box_of

    rec = PlateRecognizer(
        RecognizerConfig(device=args.device, recognizer="plate", plate_model_path=args.plate_model or None)
    )
    c = rec.config
    first = cv2.imread(str(items[0][0]))
    rec.recognize(first)  # warm-up: load models (not timed)
    rec.ocr.read([first[:48, :200]])
    cache_path = Path(args.cache) if args.cache else None
    stage1 = None
    if cache_path and cache_path.is_file():
        stage1 = pickle.loads(cache_path.read_bytes())
        if [s["name"] for s in stage1] != [p.name for p, _, _ in items]:
            stage1 = None
    if stage1 is None:
        stage1 = []
        for path, _, _ in items:
            img = cv2.imread(str(path))
            t0 = time.perf_counter()
            dets = rec.detector.detect_batch([img])[0]
            if not dets and c.zoom_fallback:
                dets = rec.detector.detect_tiled(img)
            dets = dets[: c.max_plates]
            t_det = time.perf_counter() - t0
            cands, t_rapid = [], []
            for d in dets:
                t1 = time.perf_counter()
                cand, _ = read_plate(img, d.xyxy, d.polygon, rec.ocr)
                t_rapid.append(time.perf_counter() - t1)
                cands.append(cand)
            stage1.append(
                {"name": path.name, "dets": dets, "t_det": t_det, "cands": cands, "t_rapid": t_rapid}
            )
        if cache_path:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            cache_path.write_bytes(pickle.dumps(stage1))

    results = {
        s: {
            "exact": 0,
            "lenient": 0,
            "detected": 0,
            "lat": [],
            "points": [],
            "statuses": {k: [0, 0] for k in ("read", "verify", "unread")},
        }
        for s in specs
    }
    for (path, gbox, gt), st in zip(items, stage1, strict=True):
        img = cv2.imread(str(path))
        dets = st["dets"]
        t0 = time.perf_counter()
        probs = rec.plate_probs([img], [dets]) if dets else {}
        t_plate = time.perf_counter() - t0
        for spec in specs:
            name, _, fb = spec.partition(":")
            fallback = float(fb) if fb else 0.0
            readings, t = [], st["t_det"]
            for j, d in enumerate(dets):
                cand = st["cands"][j]
                if cand is not None and len(cand.plate) < c.min_plate_len:
                    cand = None
                if name == "rapidocr":
                    t += st["t_rapid"][j]
                    if cand is None:
                        continue
                    plate, conf, source = cand.plate, cand.conf, "rapidocr"
                else:
                    p = probs[(0, j)][0]
                    use = None
                    if read_views(p).confidence < fallback:
                        t += st["t_rapid"][j]
                        use = cand
                    plate, _, conf, source = rec.choose(p, use, c.fallback_trust)
                    if len(plate) < c.min_plate_len:
                        continue
                readings.append((box_of(img, d), plate, float(conf), source))
            if name != "rapidocr":
                t += t_plate
            r = results[spec]
            r["lat"].append(t)
            best = max(readings, key=lambda x: iou(x[0], gbox), default=None)
            matched = best is not None and iou(best[0], gbox) >= IOU_THRESHOLD
            ok = bool(matched and o_to_0(best[1]) == o_to_0(gt))
            r["detected"] += matched
            r["exact"] += ok
            r["lenient"] += any(o_to_0(x[1]) == o_to_0(gt) for x in readings)
            if matched:
                r["points"].append([round(best[2], 5), ok, best[3]])
                status = rec.status_for(best[2], best[3])
                r["statuses"][status][0] += 1
                r["statuses"][status][1] += ok
            if args.verbose and not ok:
                got = ", ".join(f"{x[1]}({x[2]:.2f}, {x[3]})" for x in readings) or "-"
                print(f"MISS [{spec}] {path.name}: expected {gt}, got {got}")

    n = len(items)
    dump = {}
    print(f"dataset: {folder}; images: {n}; one detection pass shared by every recogniser")
    print("| recogniser | exact read | detection recall | lenient | median ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for spec in specs:
        r = results[spec]
        lat = np.array(r["lat"]) * 1000.0
        print(
            f"| {spec} | {r['exact']}/{n} = {r['exact'] / n:.1%} | {r['detected']}/{n} = {r['detected'] / n:.1%}"
            f" | {r['lenient']}/{n} | {np.median(lat):.0f} | {np.percentile(lat, 95):.0f} |"
        )
        dump[spec] = {
            "exact": r["exact"],
            "n": n,
            "detected": r["detected"],
            "median_ms": float(np.median(lat)),
            "p95_ms": float(np.percentile(lat, 95)),
            "points": r["points"],
            "statuses": r["statuses"],
        }
    for spec in specs:
        print(
            f"{spec} by status: "
            + ", ".join(f"{k} {v[0]} ({v[1]} exact)" for k, v in results[spec]["statuses"].items())
        )
    print(
        f"(verify below {c.verify_below}, unread below {c.unread_below}; cpu threads={os.cpu_count()}, device={args.device})"
    )
    return dump


def measure(spec: str, items, folder: Path, args) -> dict:
    name, _, fb = spec.partition(":")
    extra = {} if args.fallback_below is None else {"fallback_below": args.fallback_below}
    if fb:
        extra["fallback_below"] = float(fb)
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
    print(f"recognizer:         {spec}")
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
